using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.Edge.Cloud;

/// <summary>
/// The fleet as the cloud sees it: regions, stores, last seen, open alerts, availability and
/// applied policy versions, fed by the cloud's inbound stream. Alert revisions are counted once
/// by (store, alert, revision), whatever path or retry brought them.
/// </summary>
[ImplicitStreamSubscription(EdgeStreams.CloudInbound)]
public sealed partial class FleetGrain(
    [PersistentState("fleet", EdgeNames.StateStore)] IPersistentState<FleetData> state,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    IOptions<FleetOptions> options,
    FleetMetrics metrics,
    ILogger<FleetGrain> logger)
    : Grain, IFleetGrain, IStreamSubscriptionObserver
{
    private readonly Queue<string> _resolvedOrder = new();

    private Dictionary<string, FleetStoreEntry> Stores => state.State.Stores;
    private Dictionary<string, Alert> Alerts => state.State.Alerts;
    private Dictionary<string, DateTimeOffset?> RegionSummaries => state.State.RegionSummaries;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Oldest resolution first, as they were queued before the restart: the dictionary's own
        // order is when an alert was raised (or a freed slot), not when it was resolved.
        foreach (var (key, _) in Alerts.Where(a => !a.Value.IsOpen).OrderBy(a => a.Value.ChangedAt).ThenBy(a => a.Key, StringComparer.Ordinal))
            _resolvedOrder.Enqueue(key);
        var period = TimeSpan.FromSeconds(1);
        this.RegisterGrainTimer(Checkpoint, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
        return Task.CompletedTask;
    }

    private InboundProgress? _progress;

    private InboundProgress Progress => _progress ??= new InboundProgress(state.State.Applied);

    /// <summary>Saves the view, then tells each origin's inbound log how far it was applied.</summary>
    private Task Checkpoint() => Progress.CheckpointAsync(() => state.WriteStateAsync(), GrainFactory);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<InboundEvent>();
        await handle.ResumeAsync((e, _) => OnInbound(e));
    }

    public Task<FleetView> GetView()
    {
        var open = Alerts.Values.Where(a => a.IsOpen).OrderBy(a => a.RaisedAt).ToList();
        var stores = Stores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new FleetStoreView(
            s.Key, s.Value.Region, s.Value.LastSeen, open.Count(a => a.StoreId.Value == s.Key),
            s.Value.Availability, s.Value.AppliedPolicyVersion, s.Value.AlertsRaised, s.Value.RejectedPolicyVersion, s.Value.PolicyRejection,
            s.Value.AppliedModelVersion, s.Value.RejectedModelVersion, s.Value.ModelRejection, s.Value.Hardware,
            s.Value.AppliedModelVariant, s.Value.ModelVariantFallback, s.Value.DenyListRejection)).ToList();
        var regions = stores.GroupBy(s => s.RegionId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new FleetRegionView(
            g.Key, g.Count(), g.Sum(s => s.OpenAlerts),
            g.Any(s => s.Availability is not null) ? Math.Round(g.Where(s => s.Availability is not null).Average(s => s.Availability!.Value), 4) : null,
            RegionSummaries.GetValueOrDefault(g.Key))).ToList();
        return Task.FromResult(new FleetView(stores, open, state.State.UniqueRevisions, state.State.DuplicateRevisions, regions));
    }

    public Task<AlertArrivalStats> GetAlertStats() =>
        Task.FromResult(new AlertArrivalStats(state.State.UniqueRaised, state.State.UniqueRevisions, state.State.DuplicateRevisions, state.State.ReplayedForwards,
            state.State.OutOfOrderForwards));

    public Task<IReadOnlyDictionary<string, long>> GetEventsApplied() =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>(state.State.EventsApplied));

    private async Task OnInbound(InboundEvent inbound)
    {
        if (await Progress.ApplyAsync(inbound, () => Apply(inbound)) != InboundOutcome.Applied) state.State.ReplaysSkipped++;
    }

    // All in memory, so it cannot fail half-way; the checkpoint persists it before confirming.
    private Task Apply(InboundEvent inbound)
    {
        var region = inbound.Origin;
        state.State.EventsApplied[region] = state.State.EventsApplied.GetValueOrDefault(region) + 1;
        switch (inbound.Event)
        {
            case AlertEvent { Alert: var alert, Source: var source }:
                OnAlert(region, alert, source);
                break;
            case StoreStateEvent state:
                if (Store(state.StoreId.Value, state.RegionId.Value) is not { } entry) break;
                entry.AppliedPolicyVersion = Math.Max(entry.AppliedPolicyVersion, state.AppliedPolicyVersion);
                if (state.RejectedPolicyVersion > entry.RejectedPolicyVersion)
                    (entry.RejectedPolicyVersion, entry.PolicyRejection) = (state.RejectedPolicyVersion, state.PolicyRejection);
                // Model state is a snapshot (a store may go back to an older model): the latest report wins,
                // and reports of one store arrive in its order (priority lane).
                entry.AppliedModelVersion = state.AppliedModelVersion ?? entry.AppliedModelVersion;
                if (state.AppliedModelVersion is not null) (entry.AppliedModelVariant, entry.ModelVariantFallback) = (state.AppliedModelVariant, state.ModelVariantFallback);
                if (state.RejectedModelVersion is not null) (entry.RejectedModelVersion, entry.ModelRejection) = (state.RejectedModelVersion, state.ModelRejection);
                entry.Hardware = state.Hardware ?? entry.Hardware;
                entry.DenyListRejection = state.DenyListRejection ?? entry.DenyListRejection;
                entry.LastSeen = Later(entry.LastSeen, inbound.ReceivedAt);
                break;
            case RegionSummaryEvent summary:
                RegionSummaries[summary.RegionId.Value] = summary.WindowEnd;
                foreach (var health in summary.Stores)
                {
                    if (Store(health.StoreId.Value, summary.RegionId.Value) is not { } store) continue;
                    store.LastSeen = Later(store.LastSeen, health.LastSeen);
                    store.Availability = health.Availability ?? store.Availability;
                    store.AppliedPolicyVersion = Math.Max(store.AppliedPolicyVersion, health.AppliedPolicyVersion);
                }
                break;
            default:
                LogUnexpected(logger, region, inbound.Event.GetType().Name);
                break;
        }
        return Task.CompletedTask;
    }

    private void OnAlert(string region, Alert alert, AppliedMark? source)
    {
        if (Store(alert.StoreId.Value, region) is not { } store) return;
        if (source is not null)
        {
            // Regions forward in their stores' order, so anything not after the last one applied
            // is a forward repeated after a region crash.
            if (store.LastAlertSource is { } last && (source.Epoch < last.Epoch || (source.Epoch == last.Epoch && source.Sequence <= last.Sequence)))
            {
                // Seen before: a replay. Not seen (a newer revision, or an unknown alert): the store's order broke.
                var seen = Alerts.TryGetValue($"{alert.StoreId}/{alert.AlertId}", out var had) && had.Revision >= alert.Revision;
                if (seen) state.State.ReplayedForwards++;
                else
                {
                    state.State.OutOfOrderForwards++;
                    LogOutOfOrder(logger, alert.StoreId.Value, alert.AlertId, source.Sequence, last.Sequence);
                }
                return;
            }
            store.LastAlertSource = source;
        }
        var key = $"{alert.StoreId}/{alert.AlertId}";
        if (Alerts.TryGetValue(key, out var known) && known.Revision >= alert.Revision)
        {
            state.State.DuplicateRevisions++;
            return;
        }
        Alerts[key] = alert;
        state.State.UniqueRevisions++;
        if (!alert.IsOpen)
        {
            // Resolved alerts are kept a while for deduplication, then forgotten, so the state stays bounded.
            _resolvedOrder.Enqueue(key);
            while (_resolvedOrder.Count > options.Value.ResolvedAlertsKept && _resolvedOrder.TryDequeue(out var old))
                if (Alerts.TryGetValue(old, out var a) && !a.IsOpen) Alerts.Remove(old);
        }
        store.LastSeen = Later(store.LastSeen, alert.ChangedAt);
        if (alert.Revision == 1 || known is null)
        {
            state.State.UniqueRaised++;
            store.AlertsRaised++;
            var latency = (time.GetUtcNow() - alert.TriggeredAt).TotalMilliseconds;
            metrics.OnAlertArrived(region, latency);
            LogAlert(logger, alert.StoreId.Value, alert.ShelfId.Value, alert.Type, latency);
        }
    }

    /// <summary>The store's entry, made on first sight; null (and counted) when <paramref name="region"/> speaks for another region's store.</summary>
    private FleetStoreEntry? Store(string store, string region)
    {
        if (!Stores.TryGetValue(store, out var entry)) Stores[store] = entry = new FleetStoreEntry { Region = region };
        if (entry.Region == region) return entry;
        state.State.ForeignStoreClaims++;
        if (_foreignLogged.Count < 1000 && _foreignLogged.Add((region, store))) LogForeignClaim(logger, region, store, entry.Region);
        return null;
    }

    private readonly HashSet<(string Region, string Store)> _foreignLogged = [];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} spoke for store {Store}, which belongs to region {Owner}; ignored (logged once per region and store)")]
    private static partial void LogForeignClaim(ILogger logger, string region, string store, string owner);

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cloud got {Type} alert from store {Store} shelf {Shelf}, {LatencyMs:F1} ms after its reading")]
    private static partial void LogAlert(ILogger logger, string store, string shelf, AlertType type, double latencyMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Store {Store} alert {AlertId} arrived out of order: store sequence {Sequence} after {Last}")]
    private static partial void LogOutOfOrder(ILogger logger, string store, string alertId, long sequence, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cloud got an unexpected {EventType} from {Origin}; ignored")]
    private static partial void LogUnexpected(ILogger logger, string origin, string eventType);
}
