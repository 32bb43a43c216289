using Orleans.Edge.Events;

namespace Orleans.Edge.Grains;

/// <summary>What a consumer did with an inbound event.</summary>
public enum InboundOutcome
{
    /// <summary>Applied now.</summary>
    Applied,
    /// <summary>Applied before: a replay, dropped.</summary>
    Replay,
    /// <summary>
    /// An earlier event of its origin and lane failed to apply and has not been applied since:
    /// dropped for now, to keep order; the inbound log publishes it again, since it was never confirmed.
    /// </summary>
    Deferred,
}

/// <summary>
/// A consumer's side of the inbound log: applies each event at most once and in order per origin
/// and lane, marks it only once its effects committed (so an event whose apply failed is applied
/// when it comes again, not dropped as a replay), and after each checkpoint tells every origin's
/// log how far it got, so the log can forget.
/// </summary>
public sealed class InboundProgress(Dictionary<string, AppliedMark> applied)
{
    private readonly Dictionary<string, AppliedMark> _confirmed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InboundEvent> _failed = new(StringComparer.Ordinal);
    // One apply at a time, even if the runtime interleaves deliveries while an apply awaits (a forward
    // into the outbox, say): the check and the mark must not straddle another event's apply.
    private Task _applying = Task.CompletedTask;
    private bool _dirty;

    /// <summary>
    /// Runs <paramref name="apply"/> for <paramref name="e"/> unless it was applied before or waits
    /// behind a failed one; marks it applied only if <paramref name="apply"/> completes. An exception
    /// from <paramref name="apply"/> propagates (the stream retries the event), and until that event
    /// is applied, later ones of its origin and lane are <see cref="InboundOutcome.Deferred"/>.
    /// </summary>
    public async Task<InboundOutcome> ApplyAsync(InboundEvent e, Func<Task> apply)
    {
        var previous = _applying;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _applying = done.Task;
        try
        {
            await previous;
            return await ApplyInOrderAsync(e, apply);
        }
        finally
        {
            done.SetResult();
        }
    }

    private async Task<InboundOutcome> ApplyInOrderAsync(InboundEvent e, Func<Task> apply)
    {
        var key = Key(e.Origin, e.Lane);
        if (!e.IsAfter(applied.GetValueOrDefault(key))) return InboundOutcome.Replay;
        if (_failed.TryGetValue(key, out var failed) && (failed.Epoch, failed.Sequence) != (e.Epoch, e.Sequence)) return InboundOutcome.Deferred;
        try
        {
            await apply();
        }
        catch
        {
            _failed[key] = e;
            throw;
        }
        _failed.Remove(key);
        applied[key] = new AppliedMark(e.Epoch, e.Sequence, e.Lane);
        _dirty = true;
        return InboundOutcome.Applied;
    }

    // One mark per lane of an origin; the priority lane's key is the bare origin.
    private static string Key(string origin, int lane) => lane == Lanes.Priority ? origin : $"{origin}|{lane}";

    private static string OriginOf(string key) => key.Split('|')[0];

    /// <summary>
    /// Persists the consumer's state if anything was applied since the last checkpoint, then
    /// confirms to each log every mark it has not yet confirmed. A confirm that fails is tried again
    /// at the next checkpoint, whether or not anything new was applied.
    /// </summary>
    public Task CheckpointAsync(Func<Task> persist, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return CheckpointAsync(persist, (origin, mark) => grains.GetGrain<ILinkInboxGrain>(origin).Confirm(mark));
    }

    /// <summary>
    /// As <see cref="CheckpointAsync(Func{Task}, IGrainFactory)"/>, confirming through <paramref name="confirm"/>.
    /// Applies wait while the state is persisted: the runtime may interleave a stream delivery with the
    /// checkpoint, and an event applied during the write would be half in it (counted but not marked,
    /// so applied twice after a crash) or, once the write clears the dirty flag, confirmed to its log
    /// without ever being saved (lost after a crash). Only marks that storage holds are confirmed.
    /// </summary>
    public async Task CheckpointAsync(Func<Task> persist, Func<string, AppliedMark, Task> confirm)
    {
        ArgumentNullException.ThrowIfNull(persist);
        ArgumentNullException.ThrowIfNull(confirm);
        List<KeyValuePair<string, AppliedMark>> saved;
        var previous = _applying;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _applying = done.Task;
        try
        {
            await previous;
            if (_dirty)
            {
                await persist();
                _dirty = false;
            }
            saved = [.. applied];
        }
        finally
        {
            done.SetResult();
        }
        foreach (var (key, mark) in saved)
        {
            if (_confirmed.GetValueOrDefault(key) == mark) continue;
            await confirm(OriginOf(key), mark);
            _confirmed[key] = mark;
        }
    }
}
