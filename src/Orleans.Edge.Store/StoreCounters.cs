using System.Diagnostics.Metrics;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Store;

/// <summary>Per-silo counters of the store pipeline, exported as <c>orleans_edge_*</c> metrics.</summary>
public sealed class StoreCounters : IDisposable
{
    /// <summary>Name of the store pipeline's meter.</summary>
    public const string MeterName = "Orleans.Edge.Store";

    private readonly Meter _meter;
    private readonly Counter<long> _alertPublishFailures;
    private long _alertPublishFailuresTotal;
    private readonly Counter<long> _readings;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _processing;
    private readonly Counter<long> _alerts;
    private readonly Histogram<double> _alertLatency;
    private readonly Counter<long> _rawBytes;
    private readonly Counter<long> _wrongSkuIgnored;
    private long _wrongSkuIgnoredTotal;
    private long _policyVersion;
    private long _accepted;
    private long _rejectedTotal;

    /// <summary>Creates the counters on a meter of <paramref name="meterFactory"/>.</summary>
    public StoreCounters(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _readings = _meter.CreateCounter<long>("orleans_edge_readings_processed_total", description: "Readings accepted, by sensor type");
        _rejected = _meter.CreateCounter<long>("orleans_edge_readings_rejected_total", description: "Readings rejected, by reason");
        _processing = _meter.CreateHistogram<double>(ReadingProcessingName, "ms", "Time from a reading's arrival at its sensor grain to the shelf having processed it");
        _alerts = _meter.CreateCounter<long>("orleans_edge_alerts_raised_total", description: "Alerts raised, by type");
        _alertLatency = _meter.CreateHistogram<double>(LocalAlertLatencyName, "ms",
            "Time from the reading that crossed a threshold to its alert being raised at the store, by type");
        _alertPublishFailures = _meter.CreateCounter<long>("orleans_edge_alert_publish_failures_total",
            description: "Saved alert changes a shelf could not yet hand to the uplink or the store's index; it tries again");
        _rawBytes = _meter.CreateCounter<long>("orleans_edge_readings_raw_bytes_total", "By",
            "Bytes the accepted readings would take on the uplink if they were sent raw (set against orleans_edge_uplink_wire_bytes_total)");
        _wrongSkuIgnored = _meter.CreateCounter<long>("orleans_edge_wrong_sku_calls_ignored_total",
            description: "Persistent wrong-SKU calls that raised no alert because the serving model's design accuracy for this store is too low");
        _meter.CreateObservableGauge("orleans_edge_config_version_applied", () => Interlocked.Read(ref _policyVersion),
            description: "Highest policy version the store has applied");
    }

    /// <summary>Size of a reading in the uplink's own encoding, for the raw-bytes counter; the host sets it.</summary>
    public Func<SensorReading, int>? RawReadingSize { get; init; }

    /// <summary>Name of the histogram of local alert latency (reading to alert raised at the store).</summary>
    public const string LocalAlertLatencyName = "orleans_edge_alert_local_latency_ms";

    /// <summary>Name of the histogram of a reading's processing time (sensor grain to shelf done).</summary>
    public const string ReadingProcessingName = "orleans_edge_reading_processing_ms";

    /// <summary>Counts a raised alert and records how long after its reading it was raised.</summary>
    public void OnAlertRaised(AlertType type, double latencyMs)
    {
        var tag = new KeyValuePair<string, object?>("type", type.ToString());
        _alerts.Add(1, tag);
        _alertLatency.Record(latencyMs, tag);
    }

    /// <summary>Counts a persistent wrong-SKU call from a model not trusted to read designs in this store.</summary>
    public void OnWrongSkuIgnored()
    {
        Interlocked.Increment(ref _wrongSkuIgnoredTotal);
        _wrongSkuIgnored.Add(1);
    }

    /// <summary>Wrong-SKU calls ignored in this silo (see <see cref="OnWrongSkuIgnored"/>).</summary>
    public long WrongSkuIgnored => Interlocked.Read(ref _wrongSkuIgnoredTotal);

    /// <summary>Counts a failed attempt to publish a saved alert change.</summary>
    public void OnAlertPublishFailed()
    {
        Interlocked.Increment(ref _alertPublishFailuresTotal);
        _alertPublishFailures.Add(1);
    }

    /// <summary>Failed attempts to publish saved alert changes in this silo.</summary>
    public long AlertPublishFailures => Interlocked.Read(ref _alertPublishFailuresTotal);

    /// <summary>Records the policy version the store applied.</summary>
    public void OnPolicyApplied(long version)
    {
        long seen;
        while (version > (seen = Interlocked.Read(ref _policyVersion)) && Interlocked.CompareExchange(ref _policyVersion, version, seen) != seen)
        {
        }
    }

    /// <summary>Readings accepted by this silo.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Readings rejected by this silo.</summary>
    public long Rejected => Interlocked.Read(ref _rejectedTotal);

    /// <summary>Counts an accepted reading.</summary>
    public void OnAccepted(SensorReading reading, SensorKind kind, double processingMs)
    {
        if (RawReadingSize is { } size) _rawBytes.Add(size(reading));
        Interlocked.Increment(ref _accepted);
        _readings.Add(1, new KeyValuePair<string, object?>("sensor_type", kind == SensorKind.Camera ? "camera" : "load_cell"));
        _processing.Record(processingMs);
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
