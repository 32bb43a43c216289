using System.Diagnostics.Metrics;

namespace Orleans.Edge.TierLink;

/// <summary>Model delivery on every tier (configuration section <c>Edge:Models</c>): chunking, limits, where artifacts live.</summary>
public sealed class ModelDeliveryOptions : IValidatedOptions
{
    /// <summary>Bytes per chunk a parent streams (64–256 KiB).</summary>
    public int ChunkBytes { get; set; } = 128 * 1024;

    /// <summary>Largest artifact the registry takes (and a child accepts).</summary>
    public long MaxArtifactBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Where this tier keeps artifacts and partial downloads; the hosting sets it to
    /// <c>&lt;data directory&gt;/artifacts</c>, or a fresh folder under the temp directory without one.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>A store gives up on an artifact after this many SHA-256 mismatches in a row, and reports it refused.</summary>
    public int MaxHashFailures { get; set; } = 2;

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(
        OptionRules.Between(ChunkBytes, 64 * 1024, 256 * 1024, nameof(ChunkBytes)),
        OptionRules.Between(MaxArtifactBytes, 1, 1L << 32, nameof(MaxArtifactBytes)),
        string.IsNullOrWhiteSpace(Directory) ? "Directory (where artifacts are kept) must be set" : null,
        OptionRules.Between(MaxHashFailures, 1, 100, nameof(MaxHashFailures)));
}

/// <summary>
/// Artifact bytes moved by this tier: <c>orleans_edge_model_bytes_fetched_total{from=parent}</c> (received
/// from its parent) and <c>orleans_edge_model_bytes_served_total{to=children}</c> (streamed to its children).
/// Read directly by tests and the demo, scraped as metrics.
/// </summary>
public sealed class ModelTransferMetrics : IDisposable
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Orleans.Edge.Models";

    private readonly Meter _meter;
    private long _fetched;
    private long _served;
    private long _requests;
    private long _resumes;
    private long _lastResumeOffset;
    private long _hashFailures;
    private long _upstreamTransfers;
    private long _restarts;
    private long _cacheCorruptions;

    /// <summary>Creates the instruments.</summary>
    public ModelTransferMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableCounter("orleans_edge_model_bytes_fetched_total", () => new Measurement<long>(BytesFetched, new KeyValuePair<string, object?>("from", "parent")),
            "By", "Artifact bytes received from the parent");
        _meter.CreateObservableCounter("orleans_edge_model_bytes_served_total", () => new Measurement<long>(BytesServed, new KeyValuePair<string, object?>("to", "children")),
            "By", "Artifact bytes streamed to children");
        _meter.CreateObservableCounter("orleans_edge_model_fetch_resumes_total", () => Resumes, description: "Artifact requests that resumed a partial download");
        _meter.CreateObservableCounter("orleans_edge_model_hash_failures_total", () => HashFailures, description: "Downloaded artifacts whose SHA-256 did not match");
        _meter.CreateObservableCounter("orleans_edge_model_fetch_restarts_total", () => Restarts,
            description: "Resumed downloads that failed their SHA-256 and were fetched again from byte 0 (not counted as hash failures)");
        _meter.CreateObservableCounter("orleans_edge_model_cache_corruptions_total", () => CacheCorruptions,
            description: "Cached artifacts that failed their SHA-256 before being served, deleted and fetched again");
    }

    /// <summary>Bytes received from the parent.</summary>
    public long BytesFetched => Interlocked.Read(ref _fetched);

    /// <summary>Bytes streamed to children.</summary>
    public long BytesServed => Interlocked.Read(ref _served);

    /// <summary>FetchArtifact calls made to the parent.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Calls made to the parent from an offset above 0.</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    /// <summary>The offset of the last resumed call.</summary>
    public long LastResumeOffset => Interlocked.Read(ref _lastResumeOffset);

    /// <summary>Downloads whose SHA-256 did not match.</summary>
    public long HashFailures => Interlocked.Read(ref _hashFailures);

    /// <summary>Artifacts this tier's cache (a region) filled from the parent: one per artifact when the cache works.</summary>
    public long UpstreamTransfers => Interlocked.Read(ref _upstreamTransfers);

    /// <summary>Resumed downloads that failed their hash and started again from byte 0.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Cached artifacts found corrupt before serving (a region's cache).</summary>
    public long CacheCorruptions => Interlocked.Read(ref _cacheCorruptions);

    /// <summary>A resumed download failed its hash and starts again from byte 0.</summary>
    public void OnRestart() => Interlocked.Increment(ref _restarts);

    /// <summary>A cached artifact failed its hash before being served.</summary>
    public void OnCacheCorruption() => Interlocked.Increment(ref _cacheCorruptions);

    /// <summary>A call to the parent starts at <paramref name="offset"/>.</summary>
    public void OnRequest(long offset)
    {
        Interlocked.Increment(ref _requests);
        if (offset <= 0) return;
        Interlocked.Increment(ref _resumes);
        Interlocked.Exchange(ref _lastResumeOffset, offset);
    }

    /// <summary>Bytes came from the parent.</summary>
    public void OnFetched(int bytes) => Interlocked.Add(ref _fetched, bytes);

    /// <summary>Bytes went to a child.</summary>
    public void OnServed(int bytes) => Interlocked.Add(ref _served, bytes);

    /// <summary>A download failed its hash check.</summary>
    public void OnHashFailure() => Interlocked.Increment(ref _hashFailures);

    /// <summary>A cache miss was filled from the parent.</summary>
    public void OnUpstreamTransfer() => Interlocked.Increment(ref _upstreamTransfers);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
