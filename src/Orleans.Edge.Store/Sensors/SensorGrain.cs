using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store.Sensors;

/// <summary>
/// Validates a sensor's readings, forwards them to its shelf, and notices silence and stuck values.
/// A camera's grain also takes its frames (see SensorGrain.Frames.cs): one grain per camera keeps
/// each camera's frames in order and holds its rate and latest estimate.
/// </summary>
public sealed partial class SensorGrain(
    [PersistentState("sensor", EdgeNames.StateStore)] IPersistentState<SensorData> state,
    EdgeIdentity identity,
    IOptions<StoreOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    StoreCounters counters,
    CameraFrames frames,
    ILogger<SensorGrain> logger) : Grain, ISensorGrain
{
    private readonly StoreOptions _options = options.Value;
    private readonly string _storeId = identity.RequireStore();
    private long _accepted;
    private long _rejected;
    private double? _lastValue;
    private DateTimeOffset? _lastReadingAt;
    private DateTimeOffset? _lastAppliedAt;
    private DateTimeOffset? _lastArrivalAt;
    private int _identicalRun;
    private DateTimeOffset _identicalSince;
    private string? _fault;
    private IGrainTimer? _healthTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is not null) StartHealthTimer();
        return Task.CompletedTask;
    }

    public async Task Configure(SensorSpec spec)
    {
        state.State.Spec = spec;
        state.State.ProvisionedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        StartHealthTimer();
    }

    public async Task<IngestResult> Ingest(SensorReading reading)
    {
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow();
        var spec = state.State.Spec;
        var verdict = ReadingValidator.Validate(spec, reading, now, _options.ClockSkewTolerance);
        // A reading that arrives after a newer one (a client's retry, a message the cluster held up
        // while a silo died) must not set the shelf back to what it saw earlier.
        if (verdict.IsAccepted && _lastAppliedAt is { } newest && reading.Timestamp < newest)
            verdict = new IngestResult(ReadingRejection.Superseded,
                $"reading from sensor '{spec!.SensorId}' is stamped {reading.Timestamp:O}, before the {newest:O} reading already applied");
        if (!verdict.IsAccepted)
        {
            _rejected++;
            counters.OnRejected(verdict.Rejection);
            if (logger.IsEnabled(LogLevel.Debug))
                LogRejected(logger, _storeId, this.GetPrimaryKeyString(), verdict.Rejection, verdict.Message);
            return verdict;
        }

        _accepted++;
        _lastArrivalAt = now;
        _lastReadingAt = _lastAppliedAt = reading.Timestamp;
        var fault = TrackStuck(spec!, reading.Value, now);
        _lastValue = reading.Value;

        var shelf = GrainFactory.GetGrain<IShelfGrain>(spec!.ShelfId.Value);
        if (spec.Kind == SensorKind.Camera)
            await shelf.OnOccupancy(spec.SensorId, reading.Value, reading.Timestamp);
        else
            await shelf.OnWeight(spec.SensorId, reading.Value, reading.Timestamp);
        await SetFault(fault, reading.Timestamp);

        counters.OnAccepted(reading, spec.Kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return IngestResult.Accepted;
    }

    public Task<SensorStatus?> GetStatus() => Task.FromResult(state.State.Spec is { } spec
        ? new SensorStatus(spec, _accepted, _rejected, _lastValue, _lastReadingAt, _fault)
        : null);

    public async Task CheckHealth()
    {
        if (state.State.Spec is null) return;
        var now = time.GetUtcNow();
        _activatedAt ??= now;
        if (_lastArrivalAt is { } last)
        {
            if (now - last >= _options.SensorSilentAfter)
                await SetFault($"silent for {(now - last).TotalSeconds:F0} s", now);
            return;
        }
        // Nothing heard in this activation. A sensor just provisioned may not be wired up yet: it
        // gets SensorFirstReadingWithin from provisioning; otherwise silence counts from activation.
        var firstDue = (state.State.ProvisionedAt ?? DateTimeOffset.MinValue) + (_options.SensorFirstReadingWithin > _options.SensorSilentAfter ? _options.SensorFirstReadingWithin : _options.SensorSilentAfter);
        var due = _activatedAt.Value + _options.SensorSilentAfter;
        if (firstDue > due) due = firstDue;
        if (now >= due)
        {
            var since = state.State.ProvisionedAt is { } at && at > _activatedAt.Value ? at : _activatedAt.Value;
            await SetFault($"silent for {(now - since).TotalSeconds:F0} s (no reading yet)", now);
        }
    }

    private DateTimeOffset? _activatedAt;

    /// <summary>A load cell that repeats exactly the same value for long is stuck: real ones always jitter.</summary>
    private string? TrackStuck(SensorSpec spec, double value, DateTimeOffset now)
    {
        if (spec.Kind != SensorKind.LoadCell) return null;
        if (_lastValue is { } last && last.Equals(value))
        {
            _identicalRun++;
        }
        else
        {
            _identicalRun = 1;
            _identicalSince = now;
        }
        return _identicalRun >= _options.StuckMinReadings && now - _identicalSince >= _options.SensorStuckAfter
            ? $"stuck at {value} g for {_identicalRun} readings"
            : null;
    }

    private async Task SetFault(string? fault, DateTimeOffset at)
    {
        if ((fault is null) == (_fault is null)) return;
        _fault = fault;
        var spec = state.State.Spec!;
        if (fault is not null) LogFault(logger, _storeId, spec.SensorId.Value, fault);
        await GrainFactory.GetGrain<IShelfGrain>(spec.ShelfId.Value).OnSensorHealth(spec.SensorId, fault, at);
    }

    private void StartHealthTimer()
    {
        _activatedAt ??= time.GetUtcNow();
        if (_healthTimer is not null) return;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, _options.SensorSilentAfter.Ticks / 4));
        _healthTimer = this.RegisterGrainTimer(CheckHealth, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {Store} sensor {Sensor} rejected a reading ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string store, string sensor, ReadingRejection reason, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} sensor {Sensor} is faulty: {Fault}")]
    private static partial void LogFault(ILogger logger, string store, string sensor, string fault);
}
