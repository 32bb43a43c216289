using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// A token bucket of upward events per child (<see cref="TierLinkServerOptions.MaxEventsPerSecondPerChild"/>,
/// burst <see cref="TierLinkServerOptions.MaxEventsBurstPerChild"/>): a child that floods its parent is
/// refused (Unavailable, so it backs off with its outbox intact), counted in
/// <c>orleans_edge_link_rate_limited_total</c> and logged once, while its siblings keep their own buckets.
/// </summary>
public sealed partial class ChildRateLimiter : IDisposable
{
    /// <summary>The meter of the parent side of a tier link.</summary>
    public const string MeterName = "Orleans.Edge.TierLink.Parent";

    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly Counter<long> _limited;
    private readonly ConcurrentDictionary<string, bool> _logged = new(StringComparer.Ordinal);
    private readonly ILogger<ChildRateLimiter> _logger;

    public ChildRateLimiter(IOptions<TierLinkServerOptions> options, IMeterFactory meters, ILogger<ChildRateLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        var o = options.Value;
        (Rate, Burst, _logger) = (o.MaxEventsPerSecondPerChild, o.MaxEventsBurstPerChild, logger);
        // Refilled every 100 ms, so a child held back waits a tenth of a second, not a whole one.
        _limiter = PartitionedRateLimiter.Create<string, string>(child => RateLimitPartition.GetTokenBucketLimiter(child, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst, TokensPerPeriod = Math.Max(1, Rate / 10), ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0, AutoReplenishment = true,
        }), StringComparer.Ordinal);
        _limited = meters.Create(MeterName).CreateCounter<long>("orleans_edge_link_rate_limited_total",
            description: "Upward batches refused because their child sent more events than its rate limit");
    }

    /// <summary>Events per second a child may send.</summary>
    public int Rate { get; }

    /// <summary>Events a child may send at once.</summary>
    public int Burst { get; }

    /// <summary>Takes <paramref name="events"/> tokens from <paramref name="child"/>'s bucket; false (counted, logged once per child) when it has not that many.</summary>
    public bool TryAdmit(string child, int events)
    {
        using var lease = _limiter.AttemptAcquire(child, Math.Clamp(events, 1, Burst));
        if (lease.IsAcquired) return true;
        _limited.Add(1, new KeyValuePair<string, object?>("child", child));
        if (_logged.TryAdd(child, true)) LogLimited(_logger, child, Rate, Burst);
        return false;
    }

    public void Dispose() => _limiter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Child {Child} sends more than {Rate} events/s (burst {Burst}); its batches are refused until it slows down (logged once per child)")]
    private static partial void LogLimited(ILogger logger, string child, int rate, int burst);
}
