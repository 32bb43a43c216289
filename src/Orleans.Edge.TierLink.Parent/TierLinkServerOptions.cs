using System.ComponentModel.DataAnnotations;

namespace Orleans.Edge.TierLink.Parent;

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

    /// <summary>Most events one batch may carry; a larger batch is refused whole (InvalidArgument).</summary>
    [Range(1, 100_000)] public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>
    /// Largest event (wire encoding) the parent takes; a larger one is refused (InvalidArgument), and
    /// the child parks it. Above the child's own cap (<c>OutboxOptions.MaxEventBytes</c>, 256 KiB) with
    /// room for a region's forwarding envelope.
    /// </summary>
    [Range(128, 16 * 1024 * 1024)] public int MaxEventBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// Most events one child's inbound log holds before the consumer confirms them. Beyond it the
    /// log refuses more (Unavailable) and the child keeps them in its outbox and backs off:
    /// backpressure, not loss. Summaries and bulk are refused at 80 %, so alerts still get in.
    /// </summary>
    [Range(100, 10_000_000)] public int MaxHeldEvents { get; set; } = 50_000;

    /// <summary>Most bytes one child's inbound log holds; see <see cref="MaxHeldEvents"/>.</summary>
    [Range(64 * 1024, long.MaxValue)] public long MaxHeldBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Events per stored segment of an inbound log: an append rewrites one segment.</summary>
    [Range(1, 100_000)] public int SegmentEvents { get; set; } = 256;

    /// <summary>Most events an inbound log has published and not yet seen confirmed; more wait their turn.</summary>
    [Range(1, 1_000_000)] public int PublishWindow { get; set; } = 2048;

    /// <summary>How often an inbound log with events held retries a failed publish.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An inbound log whose consumer confirmed nothing for this long publishes its unconfirmed
    /// events again (the consumer drops what it already applied): events lost between the log and
    /// the consumer (a publish or an apply that failed) come back without a restart.
    /// </summary>
    public TimeSpan RepublishAfter { get; set; } = TimeSpan.FromSeconds(10);
}
