using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>A store whose parent serves malformed, unsigned, tampered, misdirected and replayed policy documents among good ones.</summary>
public sealed class PoisonPolicyTests : IAsyncLifetime
{
    private const string StoreId = "poison-store";
    private const string RegionId = "rp";
    private readonly FakeParent _parent = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-poison-").FullName;
    private WebApplication? _app;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(_port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_parent);
        _app = builder.Build();
        _app.MapGrpcService<FakeParent>();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private EdgeTierHost NewStore() => EdgeTierHost.CreateStore(new StoreTierSettings
    {
        StoreId = StoreId, RegionId = RegionId, ParentAddress = new Uri($"http://127.0.0.1:{_port}"),
        // The fake parent below is plaintext: this test is about policy documents, not about trust.
        Trust = { Insecure = true },
        SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), DataDirectory = _dataDir,
        ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
    });

    private static readonly Lazy<DocumentSigner> Signer = new(() => DocumentSigner.Load(DevelopmentSigning.Shared.SignerDirectory));

    /// <summary>A store-scope document as the cloud publishes it: signed by the development signer the store trusts.</summary>
    private static P.PolicyDocument StoreDocument(long version, double hysteresis, string store = StoreId) =>
        TierLink.LinkMapping.ToWire(Signer.Value.Sign(new PolicyDocument(PolicyScope.ForStore(RegionId, store), version,
            new ReplenishmentPolicy(3, null, hysteresis, TimeSpan.FromSeconds(10), 0.2), DateTimeOffset.UtcNow)));

    [Fact]
    public async Task MalformedPolicyDocument_IsSkippedAndReported_AndTheNextOneIsApplied_WithoutResubscribing()
    {
        // v5 and v7 have a negative hysteresis, which the store's mapping refuses; v6 is fine.
        _parent.Documents.Add(StoreDocument(5, hysteresis: -1));
        _parent.Documents.Add(StoreDocument(6, hysteresis: 1));
        _parent.Documents.Add(StoreDocument(7, hysteresis: -2));
        await using (var store = NewStore())
        {
            await store.StartAsync();
            var config = store.Grains.GetGrain<IStoreConfigGrain>(StoreId);

            await Eventually.Get(config.GetAppliedVersion, v => v == 6, "the good document between the poison ones applied", TimeSpan.FromSeconds(15));
            var rejection = await Eventually.Get(config.GetLastRejection, r => r is { Version: 7 }, "the last poison document recorded as rejected");
            Assert.Contains("HysteresisUnits", rejection!.Reason, StringComparison.Ordinal);
            Assert.Equal($"store:{RegionId}/{StoreId}", rejection.Scope);

            // It reaches the parent as reported state, and the link counts both rejections.
            var reported = await Eventually.Get(() => Task.FromResult(_parent.States.LastOrDefault()),
                s => s is { RejectedPolicyVersion: 7, AppliedPolicyVersion: 6 }, "the rejection in the store's reported state");
            Assert.Contains("HysteresisUnits", reported!.PolicyRejection, StringComparison.Ordinal);
            Assert.Equal(2, store.Uplink!.Status.PoliciesRejected);

            // The receiver skipped them in the stream it had: it never subscribed again.
            Assert.Equal([0L], _parent.Subscribes);
            await store.StopAsync();
        }

        // After a restart the store resumes past the rejected v7 rather than fetching it again.
        await using (var again = NewStore())
        {
            await again.StartAsync();
            await Eventually.Get(() => Task.FromResult(_parent.Subscribes.Count), n => n == 2, "the restarted store's subscription");
            Assert.Equal([0L, 7L], _parent.Subscribes);
            Assert.Equal(6, await again.Grains.GetGrain<IStoreConfigGrain>(StoreId).GetAppliedVersion());
            await again.StopAsync();
        }
    }

    [Fact]
    public async Task UnsignedTamperedMisdirectedAndReplayedDocuments_AreRefusedCountedAndReported_AndChangeNothing()
    {
        _parent.Documents.Add(StoreDocument(5, hysteresis: 1));
        var unsigned = StoreDocument(6, hysteresis: 2);
        unsigned.Signature = Google.Protobuf.ByteString.Empty;
        unsigned.SignerCertificate = Google.Protobuf.ByteString.Empty;
        _parent.Documents.Add(unsigned);
        var tampered = StoreDocument(7, hysteresis: 2);
        tampered.Policy.LowStockThresholdUnits = 0; // a region "relaxing" the store's threshold
        _parent.Documents.Add(tampered);
        _parent.Documents.Add(StoreDocument(8, hysteresis: 2, store: "another-store"));
        await using (var store = NewStore())
        {
            await store.StartAsync();
            var config = store.Grains.GetGrain<IStoreConfigGrain>(StoreId);
            var gate = store.Services.GetRequiredService<SignedDocumentGate>();

            await Eventually.Get(config.GetAppliedVersion, v => v == 5, "the good document applied", TimeSpan.FromSeconds(15));
            await Eventually.Get(() => Task.FromResult(gate.Rejected.Count), n => n == 3, "the three bad documents refused");
            Assert.Equal(1, gate.Rejected[(SignatureRejection.NotSigned, "policy")]);
            Assert.Equal(1, gate.Rejected[(SignatureRejection.Tampered, "policy")]);
            Assert.Equal(1, gate.Rejected[(SignatureRejection.WrongScope, "policy")]);
            var shelf = await config.GetEffectivePolicy(new Domain.ShelfId("s-1"));
            Assert.Equal((3, 1.0, 5L), (shelf.Policy.LowStockThresholdUnits, shelf.Policy.HysteresisUnits, shelf.Version));

            // The latest refusal reaches the parent in the store's reported state, with its reason.
            var reported = await Eventually.Get(() => Task.FromResult(_parent.States.LastOrDefault()),
                s => s is { RejectedPolicyVersion: 8 }, "the refusal in the store's reported state");
            Assert.Contains("wrong_scope", reported!.PolicyRejection, StringComparison.Ordinal);
            Assert.Equal(5, reported.AppliedPolicyVersion);
            await store.StopAsync();
        }

        // Refusals do not move the resume point: the store asks again after v5, and a replayed v4 (authentic, old) is refused.
        // (The parent stops serving v6-v8, which the store would otherwise refuse again, so the replay is the latest refusal.)
        _parent.Documents.RemoveAll(d => d.Version > 5);
        _parent.Replayed.Add(StoreDocument(4, hysteresis: 3));
        await using (var again = NewStore())
        {
            await again.StartAsync();
            var gate = again.Services.GetRequiredService<SignedDocumentGate>();
            await Eventually.Get(() => Task.FromResult(gate.Rejected.GetValueOrDefault((SignatureRejection.Replayed, "policy"))), n => n == 1, "the replayed document refused");
            Assert.Equal([0L, 5L], _parent.Subscribes);
            Assert.Equal(5, await again.Grains.GetGrain<IStoreConfigGrain>(StoreId).GetAppliedVersion());
            var rejection = await Eventually.Get(again.Grains.GetGrain<IStoreConfigGrain>(StoreId).GetLastRejection,
                r => r?.Reason.StartsWith("replayed:", StringComparison.Ordinal) == true, "the replay recorded as the latest refusal");
            Assert.Equal(4, rejection!.Version);
            await again.StopAsync();
        }
    }

    /// <summary>A parent that serves fixed documents, holds the policy stream open and acks the uplink.</summary>
    private sealed class FakeParent : P.TierLink.TierLinkBase
    {
        public List<P.PolicyDocument> Documents { get; } = [];

        /// <summary>Sent on every subscription whatever its after_version, as a parent replaying old documents would.</summary>
        public List<P.PolicyDocument> Replayed { get; } = [];

        /// <summary>after_version of every Subscribe, in order.</summary>
        public ConcurrentQueue<long> Subscribes { get; } = new();

        /// <summary>Every store state the child reported.</summary>
        public ConcurrentQueue<P.StoreState> States { get; } = new();

        public override async Task Subscribe(P.SubscribeRequest request, IServerStreamWriter<P.PolicyBatch> responseStream, ServerCallContext context)
        {
            Subscribes.Enqueue(request.AfterVersion);
            var batch = new P.PolicyBatch();
            batch.Documents.AddRange(Documents.Where(d => d.Version > request.AfterVersion));
            batch.Documents.AddRange(Replayed);
            if (batch.Documents.Count > 0) await responseStream.WriteAsync(batch);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public override async Task Uplink(IAsyncStreamReader<P.UpBatch> requestStream, IServerStreamWriter<P.UpAck> responseStream, ServerCallContext context)
        {
            ulong epoch = 0, priority = 0, bulk = 0;
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (batch.Epoch != 0) epoch = batch.Epoch;
                foreach (var e in batch.Events)
                {
                    if (e.PayloadCase is P.UpEvent.PayloadOneofCase.Alert or P.UpEvent.PayloadOneofCase.StoreState) priority = Math.Max(priority, e.Sequence);
                    else bulk = Math.Max(bulk, e.Sequence);
                    if (e.PayloadCase == P.UpEvent.PayloadOneofCase.StoreState) States.Enqueue(e.StoreState);
                }
                await responseStream.WriteAsync(new P.UpAck
                {
                    Epoch = epoch, AckedThrough = priority, BulkAckedThrough = bulk, Appended = (uint)batch.Events.Count,
                });
            }
        }
    }
}
