using Orleans.Edge.Events;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// The segments of one inbound log in the tier's grain storage, one record each
/// (<c>link-inbox-segment-{n}</c> of the log's grain): an append rewrites only the tail segment, and
/// a replay reads one segment at a time. Keeps the tail and the few segments being published in memory.
/// </summary>
internal sealed class InboxSegments(IGrainStorage storage, GrainId grain)
{
    private const long SegmentBytes = 256 * 1024;
    private readonly SortedDictionary<long, GrainState<InboxSegment>> _cache = [];

    private static string Name(long number) => $"link-inbox-segment-{number}";

    /// <summary>Reads segment <paramref name="number"/> (empty if it has no record).</summary>
    public async Task<InboxSegment> ReadAsync(long number) => (await LoadAsync(number)).State!;

    /// <summary>Lets go of segment <paramref name="number"/> in memory (the publisher is past it); its record stays.</summary>
    public void Forget(long number) => _cache.Remove(number);

    /// <summary>Adds <paramref name="events"/> to the tail of the log, rolling to new segments when full, and writes the segments it touched.</summary>
    public async Task AppendAsync(LinkInboxData data, IReadOnlyList<(InboundEvent Event, int Size)> events, int segmentEvents)
    {
        if (events.Count == 0) return;
        var touched = new List<long>();
        var tail = data.Segments.Count > 0 ? data.Segments[^1] : null;
        foreach (var (e, size) in events)
        {
            if (tail is null || tail.Count >= segmentEvents || (tail.Count > 0 && tail.Bytes + size > SegmentBytes))
            {
                tail = new InboxSegmentInfo { Number = data.NextSegment++ };
                data.Segments.Add(tail);
            }
            var segment = await LoadAsync(tail.Number);
            segment.State!.Events.Add(e);
            segment.State.Sizes.Add(size);
            tail.Add(e, size);
            if (touched.Count == 0 || touched[^1] != tail.Number) touched.Add(tail.Number);
        }
        foreach (var number in touched) await storage.WriteStateAsync(Name(number), grain, _cache[number]);
    }

    /// <summary>Deletes the records of <paramref name="segments"/> (confirmed whole).</summary>
    public async Task DropAsync(IEnumerable<InboxSegmentInfo> segments)
    {
        foreach (var info in segments.ToList())
        {
            var record = await LoadAsync(info.Number);
            await storage.ClearStateAsync(Name(info.Number), grain, record);
            _cache.Remove(info.Number);
        }
    }

    /// <summary>
    /// Mends the index after a crash between a segment's write and the index's: the tail's counts
    /// and the watermarks follow what the segments hold, and segments written after the index are
    /// taken in. True when anything changed.
    /// </summary>
    public async Task<bool> ReconcileTailAsync(LinkInboxData data)
    {
        var changed = false;
        // With an empty index, a segment written just before a crash is the only one there can be.
        var tail = data.Segments.Count > 0 ? data.Segments[^1] : null;
        while (true)
        {
            if (tail is not null)
            {
                var segment = await ReadAsync(tail.Number);
                if (segment.Events.Count > tail.Count)
                {
                    var rebuilt = new InboxSegmentInfo { Number = tail.Number };
                    for (var i = 0; i < segment.Events.Count; i++) rebuilt.Add(segment.Events[i], i < segment.Sizes.Count ? segment.Sizes[i] : 0);
                    data.Accepted += segment.Events.Count - tail.Count;
                    foreach (var e in segment.Events.Skip(tail.Count).Where(e => e.Epoch >= data.Epoch))
                    {
                        if (e.Epoch > data.Epoch) data.StartEpoch(e.Epoch);
                        if (e.Sequence > data.WatermarkOf(e.Lane)) data.Take(e.Lane, e.Sequence);
                    }
                    data.Segments[^1] = tail = rebuilt;
                    changed = true;
                }
            }
            var next = await ReadAsync(data.NextSegment);
            if (next.Events.Count == 0)
            {
                _cache.Remove(data.NextSegment);
                break;
            }
            tail = new InboxSegmentInfo { Number = data.NextSegment++ };
            data.Segments.Add(tail);
            changed = true;
        }
        return changed;
    }

    private async Task<GrainState<InboxSegment>> LoadAsync(long number)
    {
        if (_cache.TryGetValue(number, out var cached)) return cached;
        var record = new GrainState<InboxSegment>(new InboxSegment());
        await storage.ReadStateAsync(Name(number), grain, record);
        record.State ??= new InboxSegment();
        _cache[number] = record;
        return record;
    }
}
