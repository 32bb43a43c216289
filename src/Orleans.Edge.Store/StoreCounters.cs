using System.Diagnostics.Metrics;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Store;

/// <summary>Per-silo counters of the store pipeline, exported as <c>orleans_edge_*</c> metrics.</summary>
public sealed class StoreCounters : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _readings;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _processing;
    private const int SampleLimit = 100_000;
    private readonly List<double> _processingSamples = [];
    private long _accepted;
    private long _rejectedTotal;

    /// <summary>Creates the counters on a meter of <paramref name="meterFactory"/>.</summary>
    public StoreCounters(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create("Orleans.Edge.Store");
        _readings = _meter.CreateCounter<long>("orleans_edge_readings_processed_total", description: "Readings accepted, by sensor type");
        _rejected = _meter.CreateCounter<long>("orleans_edge_readings_rejected_total", description: "Readings rejected, by reason");
        _processing = _meter.CreateHistogram<double>("orleans_edge_reading_processing_ms", "ms", "Time from a reading's arrival at its sensor grain to the shelf having processed it");
    }

    /// <summary>Readings accepted by this silo.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Readings rejected by this silo.</summary>
    public long Rejected => Interlocked.Read(ref _rejectedTotal);

    /// <summary>Counts an accepted reading.</summary>
    public void OnAccepted(SensorKind kind, double processingMs)
    {
        Interlocked.Increment(ref _accepted);
        _readings.Add(1, new KeyValuePair<string, object?>("sensor_type", kind == SensorKind.Camera ? "camera" : "load_cell"));
        _processing.Record(processingMs);
        lock (_processingSamples)
            if (_processingSamples.Count < SampleLimit) _processingSamples.Add(processingMs);
    }

    /// <summary>Up to the first 100,000 processing times (sensor grain to shelf done), in ms.</summary>
    public IReadOnlyList<double> ProcessingSamples()
    {
        lock (_processingSamples) return [.. _processingSamples];
    }

    /// <summary>Counts a rejected reading.</summary>
    public void OnRejected(ReadingRejection reason)
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
