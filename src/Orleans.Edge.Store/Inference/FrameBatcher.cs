using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// Runs the silo's frames through the model in batches. A lone frame (the model idle, no other frame
/// waiting, and the last run not part of a burst) is judged at once on the caller's thread: no hop
/// to the batching loop and back, and no batch window, since nothing could join it. Otherwise it queues, and one loop, off
/// the grain scheduler, takes whatever is queued (up to <see cref="InferenceOptions.MaxBatch"/>)
/// when the run before it ends, so frames from many cameras share a run under load. One run at a
/// time, whoever runs it. Each batch holds a reference to the session it started on, so a hot swap
/// never cuts a batch short.
/// </summary>
public sealed partial class FrameBatcher : IAsyncDisposable
{
    private readonly ModelHost _host;
    private readonly FrameRateGovernor _governor;
    private readonly InferenceMetrics _metrics;
    private readonly ILogger<FrameBatcher> _logger;
    private readonly InferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    // Held by whoever runs the model (a caller judging a lone frame, or the loop), and guards _input.
    private readonly SemaphoreSlim _model = new(1, 1);
    private readonly float[] _input;
    private readonly Pending[] _lone = new Pending[1];
    private readonly Task _loop;
    private volatile bool _closed;
    // True while frames arrive faster than single runs: the last run was a batch, or frames queued
    // during it. Then a frame that finds the model idle still queues, to be batched with the next
    // arrivals (batches cost less model time per frame); a run of one with nothing after clears it.
    private volatile bool _contended;
    private int _queued;

    /// <summary>Starts the batching loop.</summary>
    public FrameBatcher(ModelHost host, FrameRateGovernor governor, InferenceMetrics metrics, IOptions<InferenceOptions> options,
        [FromKeyedServices(EdgeNames.Clock)] TimeProvider time, ILogger<FrameBatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        _governor = governor;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value;
        _time = time;
        _input = new float[_options.MaxBatch * FrameTensor.Length];
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
        if (_closed) return Task.FromResult(FrameChecks.Reject(FrameRejection.NoModel, "the store's model host is shutting down"));
        if (TryJudgeAlone(frame) is { } alone) return alone;
        if (Interlocked.Increment(ref _queued) > _options.MaxQueuedFrames)
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromResult(FrameChecks.Reject(FrameRejection.Throttled,
                $"{_options.MaxQueuedFrames} frames are already waiting for the model; frame from camera '{frame.CameraId}' dropped"));
        }
        var pending = new Pending(frame, new TaskCompletionSource<FrameResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromResult(FrameChecks.Reject(FrameRejection.NoModel, "the store's model host is shutting down"));
        }
        return pending.Done.Task;
    }

    /// <summary>
    /// Judges the frame now, on this thread, when the model is idle and no frame is waiting (they
    /// go first); null when it must queue. The model run is the same CPU work the loop would do,
    /// less the two thread hops, and the frame would have been a batch of one anyway.
    /// </summary>
    private Task<FrameResult>? TryJudgeAlone(CameraFrame frame)
    {
        if (_contended || Volatile.Read(ref _queued) > 0 || !_model.Wait(0)) return null;
        try
        {
            if (Volatile.Read(ref _queued) > 0) return null;
            var pending = new Pending(frame, new TaskCompletionSource<FrameResult>());
            _lone[0] = pending;
            Run(_lone, 1);
            _lone[0] = null!;
            _contended = Volatile.Read(ref _queued) > 0;
            return pending.Done.Task;
        }
        finally
        {
            _model.Release();
        }
    }

    private async Task RunAsync()
    {
        var batch = new Pending[_options.MaxBatch];
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            if (_options.BatchWindow > TimeSpan.Zero && Volatile.Read(ref _queued) < _options.MaxBatch) await Task.Delay(_options.BatchWindow, _time);
            await _model.WaitAsync();
            try
            {
                var count = 0;
                while (count < batch.Length && reader.TryRead(out var pending)) batch[count++] = pending;
                Interlocked.Add(ref _queued, -count);
                if (count > 0) Run(batch, count);
                Array.Clear(batch);
                _contended = count > 1 || Volatile.Read(ref _queued) > 0;
            }
            finally
            {
                _model.Release();
            }
        }
    }

    /// <summary>Runs the first <paramref name="count"/> frames of <paramref name="batch"/>; the caller holds <see cref="_model"/>.</summary>
    private void Run(Pending[] batch, int count)
    {
        var input = _input;
        var session = _host.Acquire();
        if (session is null)
        {
            for (var i = 0; i < count; i++) batch[i].Done.TrySetResult(FrameChecks.Reject(FrameRejection.NoModel, "no shelf model is installed in this store yet"));
            return;
        }
        try
        {
            for (var i = 0; i < count; i++) FrameTensor.ToChw(batch[i].Frame.Rgb, input.AsSpan(i * FrameTensor.Length, FrameTensor.Length));
            var started = Stopwatch.GetTimestamp();
            var output = session.Run(input, count);
            var runMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (output.ShapeProblem(count) is { } problem)
                throw new InvalidOperationException($"shelf model {session.Version}: {problem}");
            _metrics.OnBatch(count, runMs);
            for (var i = 0; i < count; i++)
            {
                var frame = batch[i].Frame;
                var estimate = new VisionEstimate(frame.CameraId, frame.CapturedAt, session.Version, SlotReader.Slots(output, i), runMs);
                batch[i].Done.TrySetResult(new FrameResult(FrameRejection.None, null, estimate));
            }
            _governor.OnBatch(count, runMs);
        }
        catch (Exception ex)
        {
            LogRunFailed(_logger, session.Version, count, ex);
            for (var i = 0; i < count; i++) batch[i].Done.TrySetException(ex);
        }
        finally
        {
            session.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(CameraFrame Frame, TaskCompletionSource<FrameResult> Done);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shelf model {Version} failed on a batch of {Frames} frames")]
    private static partial void LogRunFailed(ILogger logger, string version, int frames, Exception ex);
}
