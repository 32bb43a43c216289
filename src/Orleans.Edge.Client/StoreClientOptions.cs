using Microsoft.Extensions.Logging;

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

    /// <summary>How long to keep trying to connect before giving up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
