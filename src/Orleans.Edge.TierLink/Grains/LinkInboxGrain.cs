using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Runtime;

namespace Orleans.Edge.TierLink.Grains;

/// <summary>What the inbound log keeps per origin: a watermark, not a set of seen ids.</summary>
[GenerateSerializer]
public sealed class LinkInboxData
{
    /// <summary>Outbox epoch of the origin the watermark belongs to.</summary>
    [Id(0)] public long Epoch { get; set; }

    /// <summary>Highest sequence of the priority lane appended for that epoch.</summary>
    [Id(1)] public long Watermark { get; set; }

    /// <summary>Duplicates dropped over the log's life.</summary>
    [Id(2)] public long Duplicates { get; set; }

    /// <summary>Accepted (and acked) events the consumer has not yet confirmed as durably applied.</summary>
    [Id(3)] public List<InboundEvent> Pending { get; set; } = [];

    /// <summary>True once the origin is in the inbox directory.</summary>
    [Id(4)] public bool Registered { get; set; }

    /// <summary>Distinct events accepted over the log's life.</summary>
    [Id(5)] public long Accepted { get; set; }

    /// <summary>Highest sequence of the bulk lane appended for that epoch.</summary>
    [Id(6)] public long BulkWatermark { get; set; }

    public long WatermarkOf(int lane) => lane == Lanes.Priority ? Watermark : BulkWatermark;

    public void SetWatermark(int lane, long value)
    {
        if (lane == Lanes.Priority) Watermark = value;
        else BulkWatermark = value;
    }
}

/// <summary>
/// The parent's inbound log for one origin. Senders keep order within each lane of an origin, so
/// a watermark per lane is enough to drop every resend. New events are written to the log (this grain's state) before
/// the batch is acked, then published to the tier's inbound stream; they stay in the log until
/// the consumer confirms it has durably applied them, and are published again after a restart.
/// </summary>
public sealed partial class LinkInboxGrain(
    [PersistentState("link-inbox", EdgeNames.StateStore)] IPersistentState<LinkInboxData> state,
    IOptions<TierLinkServerOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    ILogger<LinkInboxGrain> logger) : Grain, ILinkInboxGrain
{
    public async Task<InboxResult> Append(SequencedBatch batch)
    {
        var data = state.State;
        if (batch.Epoch < data.Epoch)
        {
            // A batch from an outbox incarnation that has since been replaced: everything in it was
            // either delivered before or superseded. Ack it so the stale sender stops.
            data.Duplicates += batch.Events.Count;
            await state.WriteStateAsync();
            long Highest(int lane) => batch.Events.Where(e => e.Event.Class.LaneOf() == lane).Select(e => e.Sequence).DefaultIfEmpty(0).Max();
            return new InboxResult(Highest(Lanes.Priority), 0, batch.Events.Count, Highest(Lanes.Bulk));
        }
        if (batch.Epoch > data.Epoch)
        {
            if (data.Epoch != 0) LogNewEpoch(logger, batch.Origin, data.Epoch, batch.Epoch, data.Watermark);
            data.Epoch = batch.Epoch;
            data.Watermark = 0;
            data.BulkWatermark = 0;
        }

        int duplicates = 0;
        var now = time.GetUtcNow();
        var fresh = new List<InboundEvent>();
        foreach (var e in batch.Events.OrderBy(e => e.Event.Class.LaneOf()).ThenBy(e => e.Sequence))
        {
            var lane = e.Event.Class.LaneOf();
            if (e.Sequence <= data.WatermarkOf(lane))
            {
                duplicates++;
                continue;
            }
            fresh.Add(new InboundEvent(batch.Origin, e.Sequence, e.Event, now, batch.Epoch));
            data.SetWatermark(lane, e.Sequence);
        }
        if (!data.Registered)
        {
            await GrainFactory.GetGrain<IInboxDirectoryGrain>(options.Value.InboundKey).Add(batch.Origin);
            data.Registered = true;
        }
        data.Pending.AddRange(fresh);
        data.Accepted += fresh.Count;
        data.Duplicates += duplicates;
        await state.WriteStateAsync();   // durable before the ack
        await Publish(fresh);
        var appended = fresh.Count;
        if (duplicates > 0) LogDuplicates(logger, batch.Origin, duplicates, data.Watermark);
        return new InboxResult(data.Watermark, appended, duplicates, data.BulkWatermark);
    }

    public Task<long> GetDuplicatesDropped() => Task.FromResult(state.State.Duplicates);

    public async Task Confirm(AppliedMark applied)
    {
        if (state.State.Pending.RemoveAll(e => e.Lane == applied.Lane && !e.IsAfter(applied)) > 0) await state.WriteStateAsync();
    }

    public async Task<int> Replay()
    {
        await Publish(state.State.Pending);
        return state.State.Pending.Count;
    }

    public Task<int> GetPendingCount() => Task.FromResult(state.State.Pending.Count);

    public Task<long> GetAccepted() => Task.FromResult(state.State.Accepted);

    private async Task Publish(List<InboundEvent> events)
    {
        if (events.Count == 0) return;
        var stream = this.GetStreamProvider(EdgeNames.StreamProvider)
            .GetStream<InboundEvent>(StreamId.Create(options.Value.InboundNamespace, options.Value.InboundKey));
        foreach (var e in events) await stream.OnNextAsync(e);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Origin {Origin} restarted its outbox (epoch {Old} → {New}) after sequence {Watermark}")]
    private static partial void LogNewEpoch(ILogger logger, string origin, long old, long @new, long watermark);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Count} duplicate events from {Origin} (watermark {Watermark})")]
    private static partial void LogDuplicates(ILogger logger, string origin, int count, long watermark);
}
