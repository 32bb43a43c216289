using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
public sealed partial class FleetGrain([FromKeyedServices(EdgeNames.Clock)] TimeProvider time, ILogger<FleetGrain> logger)
    : Grain, IFleetGrain, IStreamSubscriptionObserver
{
    private const int LatencySamples = 100_000;
    private readonly Dictionary<string, StoreEntry> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);
    private readonly List<double> _latencies = [];
    private readonly Dictionary<string, DateTimeOffset?> _regionSummaries = new(StringComparer.Ordinal);
    private long _uniqueRaised;
    private long _uniqueRevisions;
    private long _duplicateRevisions;

    private sealed class StoreEntry(string region)
    {
        public string Region = region;
        public DateTimeOffset? LastSeen;
        public int OpenAlerts;
        public double? Availability;
        public long AppliedPolicyVersion;
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<InboundEvent>();
        await handle.ResumeAsync((e, _) => OnInbound(e));
    }

    public Task<FleetView> GetView()
    {
        var open = _alerts.Values.Where(a => a.IsOpen).OrderBy(a => a.RaisedAt).ToList();
        var stores = _stores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new FleetStoreView(
            s.Key, s.Value.Region, s.Value.LastSeen, open.Count(a => a.StoreId.Value == s.Key),
            s.Value.Availability, s.Value.AppliedPolicyVersion)).ToList();
        var regions = stores.GroupBy(s => s.RegionId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new FleetRegionView(
            g.Key, g.Count(), g.Sum(s => s.OpenAlerts),
            g.Any(s => s.Availability is not null) ? Math.Round(g.Where(s => s.Availability is not null).Average(s => s.Availability!.Value), 4) : null,
            _regionSummaries.GetValueOrDefault(g.Key))).ToList();
        return Task.FromResult(new FleetView(stores, open, _uniqueRevisions, _duplicateRevisions, regions));
    }

    public Task<AlertArrivalStats> GetAlertStats() =>
        Task.FromResult(new AlertArrivalStats(_uniqueRaised, _uniqueRevisions, _duplicateRevisions, [.. _latencies]));

    private Task OnInbound(InboundEvent inbound)
    {
        var region = inbound.Origin;
        switch (inbound.Event)
        {
            case AlertEvent { Alert: var alert }:
                OnAlert(region, alert);
                break;
            case StoreStateEvent state:
                var entry = Store(state.StoreId.Value, state.RegionId.Value);
                entry.AppliedPolicyVersion = Math.Max(entry.AppliedPolicyVersion, state.AppliedPolicyVersion);
                entry.LastSeen = Later(entry.LastSeen, inbound.ReceivedAt);
                break;
            case RegionSummaryEvent summary:
                _regionSummaries[summary.RegionId.Value] = summary.WindowEnd;
                foreach (var health in summary.Stores)
                {
                    var store = Store(health.StoreId.Value, summary.RegionId.Value);
                    store.LastSeen = Later(store.LastSeen, health.LastSeen);
                    store.OpenAlerts = health.OpenAlerts;
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

    private void OnAlert(string region, Alert alert)
    {
        var key = $"{alert.StoreId}/{alert.AlertId}";
        if (_alerts.TryGetValue(key, out var known) && known.Revision >= alert.Revision)
        {
            _duplicateRevisions++;
            return;
        }
        _alerts[key] = alert;
        _uniqueRevisions++;
        var store = Store(alert.StoreId.Value, region);
        store.LastSeen = Later(store.LastSeen, alert.ChangedAt);
        if (alert.Revision == 1 || known is null)
        {
            _uniqueRaised++;
            var latency = (time.GetUtcNow() - alert.TriggeredAt).TotalMilliseconds;
            if (_latencies.Count < LatencySamples) _latencies.Add(latency);
            LogAlert(logger, alert.StoreId.Value, alert.ShelfId.Value, alert.Type, latency);
        }
    }

    private StoreEntry Store(string store, string region)
    {
        if (!_stores.TryGetValue(store, out var entry)) _stores[store] = entry = new StoreEntry(region);
        entry.Region = region;
        return entry;
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cloud got {Type} alert from store {Store} shelf {Shelf}, {LatencyMs:F1} ms after its reading")]
    private static partial void LogAlert(ILogger logger, string store, string shelf, AlertType type, double latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cloud got an unexpected {EventType} from {Origin}; ignored")]
    private static partial void LogUnexpected(ILogger logger, string origin, string eventType);
}
