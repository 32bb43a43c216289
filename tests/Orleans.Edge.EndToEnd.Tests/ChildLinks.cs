using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// Raw tier-link calls to a parent, each made as the child it names (<c>child_id</c>): over mutual TLS
/// with that child's development certificate, as a real child would, so a test can speak as any child
/// of the parent. A child id that is no valid id is sent by an unrelated authenticated store
/// (<see cref="ProbeChild"/>), so the parent's own validation answers it.
/// </summary>
public sealed class ChildLinks(EdgeTierHost parent) : IDisposable
{
    /// <summary>The child that carries requests whose child id is no valid id.</summary>
    public const string ProbeChild = "link-probe";

    private readonly ConcurrentDictionary<string, ParentLink> _links = new();

    /// <summary>The client of one child.</summary>
    public P.TierLink.TierLinkClient For(string childId) => _links.GetOrAdd(EdgeId.Problem(childId, "child id") is null ? childId : ProbeChild, Open).Client;

    /// <summary>A client with the certificate of <paramref name="child"/>, whoever it is (another region's store, say).</summary>
    public P.TierLink.TierLinkClient As(EdgeIdentity child) =>
        _links.GetOrAdd($"as:{child.ClusterId}:{child.RegionId}", _ => new ParentLink(Options.Create(new TierLinkClientOptions { ParentAddress = parent.LinkAddress }), TrustOf(parent, child))).Client;

    /// <summary>The credentials directory a child of <paramref name="parent"/> gets (development certificates in the parent's directory).</summary>
    public static LinkTrust TrustOf(EdgeTierHost parent, EdgeIdentity child)
    {
        var trust = parent.Settings.Trust;
        if (trust.Insecure) return LinkTrust.Insecure();
        var directory = DevelopmentCertificates.EnsureAsync(trust.EffectiveDevelopmentDirectory, NodeIdentity.From(trust.TrustDomain, child)).GetAwaiter().GetResult();
        return LinkTrust.Mutual(new CertificateFileSource(directory));
    }

    /// <summary>The call failed at the TLS handshake (<see cref="LinkAuthenticationException"/>): nothing was served.</summary>
    public static void AssertHandshakeRefused(RpcException ex)
    {
        Assert.True(ex.StatusCode is StatusCode.Internal or StatusCode.Unavailable, $"expected a failed call, got {ex.StatusCode}");
        // Either end may be first to refuse: the child (a server that is not its parent) or the parent (a client that is not its child).
        Assert.Contains(nameof(LinkAuthenticationException), ex.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// The credentials directory of <paramref name="node"/> among the development certificates every
    /// tier of the tests uses by default (one development CA), for a silo's <c>--certs</c> or
    /// <see cref="TrustSettings.CertificateDirectory"/> (the production profile needs one).
    /// </summary>
    public static string CertificatesOf(EdgeIdentity node)
    {
        var trust = new TrustSettings();
        return DevelopmentCertificates.EnsureAsync(trust.EffectiveDevelopmentDirectory, NodeIdentity.From(trust.TrustDomain, node)).GetAwaiter().GetResult();
    }

    /// <summary>The development document signer beside that CA, for a production cloud's <c>--signer</c> or <see cref="TrustSettings.SignerDirectory"/>.</summary>
    public static string SignerOf() =>
        DevelopmentCertificates.EnsureSignerAsync(new TrustSettings().EffectiveDevelopmentDirectory, TrustSettings.DefaultTrustDomain).GetAwaiter().GetResult();

    private ParentLink Open(string childId)
    {
        var child = parent.Tier == EdgeTier.Cloud ? EdgeIdentity.Region(childId) : EdgeIdentity.Store(parent.Id, childId);
        return new ParentLink(Options.Create(new TierLinkClientOptions { ParentAddress = parent.LinkAddress }), TrustOf(parent, child));
    }

    public AsyncUnaryCall<P.UpAck> PushAsync(P.UpBatch request, Grpc.Core.Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        For(request.ChildId).PushAsync(request, headers, deadline, cancellationToken);

    public AsyncServerStreamingCall<P.PolicyBatch> Subscribe(P.SubscribeRequest request, Grpc.Core.Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        For(request.ChildId).Subscribe(request, headers, deadline, cancellationToken);

    public AsyncServerStreamingCall<P.ArtifactChunk> FetchArtifact(P.ArtifactRequest request, Grpc.Core.Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        For(request.ChildId).FetchArtifact(request, headers, deadline, cancellationToken);

    public void Dispose()
    {
        foreach (var link in _links.Values) link.Dispose();
        _links.Clear();
    }
}
