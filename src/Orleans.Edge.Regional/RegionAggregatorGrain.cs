using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.Edge.Regional;

/// <summary>
/// The region's view of its stores, fed by the region's inbound stream (what the tier link
/// accepted). Alerts and reported state go on to the cloud at once; a regional summary per window.
/// Every second it checkpoints its state, then confirms to each origin's inbound log how far it
/// applied, so the log can forget; events replayed after a restart below that point are dropped.
/// </summary>
[ImplicitStreamSubscription(EdgeStreams.RegionInbound)]
public sealed partial class RegionAggregatorGrain(
    [PersistentState("region-aggregator", EdgeNames.StateStore)] IPersistentState<RegionAggregatorData> state,
    EdgeIdentity identity,
    IOptions<RegionOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    ILogger<RegionAggregatorGrain> logger) : Grain, IRegionAggregatorGrain, IStreamSubscriptionObserver
{
    private Dictionary<string, RegionStoreEntry> Stores => state.State.Stores;
    private IAsyncStream<UpEvent>? _uplink;
    private DateTimeOffset _windowStart;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _uplink = this.GetStreamProvider(EdgeNames.UplinkProvider)
            .GetStream<UpEvent>(StreamId.Create(EdgeStreams.Uplink, identity.RequireRegion()));
        _windowStart = time.GetUtcNow();
        var period = TimeSpan.FromSeconds(1);
        this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<InboundEvent>();
        await handle.ResumeAsync((e, _) => OnInbound(e));
    }

    public Task<IReadOnlyList<RegionStoreView>> GetStores() => Task.FromResult<IReadOnlyList<RegionStoreView>>(
        [.. Stores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new RegionStoreView(
            s.Key, s.Value.LastSeen, [.. s.Value.OpenAlerts.Values], s.Value.Availability, s.Value.AppliedPolicyVersion, s.Value.Events))]);

    public async Task Tick()
    {
        await Checkpoint();
        var now = time.GetUtcNow();
        if (now - _windowStart < options.Value.SummaryWindow || Stores.Count == 0) return;
        var health = Stores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new StoreHealth(
            new StoreId(s.Key), s.Value.LastSeen, s.Value.OpenAlerts.Count, s.Value.Availability, s.Value.AppliedPolicyVersion)).ToList();
        await _uplink!.OnNextAsync(new RegionSummaryEvent(new RegionId(identity.RequireRegion()), _windowStart, now, health));
        _windowStart = now;
    }

    private InboundProgress? _progress;

    private InboundProgress Progress => _progress ??= new InboundProgress(state.State.Applied);

    /// <summary>Saves the view, then tells each store's inbound log how far it was applied.</summary>
    private Task Checkpoint() => Progress.CheckpointAsync(() => state.WriteStateAsync(), GrainFactory);

    private async Task OnInbound(InboundEvent inbound)
    {
        switch (await Progress.ApplyAsync(inbound, () => Apply(inbound)))
        {
            case InboundOutcome.Replay:
                state.State.DuplicatesSkipped++;
                break;
            case InboundOutcome.Deferred:
                state.State.Deferred++;
                break;
        }
    }

    /// <summary>
    /// Forwards first, then updates the view: if the forward fails (the outbox write, say), nothing
    /// changed here, the event is not marked applied, and it is applied when it comes again.
    /// </summary>
    private async Task Apply(InboundEvent inbound)
    {
        switch (inbound.Event)
        {
            case AlertEvent e:
                await _uplink!.OnNextAsync(e with { Source = new AppliedMark(inbound.Epoch, inbound.Sequence) });
                break;
            case StoreStateEvent storeState:
                await _uplink!.OnNextAsync(storeState);
                break;
        }
        if (!Stores.TryGetValue(inbound.Origin, out var store))
        {
            Stores[inbound.Origin] = store = new RegionStoreEntry();
            LogStoreJoined(logger, identity.RequireRegion(), inbound.Origin);
        }
        store.LastSeen = inbound.ReceivedAt;
        store.Events++;
        switch (inbound.Event)
        {
            case AlertEvent { Alert: var alert }:
                if (alert.IsOpen) store.OpenAlerts[alert.AlertId] = alert;
                else store.OpenAlerts.Remove(alert.AlertId);
                break;
            case ShelfSummaryEvent { Summary: var summary }:
                store.ShelfAvailability[summary.ShelfId.Value] = summary.Availability;
                break;
            case StoreStateEvent storeState:
                store.AppliedPolicyVersion = storeState.AppliedPolicyVersion;
                break;
            default:
                LogUnexpected(logger, identity.RequireRegion(), inbound.Origin, inbound.Event.GetType().Name);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Region {Region} hears from store {Store} for the first time")]
    private static partial void LogStoreJoined(ILogger logger, string region, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} got an unexpected {EventType} from {Origin}; ignored")]
    private static partial void LogUnexpected(ILogger logger, string region, string origin, string eventType);
}
