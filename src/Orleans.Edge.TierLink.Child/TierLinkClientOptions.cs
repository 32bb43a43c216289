using System.ComponentModel.DataAnnotations;

namespace Orleans.Edge.TierLink.Child;

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

    /// <summary>Most bytes (wire encoding) per upward batch; a batch always holds at least one event.</summary>
    [Range(1024, 8 * 1024 * 1024)] public int MaxBatchBytes { get; set; } = 1024 * 1024;

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
