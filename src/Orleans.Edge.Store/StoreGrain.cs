using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store;

/// <summary>What the store grain persists: its open alerts and how many it raised.</summary>
[GenerateSerializer]
public sealed class StoreData
{
    /// <summary>
    /// Provisioned shelves of stores saved before the layout moved to <see cref="StoreLayout"/>;
    /// moved there on activation and empty afterwards. Kept so such state still reads.
    /// </summary>
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

/// <summary>
/// The store's layout, persisted apart from <see cref="StoreData"/>: every alert change rewrites
/// StoreData, and with thousands of shelves in it each such write (and each provisioning) cost
/// in proportion to the store's size. The layout is written once per provisioning batch only.
/// </summary>
[GenerateSerializer]
public sealed class StoreLayout
{
    /// <summary>Provisioned shelves by id.</summary>
    [Id(0)] public Dictionary<string, ShelfSetup> Shelves { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The store: provisions shelves and sensors, indexes alerts and tells store apps about them.</summary>
public sealed partial class StoreGrain(
    [PersistentState("store", EdgeNames.StateStore)] IPersistentState<StoreData> state,
    [PersistentState("store-layout", EdgeNames.StateStore)] IPersistentState<StoreLayout> layout,
    EdgeIdentity identity,
    IOptions<StoreOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    StoreCounters counters,
    ILogger<StoreGrain> logger) : Grain, IStoreGrain
{
    private static readonly TimeSpan ObserverLease = TimeSpan.FromMinutes(2);
    private readonly Dictionary<IAlertObserver, DateTimeOffset> _observers = [];

    /// <summary>Which shelf each installed sensor is on; rebuilt from the layout on activation.</summary>
    private readonly Dictionary<string, string> _sensorShelf = new(StringComparer.Ordinal);

    /// <summary>
    /// Number of the latest alert change known to be saved. Watchers hear of changes up to it only:
    /// a change sent out before it was saved and then lost with the silo would give its number to
    /// the next change, and a watch resuming after that number would skip the new one.
    /// </summary>
    private long _saved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _saved = state.State.AlertChanges;
        if (state.State.Shelves.Count > 0)
        {
            // Saved before the layout had its own state: move it there, layout first so a crash
            // in between loses nothing.
            foreach (var (id, setup) in state.State.Shelves) layout.State.Shelves.TryAdd(id, setup);
            await layout.WriteStateAsync(cancellationToken);
            state.State.Shelves = new(StringComparer.Ordinal);
            await state.WriteStateAsync(cancellationToken);
        }
        foreach (var setup in layout.State.Shelves.Values)
        {
            foreach (var sensor in setup.Sensors) _sensorShelf[sensor.SensorId.Value] = setup.ShelfId.Value;
        }
    }

    public Task<IReadOnlyList<string>> ProvisionShelf(ShelfSetup setup) => Provision([setup], single: true);

    public Task<IReadOnlyList<string>> ProvisionShelves(IReadOnlyList<ShelfSetup> setups) => Provision(setups, single: false);

    private async Task<IReadOnlyList<string>> Provision(IReadOnlyList<ShelfSetup> setups, bool single)
    {
        if (setups is null || setups.Count == 0) return ["no shelves to provision"];
        var problems = Check(setups, single);
        if (problems.Count > 0) return problems;

        var store = identity.RequireStore();
        var shelves = layout.State.Shelves;
        var previous = new Dictionary<string, ShelfSetup?>(StringComparer.Ordinal);
        foreach (var setup in setups)
        {
            previous[setup.ShelfId.Value] = shelves.GetValueOrDefault(setup.ShelfId.Value);
            shelves[setup.ShelfId.Value] = setup;
        }
        try
        {
            await layout.WriteStateAsync();
        }
        catch
        {
            foreach (var (id, old) in previous)
            {
                if (old is null) shelves.Remove(id); else shelves[id] = old;
            }
            throw;
        }
        foreach (var old in previous.Values)
        {
            if (old is null) continue;
            foreach (var sensor in old.Sensors) _sensorShelf.Remove(sensor.SensorId.Value);
        }
        foreach (var setup in setups)
        {
            foreach (var sensor in setup.Sensors) _sensorShelf[sensor.SensorId.Value] = setup.ShelfId.Value;
        }

        // One write registers the whole batch for policy updates, instead of one per shelf.
        await GrainFactory.GetGrain<IStoreConfigGrain>(store).RegisterShelves([.. setups.Select(s => s.ShelfId)]);
        await Task.WhenAll(setups.Select(Configure));
        if (single)
            LogProvisioned(logger, store, setups[0].ShelfId.Value, setups[0].Planogram.Sku, setups[0].Sensors.Count);
        else
            LogProvisionedBatch(logger, store, setups.Count, setups.Sum(s => s.Sensors.Count), shelves.Count);
        return [];
    }

    private async Task Configure(ShelfSetup setup)
    {
        await GrainFactory.GetGrain<IShelfGrain>(setup.ShelfId.Value).Configure(setup);
        await Task.WhenAll(setup.Sensors.Select(s => GrainFactory.GetGrain<ISensorGrain>(s.SensorId.Value).Configure(s)));
    }

    /// <summary>
    /// Every problem with the batch, each naming its shelf when the batch has more than one.
    /// Costs in proportion to the batch, not the store: sensors are looked up in the index.
    /// </summary>
    private List<string> Check(IReadOnlyList<ShelfSetup> setups, bool single)
    {
        var problems = new List<string>();
        var shelvesInBatch = new HashSet<string>(StringComparer.Ordinal);
        var sensorsInBatch = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setup in setups) if (setup?.ShelfId.Value is { } id) shelvesInBatch.Add(id);
        var seenShelves = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < setups.Count; i++)
        {
            var setup = setups[i];
            if (setup is null || setup.Planogram is null || setup.Sensors is null)
            {
                problems.Add($"shelf #{i + 1}: the set-up, its planogram or its sensor list is missing");
                continue;
            }
            var shelf = setup.ShelfId.Value;
            var prefix = single ? "" : $"shelf '{shelf}': ";
            problems.AddRange(Problems(setup).Select(p => prefix + p));
            if (!seenShelves.Add(shelf ?? "")) problems.Add($"{prefix}shelf '{shelf}' is listed twice");
            foreach (var sensor in setup.Sensors)
            {
                var id = sensor.SensorId.Value;
                if (id is null) continue;
                if (sensorsInBatch.TryGetValue(id, out var first) && first != shelf)
                    problems.Add($"{prefix}sensor '{id}' is also listed for shelf '{first}'");
                else
                    sensorsInBatch.TryAdd(id, shelf ?? "");
                // A sensor of a shelf set up anew in this batch is free unless the batch lists it again.
                if (_sensorShelf.TryGetValue(id, out var owner) && owner != shelf && !shelvesInBatch.Contains(owner))
                    problems.Add($"{prefix}sensor '{id}' is already installed on shelf '{owner}'");
            }
        }
        return problems;
    }

    public Task<IReadOnlyList<ShelfSetup>> GetShelves() =>
        Task.FromResult<IReadOnlyList<ShelfSetup>>([.. layout.State.Shelves.Values.OrderBy(s => s.ShelfId.Value, StringComparer.Ordinal)]);

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
        // This write saves every change numbered up to here (an interleaved call may save more).
        var upTo = Journal(alert).Number;
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
        NotifySaved(upTo);
    }

    public Task<bool> HasSavedAlertRevision(string alertId, int revision)
    {
        // Open alerts in memory may be ahead of storage while a write is pending: only a later
        // revision there proves this one was saved; the journal says so up to the last saved change.
        if (state.State.OpenAlerts.TryGetValue(alertId, out var open) && open.Revision > revision) return Task.FromResult(true);
        var saved = _saved;
        return Task.FromResult(state.State.AlertJournal.Exists(c => c.Number <= saved && c.Alert.AlertId == alertId && c.Alert.Revision >= revision));
    }

    public Task<IReadOnlyList<Alert>> GetOpenAlerts() =>
        Task.FromResult<IReadOnlyList<Alert>>([.. state.State.OpenAlerts.Values.OrderBy(a => a.RaisedAt)]);

    public Task<AlertFeed> Watch(IAlertObserver observer, long afterChange)
    {
        _observers[observer] = time.GetUtcNow() + ObserverLease;
        var latest = _saved;
        var journal = state.State.AlertJournal;
        if (afterChange < 0 || afterChange == latest) return Task.FromResult(new AlertFeed([], latest, false, []));
        // Past the latest means the store's history was reset; before the journal's start, trimmed.
        var reaches = afterChange < latest && journal.Count > 0 && journal[0].Number <= afterChange + 1;
        return Task.FromResult(reaches
            ? new AlertFeed([.. journal.Where(c => c.Number > afterChange && c.Number <= latest)], latest, false, [])
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

    /// <summary>Tells the watchers of the changes saved up to <paramref name="upTo"/> that they have not heard of yet, in order.</summary>
    private void NotifySaved(long upTo)
    {
        if (upTo <= _saved) return;
        var after = _saved;
        _saved = upTo;
        foreach (var change in state.State.AlertJournal)
        {
            if (change.Number > after && change.Number <= upTo) Notify(change);
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} provisioned {Shelves} shelves with {Sensors} sensors; it has {Total} shelves")]
    private static partial void LogProvisionedBatch(ILogger logger, string store, int shelves, int sensors, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} could not notify an alert observer")]
    private static partial void LogObserverFailed(ILogger logger, string store, Exception ex);
}
