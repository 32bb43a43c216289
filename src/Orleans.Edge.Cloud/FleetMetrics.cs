using System.Diagnostics.Metrics;

namespace Orleans.Edge.Cloud;

/// <summary>Per-silo instruments of the cloud's fleet view, exported as <c>orleans_edge_*</c> metrics.</summary>
public sealed class FleetMetrics : IDisposable
{
    /// <summary>Name of the cloud's meter.</summary>
    public const string MeterName = "Orleans.Edge.Cloud";

    /// <summary>Name of the histogram of end-to-end alert latency (reading at the store to arrival at the cloud).</summary>
    public const string CloudAlertLatencyName = "orleans_edge_alert_cloud_latency_ms";

    private readonly Meter _meter;
    private readonly Histogram<double> _alertLatency;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/>.</summary>
    public FleetMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _alertLatency = _meter.CreateHistogram<double>(CloudAlertLatencyName, "ms",
            "Time from the reading that crossed a threshold at a store to the alert's arrival at the cloud, by region");
    }

    /// <summary>Records the latency of a new alert that arrived through <paramref name="region"/>.</summary>
    public void OnAlertArrived(string region, double latencyMs) =>
        _alertLatency.Record(latencyMs, new KeyValuePair<string, object?>("region", region));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
