using Orleans.Edge.Events;

namespace Orleans.Edge.Grains;

/// <summary>
/// A consumer's side of the inbound log: drops events its checkpoint already holds, and after
/// each checkpoint tells every origin's log how far it got, so the log can forget.
/// </summary>
public sealed class InboundProgress(Dictionary<string, AppliedMark> applied)
{
    private readonly Dictionary<string, AppliedMark> _confirmed = new(StringComparer.Ordinal);
    private bool _dirty;

    /// <summary>Records <paramref name="e"/> as applied; false when it was applied before (a replay).</summary>
    public bool TryApply(InboundEvent e)
    {
        var key = Key(e.Origin, e.Lane);
        if (!e.IsAfter(applied.GetValueOrDefault(key))) return false;
        applied[key] = new AppliedMark(e.Epoch, e.Sequence, e.Lane);
        _dirty = true;
        return true;
    }

    // One mark per lane of an origin; the priority lane's key is the bare origin.
    private static string Key(string origin, int lane) => lane == Lanes.Priority ? origin : $"{origin}|{lane}";

    private static string OriginOf(string key) => key.Split('|')[0];

    /// <summary>Persists the consumer's state (if anything changed), then confirms progress to the logs.</summary>
    public async Task CheckpointAsync(Func<Task> persist, IGrainFactory grains)
    {
        if (!_dirty) return;
        await persist();
        _dirty = false;
        foreach (var (origin, mark) in applied)
        {
            if (_confirmed.GetValueOrDefault(origin) == mark) continue;
            await grains.GetGrain<ILinkInboxGrain>(OriginOf(origin)).Confirm(mark);
            _confirmed[origin] = mark;
        }
    }
}
