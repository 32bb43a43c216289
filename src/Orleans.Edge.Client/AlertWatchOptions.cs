namespace Orleans.Edge.Client;

/// <summary>How <see cref="EdgeStoreClient.WatchAlertsAsync(CancellationToken)"/> keeps its watch alive.</summary>
public sealed class AlertWatchOptions
{
    /// <summary>
    /// How often the watch renews its registration with the store and fetches any changes it
    /// missed; also the timeout of one renewal. Bounds how late a change made while the store
    /// grain was away (reactivated, its silo restarted) reaches the watcher.
    /// </summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Renewals that may fail in a row before the watch throws <see cref="AlertWatchFailedException"/>.</summary>
    public int MaxRenewFailures { get; set; } = 3;

    /// <summary>Clock of the renewals.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    internal AlertWatchOptions Validated() =>
        RenewInterval <= TimeSpan.Zero ? throw new ArgumentException($"RenewInterval must be positive, got {RenewInterval}", nameof(RenewInterval))
        : MaxRenewFailures < 1 ? throw new ArgumentException($"MaxRenewFailures must be 1 or more, got {MaxRenewFailures}", nameof(MaxRenewFailures))
        : this;
}
