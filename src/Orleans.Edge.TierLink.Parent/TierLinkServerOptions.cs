namespace Orleans.Edge.TierLink.Parent;

/// <summary>The parent side of a tier link.</summary>
public sealed class TierLinkServerOptions : IValidatedOptions
{
    /// <summary>How long a downlink waits on the policy source before asking again.</summary>
    public TimeSpan PolicyPollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Most events one batch may carry; a larger batch is refused whole (InvalidArgument).</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>
    /// Largest event (wire encoding) the parent takes; a larger one is refused (InvalidArgument), and
    /// the child parks it. Above the child's own cap (<c>OutboxOptions.MaxEventBytes</c>, 256 KiB) with
    /// room for a region's forwarding envelope.
    /// </summary>
    public int MaxEventBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// Most events one child's inbound log holds before the consumer confirms them. Beyond it the
    /// log refuses more (Unavailable) and the child keeps them in its outbox and backs off:
    /// backpressure, not loss. Summaries and bulk are refused at 80 %, so alerts still get in.
    /// </summary>
    public int MaxHeldEvents { get; set; } = 50_000;

    /// <summary>Most bytes one child's inbound log holds; see <see cref="MaxHeldEvents"/>.</summary>
    public long MaxHeldBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Events per stored segment of an inbound log: an append rewrites one segment.</summary>
    public int SegmentEvents { get; set; } = 256;

    /// <summary>Most events an inbound log has published and not yet seen confirmed; more wait their turn.</summary>
    public int PublishWindow { get; set; } = 2048;

    /// <summary>
    /// How far ahead of this parent's clock a child's outbox epoch (the Unix time in ms it was made)
    /// may be. Beyond it the batch is refused, not taken as a new epoch: a forged or wrong future
    /// epoch would make every genuine later batch look stale. A child whose clock runs ahead is held
    /// back only until this parent's clock catches up.
    /// </summary>
    public TimeSpan MaxEpochAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Upward events per second one child may send; beyond it (and its burst) its batches are refused
    /// as Unavailable and it backs off with its outbox intact, while its siblings are served.
    /// </summary>
    public int MaxEventsPerSecondPerChild { get; set; } = 10_000;

    /// <summary>Upward events one child may send at once; at least <see cref="MaxBatchEvents"/>, so any valid batch can pass.</summary>
    public int MaxEventsBurstPerChild { get; set; } = 50_000;

    /// <summary>How often an inbound log with events held retries a failed publish.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An inbound log whose consumer confirmed nothing for this long publishes its unconfirmed
    /// events again (the consumer drops what it already applied): events lost between the log and
    /// the consumer (a publish or an apply that failed) come back without a restart.
    /// </summary>
    public TimeSpan RepublishAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(
        OptionRules.Positive(PolicyPollInterval, nameof(PolicyPollInterval)),
        OptionRules.Between(MaxBatchEvents, 1, 100_000, nameof(MaxBatchEvents)),
        OptionRules.Between(MaxEventBytes, 128, 16 * 1024 * 1024, nameof(MaxEventBytes)),
        OptionRules.Between(MaxHeldEvents, 100, 10_000_000, nameof(MaxHeldEvents)),
        OptionRules.Between(MaxHeldBytes, 64 * 1024, long.MaxValue, nameof(MaxHeldBytes)),
        OptionRules.Between(SegmentEvents, 1, 100_000, nameof(SegmentEvents)),
        OptionRules.Between(PublishWindow, 1, 1_000_000, nameof(PublishWindow)),
        OptionRules.Positive(RetryPeriod, nameof(RetryPeriod)),
        OptionRules.Positive(MaxEpochAhead, nameof(MaxEpochAhead)),
        OptionRules.Between(MaxEventsPerSecondPerChild, 1, 10_000_000, nameof(MaxEventsPerSecondPerChild)),
        MaxEventsBurstPerChild >= MaxBatchEvents && MaxEventsBurstPerChild <= 10_000_000 ? null
            : $"{nameof(MaxEventsBurstPerChild)} must be between {nameof(MaxBatchEvents)} ({MaxBatchEvents}) and 10,000,000, got {MaxEventsBurstPerChild}",
        OptionRules.Positive(RepublishAfter, nameof(RepublishAfter)));
}

/// <summary>What a parent is, from its identity: a region serves its stores, the cloud its regions.</summary>
internal static class ParentRole
{
    /// <summary>The stream namespace this parent's inbound logs publish to (key: <see cref="EdgeIdentity.Origin"/>).</summary>
    public static string InboundNamespace(this EdgeIdentity parent) => parent.RegionId is null ? EdgeStreams.CloudInbound : EdgeStreams.RegionInbound;

    /// <summary>True for the cloud, whose children are regions.</summary>
    public static bool IsCloud(this EdgeIdentity parent) => parent.RegionId is null;
}
