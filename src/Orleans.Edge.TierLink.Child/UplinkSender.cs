using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Events;
using Orleans.Edge.TierLink.Outbox;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Drains the outbox to the parent: one batch in flight at a time (so order within each lane of
/// the origin holds), the priority lane first (so alerts overtake a backlog of summaries), batches
/// bounded by count and bytes, trimming only what the parent acked, retrying with capped, jittered
/// backoff. It never stops on its own: a failure of this side (the outbox's storage, say) is logged,
/// counted and shown in <see cref="LinkStatus"/>, then retried like a network failure. A batch the
/// parent refuses for what it holds is split until the one event at fault is found; that event is
/// parked (<see cref="IOutbox.ParkAsync"/>) and reported, and the lane moves on.
/// </summary>
public sealed partial class UplinkSender(
    IOutbox outbox,
    ParentLink link,
    EdgeIdentity identity,
    IOptions<TierLinkClientOptions> options,
    TimeProvider time,
    ILogger<UplinkSender> logger) : BackgroundService
{
    private static readonly WriteOptions NoCompress = new(WriteFlags.NoCompress);

    // Most events per batch now: the option's value, halved after each refused batch until the
    // event at fault stands alone, and back to the option's value once it is parked.
    private int _limit;
    private IReadOnlyList<OutboxEntry> _inFlight = [];
    private TimeSpan _deadline;

    // Push deadlines missed in a row (up to MaxDeadlineDoublings); each doubles the next deadline.
    private const int MaxDeadlineDoublings = 3;
    private int _timeouts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new Backoff(o.InitialBackoff, o.MaxBackoff);
        _limit = o.MaxBatchEvents;
        link.Status.SenderRunning = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunSessionAsync(backoff, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (RpcException ex) when (IsRefusal(ex.StatusCode) && _inFlight.Count > 0)
                {
                    await RefusedAsync(ex, stoppingToken);
                }
                catch (PushTimeoutException ex)
                {
                    // A slow link may carry small batches in time where it cannot carry big ones, and a
                    // parent slow to answer (overloaded, say) gets longer: the next deadlines double, up to 8×.
                    if (_inFlight.Count > 1) _limit = Math.Max(1, _inFlight.Count / 2);
                    _timeouts = Math.Min(_timeouts + 1, MaxDeadlineDoublings);
                    await Failed(ex, backoff, stoppingToken);
                }
                catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException or OperationCanceledException)
                {
                    await Failed(ex, backoff, stoppingToken);
                }
                catch (Exception ex)
                {
                    // Not the network: this side failed (the outbox's storage, most likely). The
                    // entries stay where they are; keep the loop alive, say so loudly and retry.
                    link.Status.OnFault(ex);
                    LogFault(logger, ex, identity.Origin, ex.Message);
                    await Failed(ex, backoff, stoppingToken);
                }
            }
        }
        finally
        {
            link.Status.SenderRunning = false;
        }
    }

    private async Task RunSessionAsync(Backoff backoff, CancellationToken stoppingToken)
    {
        var o = options.Value;
        _inFlight = [];
        await outbox.WaitForEntriesAsync(stoppingToken);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // gzip is negotiated for the session but used only on batches big enough to gain from
        // it (see docs/benchmarks/link-compression.md): small ones grow when compressed.
        using var call = link.Client.Uplink(new Grpc.Core.Metadata { { "grpc-internal-encoding-request", "gzip" } }, cancellationToken: session.Token);
        try
        {
            await ExchangeAsync(call, session, backoff, stoppingToken);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException && session.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            // Only the push deadline cancels the session on its own: name it, not gRPC's "Call canceled by the client".
            throw new PushTimeoutException($"the parent did not take and ack a batch of {_inFlight.Count} events within the push deadline ({_deadline.TotalSeconds:0.###} s)", ex);
        }
    }

    private async Task ExchangeAsync(AsyncDuplexStreamingCall<P.UpBatch, P.UpAck> call, CancellationTokenSource session, Backoff backoff, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var first = true;
        // Always one read pending: it completes with the next ack, or, while the link is idle,
        // as soon as the session dies (a reset, or keepalive pings that go unanswered).
        var read = call.ResponseStream.MoveNext(session.Token);
        while (true)
        {
            var more = outbox.WaitForEntriesAsync(stoppingToken);
            if (await Task.WhenAny(more, read) == read)
            {
                await read;   // throws why the link died
                throw new IOException("the parent sent an ack for nothing, or closed the uplink session");
            }
            await more;
            var entries = outbox.Peek(_limit, o.MaxBatchBytes);
            // Child id and epoch go with the session's first batch only; the parent remembers them.
            var batch = first ? new P.UpBatch { ChildId = identity.Origin, Epoch = (ulong)outbox.Epoch } : new P.UpBatch();
            first = false;
            batch.Evicted.AddRange(EvictedPerLane());
            batch.Events.AddRange(entries.Select(e => e.Message));
            var compress = entries.Count >= o.CompressFromEvents;
            _inFlight = entries;
            call.RequestStream.WriteOptions = compress ? null : NoCompress;
            // A write that stalls, or an ack that does not come, in time means a dead link: end the
            // session and start over. The deadline covers the write too: into a stalled link it can hang.
            // A big batch on a slow link gets the time its bytes need at the slowest rate we serve.
            _deadline = o.DeadlineOf(batch.CalculateSize()) * (1 << _timeouts);
            session.CancelAfter(_deadline);
            await call.RequestStream.WriteAsync(batch, session.Token);
            link.Status.OnAttempt(entries.Count);
            if (!await read)
                throw new IOException("the parent closed the uplink session");
            // Disarm the deadline; not TryReset, which would also drop the call's own registration on
            // the session token (the call was made with it): every later deadline would cancel nothing,
            // and a push into a dead link would hang until keepalive noticed (about 15 s).
            session.CancelAfter(Timeout.InfiniteTimeSpan);
            var ack = call.ResponseStream.Current;
            // Sent means the parent has it: a write into a link that then died is only an attempt.
            link.Status.OnSent(batch.Events, batch.CalculateSize(), compress);
            read = call.ResponseStream.MoveNext(session.Token);
            ulong[] acked = [ack.AckedThrough, ack.BulkAckedThrough];
            for (var lane = 0; lane < acked.Length; lane++) await outbox.AckAsync(lane, (long)acked[lane], stoppingToken);
            link.Status.OnAcked(entries.Count(e => (ulong)e.Sequence <= acked[e.Lane]), ack.Duplicates);
            _inFlight = [];
            if (!link.Status.Connected) LogConnected(logger, identity.Origin, o.ParentAddress!);
            link.Status.Connected = true;
            link.Status.LastError = null;
            backoff.Reset();
            // After a timeout or a refusal shrank the batches, they grow back as the link delivers.
            _limit = Math.Min(o.MaxBatchEvents, _limit * 2);
            _timeouts = 0;
        }
    }

    /// <summary>
    /// The parent refuses what a batch holds (not the link): it is malformed or too large. Halve the
    /// batch until the event at fault is alone, then park it, so it cannot hold up the rest.
    /// </summary>
    private async Task RefusedAsync(RpcException ex, CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (_inFlight.Count > 1)
        {
            _limit = Math.Max(1, _inFlight.Count / 2);
            LogSplitting(logger, identity.Origin, _inFlight.Count, _limit, ex.Status.Detail);
            return;
        }
        var entry = _inFlight[0];
        await outbox.ParkAsync(entry, stoppingToken);
        link.Status.OnParked($"{entry.Class} #{entry.Sequence} ({entry.Size:N0} bytes): {ex.StatusCode} {ex.Status.Detail}");
        LogParked(logger, identity.Origin, entry.Class.ToString(), entry.Sequence, entry.Size, ex.StatusCode, ex.Status.Detail);
        _limit = o.MaxBatchEvents;
    }

    // What this epoch numbered and dropped unsent, per lane: the parent takes a gap in a lane's numbers only as far as these explain it.
    private ulong[] EvictedPerLane()
    {
        var lanes = new ulong[Lanes.Count];
        foreach (var ((eventClass, _), count) in outbox.Evicted) lanes[eventClass.LaneOf()] += (ulong)count;
        return lanes;
    }

    // What the parent says about a batch's content, as opposed to the link or the parent's state.
    private static bool IsRefusal(StatusCode code) => code is StatusCode.InvalidArgument or StatusCode.ResourceExhausted;

    /// <summary>A graceful stop first lets a working link drain the outbox, up to <see cref="TierLinkClientOptions.FlushOnStop"/>.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var flush = Task.Delay(options.Value.FlushOnStop, time, cancellationToken);
        var left = outbox.Count;
        while (link.Status.Connected && outbox.Count > 0 && !flush.IsCompleted) await Task.WhenAny(Task.Delay(20, CancellationToken.None), flush);
        if (left > 0) LogFlushed(logger, identity.Origin, left - outbox.Count, outbox.Count);
        await base.StopAsync(cancellationToken);
    }

    private async Task Failed(Exception ex, Backoff backoff, CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (link.Status.Connected || link.Status.LastError is null) LogDown(logger, identity.Origin, o.ParentAddress!, outbox.Count, Describe(ex));
        link.Status.Connected = false;
        link.Status.LastError = Describe(ex);
        link.Status.OnRetry();
        try
        {
            await Task.Delay(backoff.Next(), time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // gRPC's own message for a cancelled call hides the reason; name the status and its detail.
    private static string Describe(Exception ex) => ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{ex.GetType().Name}: {ex.Message}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink of {Child} flushed {Sent} events on stop; {Left} stay in the outbox")]
    private static partial void LogFlushed(ILogger logger, string child, int sent, int left);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink of {Child} to {Parent} is up")]
    private static partial void LogConnected(ILogger logger, string child, Uri parent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uplink of {Child} to {Parent} is down with {Queued} events queued: {Error}")]
    private static partial void LogDown(ILogger logger, string child, Uri parent, int queued, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uplink sender of {Child} failed on this side and will retry: {Error}")]
    private static partial void LogFault(ILogger logger, Exception ex, string child, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parent refused a batch of {Count} events from {Child}; sending at most {Limit} per batch to find the one at fault: {Reason}")]
    private static partial void LogSplitting(ILogger logger, string child, int count, int limit, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Parent refused {Class} event #{Sequence} ({Size} bytes) of {Child} for good ({Status}: {Reason}); it is parked in the outbox store and the lane goes on")]
    private static partial void LogParked(ILogger logger, string child, string @class, long sequence, int size, StatusCode status, string reason);
}

/// <summary>A push the parent did not take and ack before its deadline: the link is dead or too slow for the batch.</summary>
public sealed class PushTimeoutException(string message, Exception inner) : TimeoutException(message, inner);
