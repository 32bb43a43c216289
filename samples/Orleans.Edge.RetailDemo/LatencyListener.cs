using System.Diagnostics.Metrics;
using Orleans.Edge.Cloud;
using Orleans.Edge.Store;

namespace Orleans.Edge.RetailDemo;

/// <summary>
/// Collects the latency histograms' measurements for the report's percentiles. Every tier runs in
/// this process, so one listener hears every cluster's meters; the grains keep no samples. It must
/// start before the fleet, so the first measurements are heard.
/// </summary>
public sealed class LatencyListener : IDisposable
{
    // Bounds the demo's memory (8 MB an instrument); a 30 s run makes some 15,000 readings.
    private const int SampleLimit = 1_000_000;

    private static readonly HashSet<(string Meter, string Instrument)> Heard =
    [
        (StoreCounters.MeterName, StoreCounters.LocalAlertLatencyName),
        (StoreCounters.MeterName, StoreCounters.ReadingProcessingName),
        (FleetMetrics.MeterName, FleetMetrics.CloudAlertLatencyName),
    ];

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, List<double>> _samples = Heard.ToDictionary(h => h.Instrument, _ => new List<double>());

    public LatencyListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (Heard.Contains((instrument.Meter.Name, instrument.Name))) listener.EnableMeasurementEvents(instrument, _samples[instrument.Name]);
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, state) =>
        {
            var samples = (List<double>)state!;
            lock (samples)
                if (samples.Count < SampleLimit) samples.Add(value);
        });
        _listener.Start();
    }

    /// <summary>Reading to alert raised at its store, in ms, every store.</summary>
    public IReadOnlyList<double> LocalAlertMs => Snapshot(StoreCounters.LocalAlertLatencyName);

    /// <summary>Reading at its store to the alert's arrival at the cloud, in ms.</summary>
    public IReadOnlyList<double> CloudAlertMs => Snapshot(FleetMetrics.CloudAlertLatencyName);

    /// <summary>A reading's arrival at its sensor grain to the shelf having processed it, in ms, every store.</summary>
    public IReadOnlyList<double> SensorToShelfMs => Snapshot(StoreCounters.ReadingProcessingName);

    private List<double> Snapshot(string name)
    {
        var samples = _samples[name];
        lock (samples) return [.. samples];
    }

    public void Dispose() => _listener.Dispose();
}
