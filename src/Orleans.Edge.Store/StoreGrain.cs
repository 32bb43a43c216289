using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store;

/// <summary>What the store grain persists: its layout, its open alerts and how many it raised.</summary>
[GenerateSerializer]
public sealed class StoreData
{
    /// <summary>Provisioned shelves by id.</summary>
    [Id(0)] public Dictionary<string, ShelfSetup> Shelves { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Open alerts by id.</summary>
    [Id(1)] public Dictionary<string, Alert> OpenAlerts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Alerts raised over the store's life (restarts included).</summary>
    [Id(2)] public long AlertsRaised { get; set; }

    /// <summary>Number of the latest alert change; grows by one per change, restarts included.</summary>
    [Id(3)] public long AlertChanges { get; set; }

    /// <summary>The latest alert changes, oldest first, at most <see cref="StoreOptions.AlertJournalLength"/>.</summary>
    [Id(4)] public List<AlertChange> AlertJournal { get; set; } = [];
}

/// <summary>The store: provisions shelves and sensors, indexes alerts and tells store apps about them.</summary>
public sealed partial class StoreGrain(
    [PersistentState("store", EdgeNames.StateStore)] IPersistentState<StoreData> state,
    EdgeIdentity identity,
    IOptions<StoreOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    StoreCounters counters,
    ILogger<StoreGrain> logger) : Grain, IStoreGrain
{
    private static readonly TimeSpan ObserverLease = TimeSpan.FromMinutes(2);
    private readonly Dictionary<IAlertObserver, DateTimeOffset> _observers = [];

    public async Task<IReadOnlyList<string>> ProvisionShelf(ShelfSetup setup)
    {
        var problems = Problems(setup);
        if (problems.Count > 0) return problems;
        foreach (var sensor in setup.Sensors)
        {
            if (state.State.Shelves.Values.FirstOrDefault(s => s.ShelfId != setup.ShelfId && s.Sensors.Any(x => x.SensorId == sensor.SensorId)) is { } other)
                return [$"sensor '{sensor.SensorId}' is already installed on shelf '{other.ShelfId}'"];
        }
        state.State.Shelves[setup.ShelfId.Value] = setup;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IShelfGrain>(setup.ShelfId.Value).Configure(setup);
        await Task.WhenAll(setup.Sensors.Select(s => GrainFactory.GetGrain<ISensorGrain>(s.SensorId.Value).Configure(s)));
        LogProvisioned(logger, identity.RequireStore(), setup.ShelfId.Value, setup.Planogram.Sku, setup.Sensors.Count);
        return [];
    }

    public Task<IReadOnlyList<ShelfSetup>> GetShelves() =>
        Task.FromResult<IReadOnlyList<ShelfSetup>>([.. state.State.Shelves.Values.OrderBy(s => s.ShelfId.Value, StringComparer.Ordinal)]);

    public async Task OnAlertChanged(Alert alert)
    {
        // Counted once per alert id: a shelf that crashed before saving its alert raises the same one again.
        if (alert.State == AlertState.Raised && alert.Revision == 1 && !state.State.OpenAlerts.ContainsKey(alert.AlertId))
        {
            state.State.AlertsRaised++;
            counters.OnAlertRaised(alert.Type, (alert.RaisedAt - alert.TriggeredAt).TotalMilliseconds);
        }
        if (alert.IsOpen)
        {
            state.State.OpenAlerts[alert.AlertId] = alert;
        }
        else
        {
            state.State.OpenAlerts.Remove(alert.AlertId);
        }
        Notify(Journal(alert));
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The count and index in memory are ahead of storage: start over from storage (the
            // shelf publishes the change again, since it failed).
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<IReadOnlyList<Alert>> GetOpenAlerts() =>
        Task.FromResult<IReadOnlyList<Alert>>([.. state.State.OpenAlerts.Values.OrderBy(a => a.RaisedAt)]);

    public Task<AlertFeed> Watch(IAlertObserver observer, long afterChange)
    {
        _observers[observer] = time.GetUtcNow() + ObserverLease;
        var latest = state.State.AlertChanges;
        var journal = state.State.AlertJournal;
        if (afterChange < 0 || afterChange == latest) return Task.FromResult(new AlertFeed([], latest, false, []));
        // Past the latest means the store's history was reset; before the journal's start, trimmed.
        var reaches = afterChange < latest && journal.Count > 0 && journal[0].Number <= afterChange + 1;
        return Task.FromResult(reaches
            ? new AlertFeed([.. journal.Where(c => c.Number > afterChange)], latest, false, [])
            : new AlertFeed([], latest, true, [.. state.State.OpenAlerts.Values.OrderBy(a => a.RaisedAt)]));
    }

    public Task Unsubscribe(IAlertObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task<StoreAlertStats> GetAlertStats() => Task.FromResult(new StoreAlertStats(state.State.AlertsRaised));

    /// <summary>Numbers the change and keeps it in the bounded journal that watches resume from.</summary>
    private AlertChange Journal(Alert alert)
    {
        var change = new AlertChange(++state.State.AlertChanges, alert);
        var journal = state.State.AlertJournal;
        journal.Add(change);
        var excess = journal.Count - options.Value.AlertJournalLength;
        if (excess > 0) journal.RemoveRange(0, excess);
        return change;
    }

    private void Notify(AlertChange change)
    {
        var now = time.GetUtcNow();
        foreach (var (observer, expires) in _observers.ToList())
        {
            if (expires < now) { _observers.Remove(observer); continue; }
            try
            {
                observer.OnAlertChange(change);
            }
            catch (Exception ex)
            {
                // A dead observer must not stop the store; it drops out when its lease ends.
                LogObserverFailed(logger, identity.RequireStore(), ex);
            }
        }
    }

    private static List<string> Problems(ShelfSetup setup)
    {
        var problems = new List<string>();
        if (EdgeId.Problem(setup.ShelfId.Value, "shelf id") is { } p) problems.Add(p);
        problems.AddRange(setup.Planogram.Problems());
        if (setup.Sensors.Count == 0) problems.Add($"shelf '{setup.ShelfId}' has no sensors");
        foreach (var sensor in setup.Sensors)
        {
            if (EdgeId.Problem(sensor.SensorId.Value, "sensor id") is { } sp) problems.Add(sp);
            if (sensor.ShelfId != setup.ShelfId) problems.Add($"sensor '{sensor.SensorId}' names shelf '{sensor.ShelfId}', not '{setup.ShelfId}'");
            if (!double.IsFinite(sensor.MaxValue) || sensor.MaxValue <= 0) problems.Add($"sensor '{sensor.SensorId}' needs a positive range, got {sensor.MaxValue}");
            if (sensor.Kind == SensorKind.Camera && sensor.MaxValue > 1) problems.Add($"camera '{sensor.SensorId}' reports occupancy 0..1; its range cannot exceed 1");
        }
        if (setup.Sensors.Select(s => s.SensorId).Distinct().Count() != setup.Sensors.Count) problems.Add("a sensor is listed twice");
        return problems;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} provisioned shelf {Shelf} ({Sku}) with {Sensors} sensors")]
    private static partial void LogProvisioned(ILogger logger, string store, string shelf, string sku, int sensors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} could not notify an alert observer")]
    private static partial void LogObserverFailed(ILogger logger, string store, Exception ex);
}
