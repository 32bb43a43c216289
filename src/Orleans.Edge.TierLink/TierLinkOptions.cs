using System.ComponentModel.DataAnnotations;

namespace Orleans.Edge.TierLink;

/// <summary>The child side of a tier link: who we are and where our parent listens.</summary>
public sealed class TierLinkClientOptions
{
    /// <summary>This cluster's id as its parent knows it (store id or region id); also the origin of its events.</summary>
    [Required] public string ChildId { get; set; } = "";

    /// <summary>The region this child is, or belongs to.</summary>
    [Required] public string RegionId { get; set; } = "";

    /// <summary>Store id when the child is a store; null for a region.</summary>
    public string? StoreId { get; set; }

    /// <summary>The parent's tier-link address, e.g. <c>http://127.0.0.1:7100</c>.</summary>
    [Required] public Uri? ParentAddress { get; set; }

    /// <summary>Most events per upward batch.</summary>
    [Range(1, 10_000)] public int MaxBatchEvents { get; set; } = 256;

    /// <summary>Batches of at least this many events are sent gzip-compressed; smaller ones would grow.</summary>
    [Range(1, 100_000)] public int CompressFromEvents { get; set; } = 16;

    /// <summary>First retry delay after a failure; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Deadline of one push.</summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On a graceful stop, how long the sender keeps draining the outbox while the link is up;
    /// whatever is left stays in the (durable) outbox for the next start.
    /// </summary>
    public TimeSpan FlushOnStop { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Where a parent's policy documents come from.</summary>
public enum PolicySourceKind
{
    /// <summary>The cloud's policy grain.</summary>
    Cloud,
    /// <summary>A region's relay of the cloud's policies.</summary>
    Region,
}

/// <summary>The parent side of a tier link.</summary>
public sealed class TierLinkServerOptions
{
    /// <summary>Stream namespace the inbound log publishes to.</summary>
    [Required] public string InboundNamespace { get; set; } = "";

    /// <summary>Stream key the inbound log publishes to.</summary>
    [Required] public string InboundKey { get; set; } = "";

    /// <summary>Which grain serves policy documents to children.</summary>
    public PolicySourceKind PolicySource { get; set; }

    /// <summary>For a region: its id. Stores of other regions are refused.</summary>
    public string? RegionId { get; set; }

    /// <summary>How long a downlink waits on the policy source before asking again.</summary>
    public TimeSpan PolicyPollInterval { get; set; } = TimeSpan.FromSeconds(15);
}
