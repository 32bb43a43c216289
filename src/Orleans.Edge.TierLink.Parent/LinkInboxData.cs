using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// What the inbound log of one origin keeps besides its events: the watermark per lane (not a set
/// of seen ids), the consumer's confirmed marks, counters, and the index of its segments (the
/// events themselves live in <see cref="InboxSegment"/>s, so an append rewrites one segment, not the log).
/// </summary>
[GenerateSerializer]
public sealed class LinkInboxData
{
    /// <summary>Outbox epoch of the origin the watermark belongs to.</summary>
    [Id(0)] public long Epoch { get; set; }

    /// <summary>Highest sequence of the priority lane appended for that epoch.</summary>
    [Id(1)] public long Watermark { get; set; }

    /// <summary>Duplicates dropped over the log's life.</summary>
    [Id(2)] public long Duplicates { get; set; }

    /// <summary>
    /// Events kept inline by earlier versions of the log; moved into segments when the grain
    /// activates, so it is empty from then on.
    /// </summary>
    [Id(3)] public List<InboundEvent> Pending { get; set; } = [];

    /// <summary>True once the origin is in the inbox directory.</summary>
    [Id(4)] public bool Registered { get; set; }

    /// <summary>Distinct events accepted over the log's life.</summary>
    [Id(5)] public long Accepted { get; set; }

    /// <summary>Highest sequence of the bulk lane appended for that epoch.</summary>
    [Id(6)] public long BulkWatermark { get; set; }

    /// <summary>The segments that hold events the consumer has not confirmed, oldest first.</summary>
    [Id(7)] public List<InboxSegmentInfo> Segments { get; set; } = [];

    /// <summary>The number the next new segment gets.</summary>
    [Id(8)] public long NextSegment { get; set; }

    /// <summary>How far the consumer confirmed the priority lane.</summary>
    [Id(9)] public AppliedMark? ConfirmedPriority { get; set; }

    /// <summary>How far the consumer confirmed the bulk lane.</summary>
    [Id(10)] public AppliedMark? ConfirmedBulk { get; set; }

    /// <summary>Batches refused (in whole or part) because the log held as much as it may.</summary>
    [Id(11)] public long Refusals { get; set; }

    /// <summary>
    /// Distinct events of the priority lane appended for that epoch. With the watermark it says how
    /// many numbers the lane skipped, which the child's evictions must account for. Null in logs
    /// written before it was kept: taken as the watermark (no gap).
    /// </summary>
    [Id(12)] public long? Delivered { get; set; }

    /// <summary>The same for the bulk lane.</summary>
    [Id(13)] public long? BulkDelivered { get; set; }

    public long WatermarkOf(int lane) => lane == Lanes.Priority ? Watermark : BulkWatermark;

    public long DeliveredOf(int lane) => (lane == Lanes.Priority ? Delivered : BulkDelivered) ?? WatermarkOf(lane);

    /// <summary>Records one more event of <paramref name="lane"/> appended at <paramref name="sequence"/>.</summary>
    public void Take(int lane, long sequence)
    {
        if (lane == Lanes.Priority) Delivered = DeliveredOf(lane) + 1;
        else BulkDelivered = DeliveredOf(lane) + 1;
        SetWatermark(lane, sequence);
    }

    /// <summary>A new epoch of the origin: its lanes start again from nothing.</summary>
    public void StartEpoch(long epoch) => (Epoch, Watermark, BulkWatermark, Delivered, BulkDelivered) = (epoch, 0, 0, 0, 0);

    public void SetWatermark(int lane, long value)
    {
        if (lane == Lanes.Priority) Watermark = value;
        else BulkWatermark = value;
    }

    public AppliedMark? ConfirmedOf(int lane) => lane == Lanes.Priority ? ConfirmedPriority : ConfirmedBulk;

    /// <summary>Events held (in segments not yet dropped): the log's size as its bound sees it.</summary>
    public int HeldEvents => Segments.Sum(s => s.Count);

    /// <summary>Bytes held (wire encoding).</summary>
    public long HeldBytes => Segments.Sum(s => s.Bytes);
}

/// <summary>What the log's index knows of one segment without reading it.</summary>
[GenerateSerializer]
public sealed class InboxSegmentInfo
{
    /// <summary>Its number, part of its storage name.</summary>
    [Id(0)] public long Number { get; set; }

    /// <summary>Events in it.</summary>
    [Id(1)] public int Count { get; set; }

    /// <summary>Their bytes on the wire.</summary>
    [Id(2)] public long Bytes { get; set; }

    /// <summary>The last event of the priority lane in it, if any.</summary>
    [Id(3)] public AppliedMark? LastPriority { get; set; }

    /// <summary>The last event of the bulk lane in it, if any.</summary>
    [Id(4)] public AppliedMark? LastBulk { get; set; }

    /// <summary>True once the consumer confirmed every event in it.</summary>
    public bool IsConfirmedBy(AppliedMark? priority, AppliedMark? bulk) =>
        !IsAfter(LastPriority, priority) && !IsAfter(LastBulk, bulk);

    /// <summary>Accounts for <paramref name="e"/>, just added to the segment.</summary>
    public void Add(InboundEvent e, int size)
    {
        Count++;
        Bytes += size;
        var mark = new AppliedMark(e.Epoch, e.Sequence, e.Lane);
        if (e.Lane == Lanes.Priority) LastPriority = mark;
        else LastBulk = mark;
    }

    private static bool IsAfter(AppliedMark? last, AppliedMark? confirmed) =>
        last is not null && (confirmed is null || last.Epoch > confirmed.Epoch || (last.Epoch == confirmed.Epoch && last.Sequence > confirmed.Sequence));
}

/// <summary>A run of accepted events, in arrival order; stored on its own, one storage record each.</summary>
[GenerateSerializer]
public sealed class InboxSegment
{
    /// <summary>The events.</summary>
    [Id(0)] public List<InboundEvent> Events { get; set; } = [];

    /// <summary>Their sizes on the wire, index for index.</summary>
    [Id(1)] public List<int> Sizes { get; set; } = [];
}
