using System.Collections.Concurrent;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.RetailDemo;

/// <summary>
/// What became of the camera frames the simulator submitted: every frame is counted once as
/// judged, refused (by reason) or failed (the call threw), so <c>submitted == judged + refused + failed</c>
/// shows that none went missing, also across a model swap.
/// </summary>
public sealed class FrameStats
{
    private long _submitted;
    private long _judged;
    private long _failed;
    private long _slots;
    private long _slotsCorrect;
    private long _frameBytes;
    private readonly ConcurrentDictionary<FrameRejection, long> _refused = new();
    private readonly ConcurrentDictionary<string, long> _byModel = new(StringComparer.Ordinal);
    private readonly List<double> _latencyMs = [];

    public long Submitted => Interlocked.Read(ref _submitted);
    public long Judged => Interlocked.Read(ref _judged);
    public long Failed => Interlocked.Read(ref _failed);
    public long Refused => _refused.Values.Sum();
    public long FrameBytes => Interlocked.Read(ref _frameBytes);
    public IReadOnlyDictionary<string, long> RefusedByReason => _refused.ToDictionary(e => e.Key.ToString(), e => e.Value);
    public IReadOnlyDictionary<string, long> JudgedByModel => new Dictionary<string, long>(_byModel);

    /// <summary>Share of judged slots whose fill class (empty / partial / full) matches the generator's truth.</summary>
    public double? SlotAccuracy => Interlocked.Read(ref _slots) is > 0 and var n ? (double)Interlocked.Read(ref _slotsCorrect) / n : null;

    /// <summary>The model version of the latest judged frames (the most recently seen).</summary>
    public string? LatestModel { get; private set; }

    public List<double> LatenciesMs()
    {
        lock (_latencyMs) return [.. _latencyMs];
    }

    public void OnSubmitted(int bytes)
    {
        Interlocked.Increment(ref _submitted);
        Interlocked.Add(ref _frameBytes, bytes);
    }

    public void OnFailed() => Interlocked.Increment(ref _failed);

    public void OnResult(FrameResult result, IReadOnlyList<SlotTruth> truth, double ms)
    {
        if (!result.IsAccepted || result.Estimate is not { } estimate)
        {
            _refused.AddOrUpdate(result.Rejection, 1, (_, n) => n + 1);
            return;
        }
        Interlocked.Increment(ref _judged);
        _byModel.AddOrUpdate(estimate.ModelVersion, 1, (_, n) => n + 1);
        LatestModel = estimate.ModelVersion;
        var correct = estimate.Slots.Count(s => s.Slot < truth.Count && s.Fill == truth[s.Slot].Fill);
        Interlocked.Add(ref _slots, truth.Count);
        Interlocked.Add(ref _slotsCorrect, correct);
        lock (_latencyMs) _latencyMs.Add(ms);
    }
}
