namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// The child side of a tier link (configuration section <c>Edge:Link</c>): where the parent listens,
/// batching, backoff and timeouts. Who the child is comes from its <see cref="EdgeIdentity"/>.
/// </summary>
public sealed class TierLinkClientOptions : IValidatedOptions
{
    /// <summary>The parent's tier-link address, e.g. <c>http://127.0.0.1:7100</c>.</summary>
    public Uri? ParentAddress { get; set; }

    /// <summary>Most events per upward batch.</summary>
    public int MaxBatchEvents { get; set; } = 256;

    /// <summary>Most bytes (wire encoding) per upward batch; a batch always holds at least one event.</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Batches of at least this many events are sent gzip-compressed; smaller ones would grow.</summary>
    public int CompressFromEvents { get; set; } = 16;

    /// <summary>First retry delay after a failure; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Deadline of one push of a small batch: written, taken and acked. A bigger batch gets more, the
    /// time its bytes need at <see cref="SlowestLinkBytesPerSecond"/>. A push past its deadline ends
    /// the session (the link is dead or stalled), and the next batches are halved until one fits; the next
    /// deadlines double (up to 8×) until a push is acked, so a parent slow to answer still takes the backlog.
    /// </summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The slowest uplink a push's deadline allows for (default 32 KiB/s, about 256 kbit/s).</summary>
    public int SlowestLinkBytesPerSecond { get; set; } = 32 * 1024;

    /// <summary>
    /// On a graceful stop, how long the sender keeps draining the outbox while the link is up;
    /// whatever is left stays in the (durable) outbox for the next start.
    /// </summary>
    public TimeSpan FlushOnStop { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of a push of <paramref name="bytes"/> (its wire size).</summary>
    public TimeSpan DeadlineOf(int bytes) => PushTimeout + TimeSpan.FromSeconds((double)bytes / SlowestLinkBytesPerSecond);

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(
        ParentAddress is { IsAbsoluteUri: true, Scheme: "http" or "https" } ? null : $"ParentAddress must be an absolute http(s) address of the parent's tier link, got '{ParentAddress}'",
        OptionRules.Between(MaxBatchEvents, 1, 10_000, nameof(MaxBatchEvents)),
        OptionRules.Between(MaxBatchBytes, 1024, 8 * 1024 * 1024, nameof(MaxBatchBytes)),
        OptionRules.Between(CompressFromEvents, 1, 100_000, nameof(CompressFromEvents)),
        OptionRules.Positive(InitialBackoff, nameof(InitialBackoff)),
        MaxBackoff >= InitialBackoff ? null : $"MaxBackoff ({MaxBackoff}) must not be shorter than InitialBackoff ({InitialBackoff})",
        OptionRules.Positive(PushTimeout, nameof(PushTimeout)),
        OptionRules.Between(SlowestLinkBytesPerSecond, 1024, int.MaxValue, nameof(SlowestLinkBytesPerSecond)),
        OptionRules.NotNegative(FlushOnStop, nameof(FlushOnStop)));
}
