using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// Keeps the per-camera frame rate within what the silo can judge: from the measured model cost
/// per frame and the cameras that sent frames lately, it lowers the rate (cameras above it get
/// <c>Throttled</c>) rather than let frames queue up and fall behind silently; it raises the rate
/// back toward the configured one when there is room. The rule is <see cref="Decide"/>.
/// </summary>
public sealed partial class FrameRateGovernor(IOptions<InferenceOptions> options, HardwareDetector hardware, ILogger<FrameRateGovernor> logger)
{
    private static readonly TimeSpan ActiveWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan EvaluateEvery = TimeSpan.FromSeconds(1);
    private readonly InferenceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, long> _cameras = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    // The median of the last batches' cost per frame: a batch preempted by another process (common on
    // a shared 2-core box) must not lower every camera's rate; a machine that stays slow moves the median.
    private readonly double[] _recent = new double[32];
    private int _recentCount;
    private int _recentNext;
    private long _evaluatedAt = Stopwatch.GetTimestamp();

    /// <summary>Frames per second each camera may send now.</summary>
    public double AllowedHz => hardware.Current.FrameHzPerCamera;

    /// <summary>Model milliseconds per frame: the median over the last 32 batches.</summary>
    public double MsPerFrame
    {
        get
        {
            lock (_lock)
            {
                if (_recentCount == 0) return 0;
                var sorted = _recent[.._recentCount];
                Array.Sort(sorted);
                return sorted[_recentCount / 2];
            }
        }
    }

    /// <summary>A camera's frame was accepted for judging.</summary>
    public void OnFrame(string cameraId) => _cameras[cameraId] = Stopwatch.GetTimestamp();

    /// <summary>A batch ran; re-judges the rate at most once a second.</summary>
    public void OnBatch(int frames, double runMs)
    {
        if (frames <= 0) return;
        lock (_lock)
        {
            _recent[_recentNext] = runMs / frames;
            _recentNext = (_recentNext + 1) % _recent.Length;
            _recentCount = Math.Min(_recentCount + 1, _recent.Length);
            if (Stopwatch.GetElapsedTime(_evaluatedAt) < EvaluateEvery) return;
            _evaluatedAt = Stopwatch.GetTimestamp();
        }
        Evaluate();
    }

    /// <summary>Applies <see cref="Decide"/> to the current figures now.</summary>
    public void Evaluate()
    {
        if (!_options.AdaptFrameRate) return;
        var now = Stopwatch.GetTimestamp();
        var active = 0;
        foreach (var (camera, seen) in _cameras)
        {
            if (Stopwatch.GetElapsedTime(seen, now) <= ActiveWindow) active++;
            else _cameras.TryRemove(camera, out _);
        }
        var msPerFrame = MsPerFrame;
        var before = AllowedHz;
        var after = Decide(_options.FrameHzPerCamera, _options.MinFrameHzPerCamera, active, msPerFrame, _options.BudgetFraction);
        if (after.Equals(before)) return;
        hardware.SetFrameHz(after);
        LogRateChanged(logger, before, after, active, msPerFrame);
    }

    /// <summary>
    /// The per-camera rate: <paramref name="targetHz"/> when <paramref name="cameras"/> cameras at that
    /// rate fit in <paramref name="budgetFraction"/> of one model loop's time at
    /// <paramref name="msPerFrame"/>; otherwise the fair share, rounded down to a quarter hertz
    /// (so that it does not flap with every measurement), and never below <paramref name="minHz"/>.
    /// </summary>
    public static double Decide(double targetHz, double minHz, int cameras, double msPerFrame, double budgetFraction)
    {
        if (cameras <= 0 || msPerFrame <= 0) return targetHz;
        var framesPerSecond = budgetFraction * 1000 / msPerFrame;
        var share = framesPerSecond / cameras;
        if (share >= targetHz) return targetHz;
        return Math.Max(minHz, Math.Floor(share * 4) / 4);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Per-camera frame rate changed from {Before} Hz to {After} Hz: {Cameras} active cameras at {MsPerFrame:F2} ms of model time per frame")]
    private static partial void LogRateChanged(ILogger logger, double before, double after, int cameras, double msPerFrame);
}
