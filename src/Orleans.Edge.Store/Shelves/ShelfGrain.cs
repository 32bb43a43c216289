using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.Edge.Store.Shelves;

/// <summary>
/// One shelf: turns validated readings into a unit estimate, raises and clears alerts with
/// hysteresis, and closes summary windows. Alerts go up at once; summaries once per window.
/// </summary>
public sealed partial class ShelfGrain(
    [PersistentState("shelf", EdgeNames.StateStore)] IPersistentState<ShelfData> state,
    EdgeIdentity identity,
    IOptions<StoreOptions> options,
    IOptions<InferenceOptions> inference,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    StoreCounters counters,
    ModelHost models,
    ILogger<ShelfGrain> logger) : Grain, IShelfGrain
{
    private readonly StoreOptions _options = options.Value;
    private readonly string _storeId = identity.RequireStore();
    private double? _grams;
    private DateTimeOffset? _weightAt;
    private double? _occupancy;
    private DateTimeOffset? _occupancyAt;
    private DateTimeOffset? _lastReadingAt;
    private SummaryWindow? _window;
    private IAsyncStream<UpEvent>? _uplink;
    private IGrainTimer? _timer;
    private int _mismatchStreak;
    private VisionEstimate? _vision;
    // Which slots have shown a foreign design, and for how many frames in a row; what to say once one persisted.
    private readonly WrongSkuTracker _wrongSkus = new();
    private string? _wrongSku;
    // The first unpublished change is in the outbox already; only the store's index is yet to hear of it.
    private bool _headUplinked;
    // Storage still lists changes this activation has published: the next write (or a tick) clears them.
    private bool _publishedUnsaved;
    // How many of the unpublished changes came from storage: an earlier activation may have sent
    // them up already (its last write failed, or it crashed after publishing), so ask the store first.
    private int _restored;

    private ShelfId Id => new(this.GetPrimaryKeyString());
    private StoreId Store => new(_storeId);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Setup is not null) Start();
        // A previous activation saved these but crashed, or failed a write, before it recorded them all as published.
        _restored = state.State.Unpublished.Count;
        if (_restored > 0) await TryPublishSaved();
    }

    public async Task Configure(ShelfSetup setup)
    {
        var previous = state.State.Setup;
        state.State.Setup = setup;
        if (previous is null || previous.Planogram.TareGrams != setup.Planogram.TareGrams)
            state.State.TareGrams = setup.Planogram.TareGrams;
        state.State.Policy = await GrainFactory.GetGrain<IStoreConfigGrain>(_storeId).GetEffectivePolicy(Id);
        await state.WriteStateAsync();
        Start();
    }

    public Task OnWeight(SensorId sensor, double grams, DateTimeOffset timestamp)
    {
        _grams = grams;
        _weightAt = timestamp;
        return OnReading(timestamp, fromCamera: false);
    }

    public Task OnOccupancy(SensorId sensor, double occupancy, DateTimeOffset timestamp)
    {
        _occupancy = occupancy;
        _occupancyAt = timestamp;
        _wrongSkus.Reset();
        _wrongSku = null;
        return OnReading(timestamp, fromCamera: true);
    }

    public Task OnVision(SensorId camera, VisionEstimate estimate)
    {
        if (state.State.Setup is not { } setup) return Task.CompletedTask;
        _vision = estimate;
        _occupancy = VisionUnits.Fraction(estimate.Slots);
        _occupancyAt = estimate.CapturedAt;
        var o = inference.Value;
        _wrongSku = _wrongSkus.Observe(estimate.Slots, setup.Planogram.Sku, o.WrongSkuConfidence, o.WrongSkuFrames);
        if (_wrongSku is not null && !DesignTrust.Trusted(models.CurrentManifest, _storeId, o.MinDesignAccuracy))
        {
            // Not an alert: this model's wrong-SKU calls are mostly false in this store. Counted, so it shows.
            counters.OnWrongSkuIgnored();
            _wrongSku = null;
            _wrongSkus.Reset();
        }
        return OnReading(estimate.CapturedAt, fromCamera: true);
    }

    public Task<VisionEstimate?> GetVision() => Task.FromResult(_vision);

    public async Task OnSensorHealth(SensorId sensor, string? fault, DateTimeOffset timestamp)
    {
        if (state.State.Setup is not { } setup) return;
        var key = AlertBook.KeyOf(AlertType.SensorFault, sensor);
        var units = Estimate().Fused ?? 0;
        var change = fault is null
            ? state.State.Alerts.Clear(key, units, time.GetUtcNow())
            : state.State.Alerts.Raise(key, n => NewAlert(n, AlertType.SensorFault, sensor, units, 0, fault, timestamp));
        await Commit([change]);
    }

    public async Task ApplyPolicy(EffectivePolicy policy)
    {
        if (state.State.Setup is null) return;
        state.State.Policy = policy;
        await state.WriteStateAsync();
        LogPolicyApplied(logger, _storeId, Id.Value, policy.Version, policy.ScopeKey);
        await Evaluate(time.GetUtcNow());
    }

    public Task<ShelfState?> GetState() => Task.FromResult(Snapshot());

    public Task<AlertCommandResult> Acknowledge(string alertId, string by) =>
        Command(by, book => book.Acknowledge(alertId, by, time.GetUtcNow()));

    public Task<AlertCommandResult> Resolve(string alertId, string by) =>
        Command(by, book => book.Resolve(alertId, by, time.GetUtcNow()));

    public async Task<ShelfState?> RecordManualCount(int units, string by)
    {
        CheckActor(by);
        if (state.State.Setup is not { } setup) return null;
        if (_grams is { } grams)
        {
            // The count is the truth: whatever weight is not explained by the counted units is tare.
            state.State.TareGrams = Math.Max(0, grams - units * setup.Planogram.UnitWeightGrams);
            await state.WriteStateAsync();
            LogRecalibrated(logger, _storeId, Id.Value, units, state.State.TareGrams, by);
            await Evaluate(time.GetUtcNow());
        }
        return Snapshot();
    }

    public async Task Tick()
    {
        if (state.State.Unpublished.Count > 0 || _publishedUnsaved) await TryPublishSaved();
        if (state.State.Setup is not { } setup || _window is null) return;
        var now = time.GetUtcNow();
        var length = (state.State.Policy?.Policy ?? ReplenishmentPolicy.Default).SummaryWindow;
        if (now - _window.Start < length) return;
        var summary = _window.Close(now, Store, Id, setup.Planogram.Sku);
        if (summary is not null) await _uplink!.OnNextAsync(new ShelfSummaryEvent(summary));
    }

    private async Task OnReading(DateTimeOffset timestamp, bool fromCamera)
    {
        if (state.State.Setup is null) return;
        _lastReadingAt = timestamp > _lastReadingAt || _lastReadingAt is null ? timestamp : _lastReadingAt;
        if (await Evaluate(timestamp, fromCamera) is { } units) _window?.Observe(units, timestamp);
    }

    /// <summary>
    /// Re-judges the shelf. Camera/weight agreement is judged on camera readings only, and a
    /// Mismatch needs two disagreeing camera readings in a row: the camera reports less often than
    /// the load cell, so right after a restock or a big sale they disagree for a moment by design.
    /// A wrong product needs <see cref="InferenceOptions.WrongSkuFrames"/> frames in a row showing the
    /// same foreign design in the same slot: an arm or a store's camera can fool the model on a frame or
    /// two, in changing slots, while a real wrong product stays put.
    /// </summary>
    /// <returns>The shelf's unit estimate, or null before any reading.</returns>
    private async Task<double?> Evaluate(DateTimeOffset triggeredAt, bool fromCamera = false)
    {
        var setup = state.State.Setup!;
        var policy = state.State.Policy ?? new EffectivePolicy(ReplenishmentPolicy.Default, 0, "default");
        var capacity = setup.Planogram.CapacityUnits;
        var estimate = Estimate();
        if (estimate.Fused is not { } fused) return null;
        var units = Math.Round(fused);
        var threshold = policy.Policy.ThresholdFor(capacity);
        var clearAt = Math.Min(threshold + policy.Policy.HysteresisUnits, capacity);
        var book = state.State.Alerts;
        var now = time.GetUtcNow();
        var changes = new List<Alert?>(2);

        if (units <= threshold)
            changes.Add(book.Raise(AlertBook.KeyOf(AlertType.LowStock), n => NewAlert(n, AlertType.LowStock, null, fused, threshold, null, triggeredAt)));
        else if (units >= clearAt)
            changes.Add(book.Clear(AlertBook.KeyOf(AlertType.LowStock), fused, now));

        if (units < 1)
            changes.Add(book.Raise(AlertBook.KeyOf(AlertType.OutOfStock), n => NewAlert(n, AlertType.OutOfStock, null, fused, threshold, null, triggeredAt)));
        else if (units >= Math.Max(1, Math.Min(policy.Policy.HysteresisUnits, capacity)))
            changes.Add(book.Clear(AlertBook.KeyOf(AlertType.OutOfStock), fused, now));

        if (fromCamera)
        {
            var tolerance = policy.Policy.MismatchToleranceFraction * capacity;
            double? gap = estimate is { Weight: { } w, Camera: { } c } ? Math.Abs(w - c) : null;
            _mismatchStreak = gap > tolerance ? _mismatchStreak + 1 : 0;
            var detail = _wrongSku is not null ? _wrongSku
                : _mismatchStreak >= inference.Value.CameraMismatchFrames ? $"weight says {estimate.Weight:F1} units, camera says {estimate.Camera:F1}"
                : null;
            if (detail is not null)
                changes.Add(book.Raise(AlertBook.KeyOf(AlertType.Mismatch), n => NewAlert(n, AlertType.Mismatch, null, fused, threshold, detail, triggeredAt)));
            else if (!_wrongSkus.SeenNow && (gap is null ? estimate.Weight is null : gap <= tolerance / 2))
                changes.Add(book.Clear(AlertBook.KeyOf(AlertType.Mismatch), fused, now));
        }

        await Commit(changes);
        return fused;
    }

    private UnitEstimate Estimate()
    {
        var setup = state.State.Setup!;
        var policy = state.State.Policy?.Policy ?? ReplenishmentPolicy.Default;
        var reference = _weightAt ?? _occupancyAt;
        double? occupancy = _occupancyAt is { } at && reference is { } r && (r - at).Duration() <= _options.CameraFreshness ? _occupancy : null;
        return UnitEstimate.From(setup.Planogram, state.State.TareGrams, _grams, occupancy,
            policy.MismatchToleranceFraction * setup.Planogram.CapacityUnits);
    }

    private Alert NewAlert(int number, AlertType type, SensorId? sensor, double units, double threshold, string? detail, DateTimeOffset triggeredAt)
    {
        var now = time.GetUtcNow();
        var alert = new Alert(Alert.IdOf(Id, type, number), Store, Id, sensor, type, AlertState.Raised, 1,
            state.State.Setup!.Planogram.Sku, units, threshold, detail, triggeredAt, now, now, "system",
            state.State.Policy?.Version ?? 0);
        LogRaised(logger, _storeId, Id.Value, type, alert.AlertId, (now - triggeredAt).TotalMilliseconds);
        return alert;
    }

    // Refused before anything changes: an oversized name would make an alert revision too large to send.
    private static void CheckActor(string by)
    {
        if (ActorName.Problem(by) is { } problem) throw new ArgumentException(problem, nameof(by));
    }

    private async Task<AlertCommandResult> Command(string by, Func<AlertBook, AlertCommandResult> command)
    {
        CheckActor(by);
        if (state.State.Setup is null)
            return new(AlertCommandStatus.UnknownAlert, null, $"shelf '{Id}' is not provisioned");
        var revisions = state.State.Alerts.Open.Values.ToDictionary(a => a.AlertId, a => a.Revision);
        var result = command(state.State.Alerts);
        // A command that changed nothing (acknowledging an acknowledged alert) publishes nothing:
        // watchers and the tiers above would get the same revision twice.
        var changed = result.Alert is { } alert && revisions.GetValueOrDefault(alert.AlertId) != alert.Revision;
        if (result.Status == AlertCommandStatus.Ok && changed) await Commit([result.Alert]);
        return result;
    }

    /// <summary>
    /// Saves alert changes together with the mark that they are yet to be published, then
    /// publishes them (uplink first, then the store's index) and clears the mark. If the save
    /// fails, the activation goes: what it holds in memory is ahead of what was saved, and the next
    /// one starts from storage. Once saved, the changes are the shelf's: a failure to publish them
    /// is retried by this activation (see <see cref="TryPublishSaved"/>), not reported to the caller.
    /// </summary>
    private async Task Commit(IReadOnlyList<Alert?> changes)
    {
        if (!changes.Any(c => c is not null)) return;
        state.State.Unpublished.AddRange(changes.OfType<Alert>());
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
        _publishedUnsaved = false;
        await TryPublishSaved();
    }

    /// <summary>
    /// Publishes the saved changes in order; on failure it stops where it is, and the next change or
    /// the next tick goes on from there. Going on in this activation, rather than in a new one started
    /// from storage, matters: this one knows which changes already reached the outbox, and does not
    /// send them up again (a new one would, and every tier above would see the revision twice).
    /// </summary>
    private async Task TryPublishSaved()
    {
        // A couple of attempts at once: until they succeed, a crash of the store would make the next
        // activation send the change up again; the tick keeps trying after that.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await PublishSaved();
                return;
            }
            catch (Exception ex)
            {
                counters.OnAlertPublishFailed();
                LogPublishFailed(logger, _storeId, Id.Value, state.State.Unpublished.Count, ex);
            }
        }
    }

    private async Task PublishSaved()
    {
        var pending = state.State.Unpublished;
        var store = GrainFactory.GetGrain<IStoreGrain>(_storeId);
        while (pending.Count > 0)
        {
            // The uplink hears of a change before the store does, so a change the store saved went up
            // too. One it did not save may still have gone up (a crash between the two): the tiers
            // above drop that revision as a duplicate.
            if (_restored > 0 && !_headUplinked && await store.HasSavedAlertRevision(pending[0].AlertId, pending[0].Revision))
                LogAlreadyPublished(logger, _storeId, Id.Value, pending[0].AlertId, pending[0].Revision);
            else
            {
                if (!_headUplinked)
                {
                    await _uplink!.OnNextAsync(new AlertEvent(pending[0]));
                    _headUplinked = true;
                }
                await store.OnAlertChanged(pending[0]);
            }
            pending.RemoveAt(0);
            if (_restored > 0) _restored--;
            _headUplinked = false;
            _publishedUnsaved = true;
        }
        if (!_publishedUnsaved) return;
        await state.WriteStateAsync();
        _publishedUnsaved = false;
    }

    private ShelfState? Snapshot()
    {
        if (state.State.Setup is not { } setup) return null;
        var policy = state.State.Policy ?? new EffectivePolicy(ReplenishmentPolicy.Default, 0, "default");
        var estimate = Estimate();
        return new ShelfState(Id, setup.Planogram with { TareGrams = state.State.TareGrams }, estimate.Fused, estimate.Weight,
            estimate.Camera, policy.Policy.ThresholdFor(setup.Planogram.CapacityUnits), policy.Version,
            [.. state.State.Alerts.Open.Values], _lastReadingAt);
    }

    private void Start()
    {
        _uplink ??= this.GetStreamProvider(EdgeNames.UplinkProvider)
            .GetStream<UpEvent>(StreamId.Create(EdgeStreams.Uplink, _storeId));
        _window ??= new SummaryWindow(time.GetUtcNow());
        _timer ??= this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} shelf {Shelf} raised {Type} alert {AlertId} {LatencyMs:F2} ms after its reading")]
    private static partial void LogRaised(ILogger logger, string store, string shelf, AlertType type, string alertId, double latencyMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} shelf {Shelf}: alert {AlertId} revision {Revision} was published by an earlier activation; not sent again")]
    private static partial void LogAlreadyPublished(ILogger logger, string store, string shelf, string alertId, int revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} shelf {Shelf} could not publish its saved alert changes ({Pending} left); it tries again")]
    private static partial void LogPublishFailed(ILogger logger, string store, string shelf, int pending, Exception ex);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {Store} shelf {Shelf} applied policy v{Version} from {Scope}")]
    private static partial void LogPolicyApplied(ILogger logger, string store, string shelf, long version, string scope);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} shelf {Shelf} counted {Units} units by {By}; tare now {Tare:F1} g")]
    private static partial void LogRecalibrated(ILogger logger, string store, string shelf, int units, double tare, string by);
}
