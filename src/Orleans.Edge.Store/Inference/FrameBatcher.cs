using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// Runs the silo's frames through the model in batches: one loop, off the grain scheduler, takes
/// whatever is queued (up to <see cref="InferenceOptions.MaxBatch"/>) when the previous batch ends,
/// so frames from many cameras share a run under load and a lone frame waits for nobody. Each
/// batch holds a reference to the session it started on, so a hot swap never cuts a batch short.
/// </summary>
public sealed partial class FrameBatcher : IAsyncDisposable
{
    private readonly ModelHost _host;
    private readonly FrameRateGovernor _governor;
    private readonly InferenceMetrics _metrics;
    private readonly ILogger<FrameBatcher> _logger;
    private readonly InferenceOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private int _queued;

    /// <summary>Starts the batching loop.</summary>
    public FrameBatcher(ModelHost host, FrameRateGovernor governor, InferenceMetrics metrics, IOptions<InferenceOptions> options, ILogger<FrameBatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        _governor = governor;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Judges a frame already checked by <see cref="FrameChecks"/>. Returns its estimate, or a
    /// <c>NoModel</c> or <c>Throttled</c> refusal; throws only if the model run itself failed.
    /// </summary>
    public Task<FrameResult> JudgeAsync(CameraFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_host.CurrentVersion is null)
            return Task.FromResult(FrameChecks.Reject(FrameRejection.NoModel, "no shelf model is installed in this store yet"));
        if (Interlocked.Increment(ref _queued) > _options.MaxQueuedFrames)
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromResult(FrameChecks.Reject(FrameRejection.Throttled,
                $"{_options.MaxQueuedFrames} frames are already waiting for the model; frame from camera '{frame.CameraId}' dropped"));
        }
        var pending = new Pending(frame, new TaskCompletionSource<FrameResult>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromResult(FrameChecks.Reject(FrameRejection.NoModel, "the store's model host is shutting down"));
        }
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        var input = new float[_options.MaxBatch * FrameTensor.Length];
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            if (_options.BatchWindow > TimeSpan.Zero && Volatile.Read(ref _queued) < _options.MaxBatch) await Task.Delay(_options.BatchWindow);
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
            Interlocked.Add(ref _queued, -batch.Count);
            Run(batch, input);
            batch.Clear();
        }
    }

    private void Run(List<Pending> batch, float[] input)
    {
        var session = _host.Acquire();
        if (session is null)
        {
            foreach (var p in batch) p.Done.TrySetResult(FrameChecks.Reject(FrameRejection.NoModel, "no shelf model is installed in this store yet"));
            return;
        }
        try
        {
            for (var i = 0; i < batch.Count; i++) FrameTensor.ToChw(batch[i].Frame.Rgb, input.AsSpan(i * FrameTensor.Length, FrameTensor.Length));
            var started = Stopwatch.GetTimestamp();
            var output = session.Run(input, batch.Count);
            var runMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (output.ShapeProblem(batch.Count) is { } problem)
                throw new InvalidOperationException($"shelf model {session.Version}: {problem}");
            _metrics.OnBatch(batch.Count, runMs);
            for (var i = 0; i < batch.Count; i++)
            {
                var frame = batch[i].Frame;
                var estimate = new VisionEstimate(frame.CameraId, frame.CapturedAt, session.Version, SlotReader.Slots(output, i), runMs);
                batch[i].Done.TrySetResult(new FrameResult(FrameRejection.None, null, estimate));
            }
            _governor.OnBatch(batch.Count, runMs);
        }
        catch (Exception ex)
        {
            LogRunFailed(_logger, session.Version, batch.Count, ex);
            foreach (var p in batch) p.Done.TrySetException(ex);
        }
        finally
        {
            session.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(CameraFrame Frame, TaskCompletionSource<FrameResult> Done, long QueuedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shelf model {Version} failed on a batch of {Frames} frames")]
    private static partial void LogRunFailed(ILogger logger, string version, int frames, Exception ex);
}
