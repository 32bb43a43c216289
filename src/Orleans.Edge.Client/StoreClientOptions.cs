using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Orleans.Edge.Domain;

namespace Orleans.Edge.Client;

/// <summary>How a store app reaches its store's cluster.</summary>
public sealed class StoreClientOptions
{
    /// <summary>The store.</summary>
    public string StoreId { get; set; } = "";

    /// <summary>Gateway endpoints of the store's silos, as <c>address:port</c>.</summary>
    public IList<string> Gateways { get; } = [];

    /// <summary>Orleans cluster id; defaults to <c>store-{StoreId}</c>.</summary>
    public string? ClusterId { get; set; }

    /// <summary>Logging of the client's own host (default: warnings and worse).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>How alert watches renew and when they give up.</summary>
    public AlertWatchOptions AlertWatch { get; set; } = new();

    /// <summary>
    /// The app's credentials for a store of the production profile, whose gateway speaks mutual TLS:
    /// a node directory (<c>node.crt.pem</c>, <c>node.key.pem</c>, <c>trust-bundle.pem</c>) whose certificate
    /// names this store (<c>spiffe://&lt;domain&gt;/region/&lt;r&gt;/store/&lt;StoreId&gt;</c>), made for the app with
    /// <c>orleans-edge certs csr</c> + <c>certs sign</c> (see docs/trust.md). Null: plaintext, for the embedded profile.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>How long to keep trying to connect before giving up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Every problem with these options, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (EdgeId.Problem(StoreId, "store id") is { } store) problems.Add($"{nameof(StoreId)}: {store}");
        if (Gateways.Count == 0) problems.Add($"{nameof(Gateways)}: give at least one gateway endpoint (address:port)");
        foreach (var gateway in Gateways)
        {
            if (!TryParseGateway(gateway, out _)) problems.Add($"{nameof(Gateways)}: '{gateway}' is not an address:port");
        }
        if (ClusterId is not null && string.IsNullOrWhiteSpace(ClusterId)) problems.Add($"{nameof(ClusterId)}: leave it out or give a cluster id");
        if (CertificateDirectory is not null && !Directory.Exists(CertificateDirectory))
            problems.Add($"{nameof(CertificateDirectory)}: '{CertificateDirectory}' is not a directory");
        if (ConnectTimeout <= TimeSpan.Zero) problems.Add($"{nameof(ConnectTimeout)}: must be positive, got {ConnectTimeout}");
        if (AlertWatch is null) problems.Add($"{nameof(AlertWatch)}: missing");
        else
        {
            if (AlertWatch.RenewInterval <= TimeSpan.Zero) problems.Add($"{nameof(AlertWatch)}:{nameof(AlertWatchOptions.RenewInterval)}: must be positive, got {AlertWatch.RenewInterval}");
            if (AlertWatch.MaxRenewFailures < 1) problems.Add($"{nameof(AlertWatch)}:{nameof(AlertWatchOptions.MaxRenewFailures)}: must be 1 or more, got {AlertWatch.MaxRenewFailures}");
        }
        return problems;
    }

    internal string EffectiveClusterId => ClusterId ?? $"store-{StoreId}";

    internal IPEndPoint[] GatewayEndpoints() =>
        [.. Gateways.Select(g => TryParseGateway(g, out var ep) ? ep : throw new ArgumentException($"gateway '{g}' is not an address:port", nameof(Gateways)))];

    private static bool TryParseGateway(string? gateway, out IPEndPoint endpoint)
    {
        endpoint = null!;
        return IPEndPoint.TryParse(gateway ?? "", out var parsed) && parsed.Port > 0 && (endpoint = parsed) is not null;
    }
}

/// <summary>Checks <see cref="StoreClientOptions"/> when the app host starts (<c>ValidateOnStart</c>).</summary>
internal sealed class StoreClientOptionsValidator(string? sectionPath) : IValidateOptions<StoreClientOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreClientOptions options) =>
        options.Problems() is { Count: > 0 } problems
            ? ValidateOptionsResult.Fail(string.IsNullOrEmpty(sectionPath) ? problems : problems.Select(p => $"{sectionPath}:{p}"))
            : ValidateOptionsResult.Success;
}
