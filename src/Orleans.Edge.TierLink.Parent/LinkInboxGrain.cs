using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// The parent's inbound log for one origin. Senders keep order within each lane of an origin, so
/// a watermark per lane is enough to drop every resend. New events are written to a segment of the
/// log before the batch is acked, then published to the tier's inbound stream, at most
/// <see cref="TierLinkServerOptions.PublishWindow"/> ahead of what the consumer confirmed; they stay
/// until the consumer confirms it has durably applied them. A failed publish is retried, and events
/// the consumer never confirms are published again after <see cref="TierLinkServerOptions.RepublishAfter"/>
/// (the consumer drops what it already applied), so nothing accepted waits for a restart. The log
/// is bounded per origin: beyond it, it refuses more and the child backs off with its outbox intact.
/// </summary>
public sealed partial class LinkInboxGrain(
    [PersistentState("link-inbox", EdgeNames.StateStore)] IPersistentState<LinkInboxData> state,
    EdgeIdentity identity,
    IOptions<TierLinkServerOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    ILogger<LinkInboxGrain> logger) : Grain, ILinkInboxGrain
{
    private InboxSegments _segments = null!;
    // The next event to publish: a segment (by position in the index) and an offset in it.
    private int _cursorSegment;
    private int _cursorOffset;
    private DateTimeOffset _lastProgress;
    private IGrainTimer? _timer;
    private long _protocolErrors;

    private LinkInboxData Data => state.State;

    private TierLinkServerOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _segments = new InboxSegments(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(EdgeNames.StateStore), this.GetGrainId());
        _lastProgress = time.GetUtcNow();
        if (Data.Pending.Count > 0) await MigrateInlinePending();
        if (await _segments.ReconcileTailAsync(Data)) await state.WriteStateAsync(cancellationToken);
        KeepPublishing();
    }

    public async Task<InboxResult> Append(SequencedBatch batch)
    {
        try
        {
            return await AppendCore(batch);
        }
        catch
        {
            // Memory may now be ahead of storage: start over from storage; the child resends.
            await ReloadAsync();
            throw;
        }
    }

    /// <summary>
    /// After a failed write, memory (counts, watermarks, the cached segments) may be ahead of
    /// storage: read it all back before this activation does anything else, so nothing it did not
    /// store is published, acked or counted. If even that fails, the activation goes.
    /// </summary>
    private async Task ReloadAsync()
    {
        try
        {
            _segments = new InboxSegments(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(EdgeNames.StateStore), this.GetGrainId());
            (_cursorSegment, _cursorOffset) = (0, 0);
            await state.ReadStateAsync();
            if (await _segments.ReconcileTailAsync(Data)) await state.WriteStateAsync();
            // The reconciled tail may hold events the failed call never published: the timer sees to them.
            KeepPublishing();
        }
        catch (Exception ex)
        {
            LogReloadFailed(logger, ex, this.GetPrimaryKeyString(), ex.Message);
            DeactivateOnIdle();
        }
    }

    private async Task<InboxResult> AppendCore(SequencedBatch batch)
    {
        var data = Data;
        if (SequenceProblem(batch, data) is { } problem)
        {
            // Refused whole, before anything changes: what was accepted before keeps its place, and a
            // forged epoch or sequence cannot make the origin's genuine later events look like duplicates.
            _protocolErrors++;
            if (_protocolErrors == 1 || _protocolErrors % 1000 == 0) LogProtocolError(logger, batch.Origin, _protocolErrors, problem);
            return new InboxResult(data.Watermark, 0, 0, data.BulkWatermark, 0, problem);
        }
        if (batch.Epoch > data.Epoch)
        {
            if (data.Epoch != 0) LogNewEpoch(logger, batch.Origin, data.Epoch, batch.Epoch, data.Watermark);
            data.StartEpoch(batch.Epoch);
        }

        int duplicates = 0, refused = 0;
        var now = time.GetUtcNow();
        var fresh = new List<(InboundEvent Event, int Size)>();
        var (heldEvents, heldBytes) = (data.HeldEvents, data.HeldBytes);
        var full = new bool[Lanes.Count];
        foreach (var e in batch.Events.OrderBy(e => e.Event.Class.LaneOf()).ThenBy(e => e.Sequence))
        {
            var lane = e.Event.Class.LaneOf();
            if (e.Sequence <= data.WatermarkOf(lane))
            {
                duplicates++;
                continue;
            }
            // Once a lane is full, nothing after its first refused event may be taken: order holds.
            if (full[lane] || !HasRoom(lane, heldEvents, heldBytes, e.Size))
            {
                full[lane] = true;
                refused++;
                continue;
            }
            fresh.Add((new InboundEvent(batch.Origin, e.Sequence, e.Event, now, batch.Epoch), e.Size));
            data.Take(lane, e.Sequence);
            heldEvents++;
            heldBytes += e.Size;
        }
        if (!data.Registered)
        {
            await GrainFactory.GetGrain<IInboxDirectoryGrain>(identity.Origin).Add(batch.Origin);
            data.Registered = true;
        }
        data.Accepted += fresh.Count;
        data.Duplicates += duplicates;
        if (refused > 0)
        {
            data.Refusals++;
            LogFull(logger, batch.Origin, refused, data.HeldEvents, data.HeldBytes);
        }
        // Durable before the ack: the segments first, then the index that names them (a crash in
        // between is mended by ReconcileTailAsync on the next activation).
        await _segments.AppendAsync(data, fresh, Options.SegmentEvents);
        await state.WriteStateAsync();
        if (duplicates > 0) LogDuplicates(logger, batch.Origin, duplicates, data.Watermark);
        // Even an all-duplicate batch: a log mended by a reload may hold events not yet published.
        KeepPublishing();
        if (fresh.Count > 0) await PumpAsync();
        return new InboxResult(data.Watermark, fresh.Count, duplicates, data.BulkWatermark, refused);
    }

    /// <summary>
    /// Why the batch breaks the sequence protocol, or null. An epoch is the time the child's outbox
    /// was made: one from the future (beyond <see cref="TierLinkServerOptions.MaxEpochAhead"/> of clock
    /// skew) or older than the log's is refused, not taken as a reset. Within an epoch a lane's numbers
    /// may skip only as many as the child says it dropped unsent (<see cref="SequencedBatch.Evicted"/>).
    /// </summary>
    private string? SequenceProblem(SequencedBatch batch, LinkInboxData data)
    {
        var ahead = batch.Epoch - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (ahead > Options.MaxEpochAhead.TotalMilliseconds)
            return $"epoch {batch.Epoch} of '{batch.Origin}' is {ahead / 3_600_000.0:F1} h ahead of this parent's clock (at most {Options.MaxEpochAhead:g}); " +
                "an epoch is the time the child's outbox was made, so check the child's clock";
        if (batch.Epoch < data.Epoch)
            return $"epoch {batch.Epoch} of '{batch.Origin}' is older than epoch {data.Epoch}, which this parent already has: " +
                "a sender of a replaced outbox must stop";
        var fresh = batch.Epoch > data.Epoch;
        for (var lane = 0; lane < Lanes.Count; lane++)
        {
            var (watermark, delivered) = fresh ? (0L, 0L) : (data.WatermarkOf(lane), data.DeliveredOf(lane));
            foreach (var e in batch.Events.Where(e => e.Event.Class.LaneOf() == lane).OrderBy(e => e.Sequence))
            {
                if (e.Sequence <= watermark) continue;
                (watermark, delivered) = (e.Sequence, delivered + 1);
                var skipped = watermark - delivered;
                if (skipped > batch.EvictedIn(lane))
                    return $"lane {lane} of '{batch.Origin}' jumps to sequence {e.Sequence}, skipping {skipped} numbers in epoch {batch.Epoch}, " +
                        $"but the child says it dropped only {batch.EvictedIn(lane)} unsent: a gap is not a new watermark";
            }
        }
        return null;
    }

    // Summaries and bulk stop at 80 % of the bound, so alerts still find room behind a backlog of them.
    private bool HasRoom(int lane, int heldEvents, long heldBytes, int size)
    {
        var share = lane == Lanes.Priority ? 1.0 : 0.8;
        return heldEvents + 1 <= Options.MaxHeldEvents * share && heldBytes + size <= Options.MaxHeldBytes * share;
    }

    public Task<long> GetDuplicatesDropped() => Task.FromResult(Data.Duplicates);

    public async Task Confirm(AppliedMark applied)
    {
        try
        {
            await ConfirmCore(applied);
        }
        catch
        {
            await ReloadAsync();
            throw;
        }
    }

    private async Task ConfirmCore(AppliedMark applied)
    {
        var data = Data;
        var current = data.ConfirmedOf(applied.Lane);
        if (current is not null && !(applied.Epoch > current.Epoch || (applied.Epoch == current.Epoch && applied.Sequence > current.Sequence))) return;
        if (applied.Lane == Lanes.Priority) data.ConfirmedPriority = applied;
        else data.ConfirmedBulk = applied;
        _lastProgress = time.GetUtcNow();
        // Drop the segments confirmed whole, oldest first: storage records, then the index.
        var dropped = 0;
        while (dropped < data.Segments.Count && data.Segments[dropped].IsConfirmedBy(data.ConfirmedPriority, data.ConfirmedBulk)) dropped++;
        if (dropped > 0)
        {
            await _segments.DropAsync(data.Segments.Take(dropped));
            data.Segments.RemoveRange(0, dropped);
            if (_cursorSegment < dropped) (_cursorSegment, _cursorOffset) = (0, 0);
            else _cursorSegment -= dropped;
        }
        await state.WriteStateAsync();
        await PumpAsync();
    }

    public async Task<int> Replay()
    {
        KeepPublishing();
        await PumpAsync();
        return Data.HeldEvents;
    }

    public Task<int> GetPendingCount() => Task.FromResult(Data.HeldEvents);

    public Task<long> GetAccepted() => Task.FromResult(Data.Accepted);

    /// <summary>
    /// Publishes held events in order from the cursor while fewer than the window are unconfirmed.
    /// A failure stops the pump; the timer tries again.
    /// </summary>
    private async Task PumpAsync()
    {
        var data = Data;
        var stream = this.GetStreamProvider(EdgeNames.StreamProvider)
            .GetStream<InboundEvent>(StreamId.Create(identity.InboundNamespace(), identity.Origin));
        while (_cursorSegment < data.Segments.Count && InFlight() < Options.PublishWindow)
        {
            var info = data.Segments[_cursorSegment];
            var segment = await _segments.ReadAsync(info.Number);
            if (_cursorOffset >= segment.Events.Count)
            {
                if (_cursorSegment == data.Segments.Count - 1) return;   // the tail: more will come
                _segments.Forget(info.Number);
                (_cursorSegment, _cursorOffset) = (_cursorSegment + 1, 0);
                continue;
            }
            var e = segment.Events[_cursorOffset];
            if (e.IsAfter(data.ConfirmedOf(e.Lane)))
            {
                try
                {
                    await stream.OnNextAsync(e);
                }
                catch (Exception ex)
                {
                    LogPublishFailed(logger, ex, e.Origin, e.Sequence, ex.Message);
                    return;
                }
            }
            _cursorOffset++;
        }
    }

    // Published and not yet known to be confirmed: every event of the segments before the cursor, plus the cursor's offset.
    private int InFlight()
    {
        var n = _cursorOffset;
        for (var i = 0; i < _cursorSegment && i < Data.Segments.Count; i++) n += Data.Segments[i].Count;
        return n;
    }

    /// <summary>While the log holds events, a timer retries the pump and, if the consumer stalls, publishes again from the oldest.</summary>
    private void KeepPublishing()
    {
        if (_timer is not null || Data.Segments.Count == 0) return;
        _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(Options.RetryPeriod, Options.RetryPeriod) { KeepAlive = true });
    }

    private async Task OnTimer()
    {
        if (Data.Segments.Count == 0)
        {
            _timer?.Dispose();
            _timer = null;
            (_cursorSegment, _cursorOffset) = (0, 0);
            return;
        }
        if (InFlight() > 0 && time.GetUtcNow() - _lastProgress >= Options.RepublishAfter)
        {
            LogRepublish(logger, this.GetPrimaryKeyString(), InFlight(), Options.RepublishAfter);
            (_cursorSegment, _cursorOffset) = (0, 0);
            _lastProgress = time.GetUtcNow();
        }
        await PumpAsync();
    }

    private async Task MigrateInlinePending()
    {
        var events = Data.Pending.Select(e => (e, 0)).ToList();
        await _segments.AppendAsync(Data, events, Options.SegmentEvents);
        Data.Pending = [];
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound log of {Origin} refused a batch that breaks the sequence protocol ({Count} so far): {Problem}")]
    private static partial void LogProtocolError(ILogger logger, string origin, long count, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Origin {Origin} restarted its outbox (epoch {Old} → {New}) after sequence {Watermark}")]
    private static partial void LogNewEpoch(ILogger logger, string origin, long old, long @new, long watermark);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Count} duplicate events from {Origin} (watermark {Watermark})")]
    private static partial void LogDuplicates(ILogger logger, string origin, int count, long watermark);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound log of {Origin} is full ({Held} events, {Bytes} bytes held): refused {Refused} events; the child keeps them and retries")]
    private static partial void LogFull(ILogger logger, string origin, int refused, int held, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound log could not publish {Origin}#{Sequence}, will retry: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string origin, long sequence, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbound log of {Origin} could not reload after a failed write and deactivates: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, Exception ex, string origin, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer of {Origin}'s inbound log confirmed nothing for {After}; publishing {Count} unconfirmed events again")]
    private static partial void LogRepublish(ILogger logger, string origin, int count, TimeSpan after);
}
