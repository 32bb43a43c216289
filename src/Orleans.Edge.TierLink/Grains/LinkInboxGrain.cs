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

    /// <summary>Highest sequence appended for that epoch.</summary>
    [Id(1)] public long Watermark { get; set; }

    /// <summary>Duplicates dropped over the log's life.</summary>
    [Id(2)] public long Duplicates { get; set; }
}

/// <summary>
/// The parent's inbound log for one origin. Senders keep per-origin order, so a watermark is
/// enough to drop every resend; events above it go to the tier's inbound stream, and only then
/// is the batch acked.
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
            return new InboxResult(batch.Events.Count == 0 ? 0 : batch.Events.Max(e => e.Sequence), 0, batch.Events.Count);
        }
        if (batch.Epoch > data.Epoch)
        {
            if (data.Epoch != 0) LogNewEpoch(logger, batch.Origin, data.Epoch, batch.Epoch, data.Watermark);
            data.Epoch = batch.Epoch;
            data.Watermark = 0;
        }

        var stream = this.GetStreamProvider(EdgeNames.StreamProvider)
            .GetStream<InboundEvent>(StreamId.Create(options.Value.InboundNamespace, options.Value.InboundKey));
        int appended = 0, duplicates = 0;
        var now = time.GetUtcNow();
        foreach (var e in batch.Events.OrderBy(e => e.Sequence))
        {
            if (e.Sequence <= data.Watermark)
            {
                duplicates++;
                continue;
            }
            await stream.OnNextAsync(new InboundEvent(batch.Origin, e.Sequence, e.Event, now));
            data.Watermark = e.Sequence;
            appended++;
        }
        data.Duplicates += duplicates;
        await state.WriteStateAsync();
        if (duplicates > 0) LogDuplicates(logger, batch.Origin, duplicates, data.Watermark);
        return new InboxResult(data.Watermark, appended, duplicates);
    }

    public Task<long> GetDuplicatesDropped() => Task.FromResult(state.State.Duplicates);

    [LoggerMessage(Level = LogLevel.Information, Message = "Origin {Origin} restarted its outbox (epoch {Old} → {New}) after sequence {Watermark}")]
    private static partial void LogNewEpoch(ILogger logger, string origin, long old, long @new, long watermark);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Count} duplicate events from {Origin} (watermark {Watermark})")]
    private static partial void LogDuplicates(ILogger logger, string origin, int count, long watermark);
}
