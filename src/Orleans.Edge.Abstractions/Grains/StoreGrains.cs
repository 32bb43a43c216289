using Orleans.Concurrency;
using Orleans.Edge.Domain;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Grains;

/// <summary>One sensor of the store; key: sensor id. Validates readings and watches for faults.</summary>
[Alias("edge.sensor")]
public interface ISensorGrain : IGrainWithStringKey
{
    /// <summary>Installs or updates the sensor.</summary>
    [Alias("configure")] Task Configure(SensorSpec spec);

    /// <summary>Validates and processes one reading.</summary>
    [Alias("ingest"), StoreAppApi] Task<IngestResult> Ingest(SensorReading reading);

    /// <summary>The sensor's status, or null if it is not installed.</summary>
    [Alias("status"), StoreAppApi] Task<SensorStatus?> GetStatus();

    /// <summary>Checks for silence now (the grain also does so on a timer).</summary>
    [Alias("check-health")] Task CheckHealth();

    /// <summary>
    /// Judges one frame of this camera with the store's shelf model and feeds the estimate to the
    /// camera's shelf. A refused frame (unknown camera, wrong size, undecodable, clock skew, no
    /// model, above the camera's frame rate) changes nothing. Frames are never stored.
    /// </summary>
    [Alias("frame"), StoreAppApi] Task<FrameResult> SubmitFrame(CameraFrame frame);

    /// <summary>The estimate of this camera's latest accepted frame, or null.</summary>
    [Alias("vision"), StoreAppApi] Task<VisionEstimate?> GetVision();
}

/// <summary>
/// Takes a batch of readings from a sensor gateway or store app in one call and hands each to its
/// sensor inside the silo; key: 0. Stateless, so every silo runs as many as it needs.
/// </summary>
[Alias("edge.reading-ingress")]
public interface IReadingIngressGrain : IGrainWithIntegerKey
{
    /// <summary>Each reading's outcome, in order.</summary>
    [Alias("submit"), StoreAppApi] Task<IReadOnlyList<IngestResult>> Submit(IReadOnlyList<SensorReading> readings);
}

/// <summary>One shelf of the store; key: shelf id. Estimates units, owns its alerts and summary window.</summary>
[Alias("edge.shelf")]
public interface IShelfGrain : IGrainWithStringKey
{
    /// <summary>Sets the planogram entry and sensors.</summary>
    [Alias("configure")] Task Configure(ShelfSetup setup);

    /// <summary>A load cell reading, already validated.</summary>
    [Alias("weight")] Task OnWeight(SensorId sensor, double grams, DateTimeOffset timestamp);

    /// <summary>A camera reading, already validated (cameras that send an occupancy number rather than frames).</summary>
    [Alias("occupancy")] Task OnOccupancy(SensorId sensor, double occupancy, DateTimeOffset timestamp);

    /// <summary>The shelf model's per-slot reading of a camera frame.</summary>
    [Alias("on-vision")] Task OnVision(SensorId camera, VisionEstimate estimate);

    /// <summary>The latest vision estimate from any of the shelf's cameras, or null.</summary>
    [Alias("vision"), StoreAppApi] Task<VisionEstimate?> GetVision();

    /// <summary>A sensor of this shelf became faulty (reason given) or recovered (reason null).</summary>
    [Alias("sensor-fault")] Task OnSensorHealth(SensorId sensor, string? fault, DateTimeOffset timestamp);

    /// <summary>Applies a new effective policy.</summary>
    [Alias("apply-policy")] Task ApplyPolicy(EffectivePolicy policy);

    /// <summary>The shelf's state, or null if the shelf is not provisioned.</summary>
    [Alias("state"), StoreAppApi] Task<ShelfState?> GetState();

    /// <summary>Staff acknowledge an alert.</summary>
    [Alias("ack"), StoreAppApi] Task<AlertCommandResult> Acknowledge(string alertId, string by);

    /// <summary>Staff resolve an alert.</summary>
    [Alias("resolve"), StoreAppApi] Task<AlertCommandResult> Resolve(string alertId, string by);

    /// <summary>Staff counted the shelf; recalibrates the tare. Null if the shelf is not provisioned.</summary>
    [Alias("manual-count"), StoreAppApi] Task<ShelfState?> RecordManualCount(int units, string by);

    /// <summary>Closes the current summary window now if it has ended.</summary>
    [Alias("tick")] Task Tick();
}

/// <summary>The store's <paramref name="Number"/>-th alert change (numbers grow by one, restarts included).</summary>
[GenerateSerializer, Immutable]
public sealed record AlertChange([property: Id(0)] long Number, [property: Id(1)] Alert Alert);

/// <summary>
/// What a watch gets when it registers or renews: the changes after the number it asked for, in
/// order, or, when the store's journal no longer reaches back that far (<paramref name="Gap"/>),
/// the open alerts as of <paramref name="Latest"/> instead.
/// </summary>
/// <param name="Changes">Changes after the number asked for; empty on a gap.</param>
/// <param name="Latest">The store's latest change number.</param>
/// <param name="Gap">True when changes after the number asked for are no longer known.</param>
/// <param name="OpenAlerts">On a gap, the open alerts as of <paramref name="Latest"/>, oldest first.</param>
[GenerateSerializer, Immutable]
public sealed record AlertFeed(
    [property: Id(0)] IReadOnlyList<AlertChange> Changes,
    [property: Id(1)] long Latest,
    [property: Id(2)] bool Gap,
    [property: Id(3)] IReadOnlyList<Alert> OpenAlerts);

/// <summary>Observer a store app registers to hear of alert changes.</summary>
[Alias("edge.alert-observer")]
public interface IAlertObserver : IGrainObserver
{
    /// <summary>An alert was raised or changed state.</summary>
    [Alias("change")] void OnAlertChange(AlertChange change);
}

/// <summary>The store as a whole; key: store id. Layout, alert index and alert observers.</summary>
[Alias("edge.store")]
public interface IStoreGrain : IGrainWithStringKey
{
    /// <summary>Provisions a shelf and its sensors. Returns the problems found; empty when done.</summary>
    [Alias("provision"), StoreAppApi] Task<IReadOnlyList<string>> ProvisionShelf(ShelfSetup setup);

    /// <summary>
    /// Provisions shelves and their sensors in one step: the whole batch is checked first and,
    /// if anything is wrong, every problem is returned and nothing changes. A shelf id or sensor
    /// id listed twice in the batch, or a sensor already installed on another shelf, is a problem;
    /// a shelf already provisioned is set up anew. Costs the same whatever the store's size.
    /// </summary>
    [Alias("provision-many"), StoreAppApi] Task<IReadOnlyList<string>> ProvisionShelves(IReadOnlyList<ShelfSetup> setups);

    /// <summary>Provisioned shelves.</summary>
    [Alias("shelves"), StoreAppApi] Task<IReadOnlyList<ShelfSetup>> GetShelves();

    /// <summary>A shelf reports an alert change.</summary>
    [Alias("alert-changed"), AlwaysInterleave] Task OnAlertChanged(Alert alert);

    /// <summary>
    /// True when the store has saved this revision of the alert (or a later one): a shelf that finds
    /// a change still marked unpublished after a failed write or a crash asks before sending it up
    /// again, since the uplink heard of it before the store did.
    /// </summary>
    [Alias("has-alert-revision"), AlwaysInterleave] Task<bool> HasSavedAlertRevision(string alertId, int revision);

    /// <summary>Alerts not yet resolved.</summary>
    [Alias("open-alerts"), StoreAppApi] Task<IReadOnlyList<Alert>> GetOpenAlerts();

    /// <summary>
    /// Registers (or renews) an observer, which then hears of every change; registrations expire
    /// unless renewed and do not survive a reactivation. Returns the changes after
    /// <paramref name="afterChange"/> from the store's journal (none for -1), so a renewing
    /// watcher catches up on whatever its observer missed.
    /// </summary>
    [Alias("watch"), StoreAppApi] Task<AlertFeed> Watch(IAlertObserver observer, long afterChange);

    /// <summary>Removes an observer.</summary>
    [Alias("unsubscribe"), StoreAppApi] Task Unsubscribe(IAlertObserver observer);

    /// <summary>Alert counters and local raise latencies.</summary>
    [Alias("alert-stats"), StoreAppApi] Task<StoreAlertStats> GetAlertStats();
}

/// <summary>The store's policy book; key: store id. Fed by the config stream, feeds the shelves.</summary>
[Alias("edge.store-config")]
public interface IStoreConfigGrain : IGrainWithStringKey
{
    /// <summary>The policy that applies to a shelf; also registers the shelf for updates.</summary>
    [Alias("effective"), AlwaysInterleave] Task<EffectivePolicy> GetEffectivePolicy(ShelfId shelf);

    /// <summary>Registers shelves for policy updates in one write (before they ask for their policy).</summary>
    [Alias("register-shelves")] Task RegisterShelves(IReadOnlyList<ShelfId> shelves);

    /// <summary>Highest policy version applied.</summary>
    [Alias("applied"), AlwaysInterleave] Task<long> GetAppliedVersion();

    /// <summary>
    /// Where the downlink resumes: the highest version applied or rejected, so a rejected document
    /// is not fetched again.
    /// </summary>
    [Alias("resume-after"), AlwaysInterleave] Task<long> GetResumeVersion();

    /// <summary>The newest document the store rejected as malformed, if any.</summary>
    [Alias("rejection"), AlwaysInterleave] Task<PolicyRejection?> GetLastRejection();

    /// <summary>Applies documents (normally delivered through the config stream).</summary>
    [Alias("apply")] Task Apply(IReadOnlyList<PolicyDocument> documents);

    /// <summary>
    /// Records that the downlink refused the fleet's deny-list (unsigned, tampered, wrongly signed or replayed; the list in
    /// force stays) and reports it upward, so the cloud's fleet view shows it. A refusal equal to the last one changes nothing.
    /// </summary>
    [Alias("refuse-deny-list")] Task RefuseDenyList(PolicyRejection refusal);

    /// <summary>Publishes the store's reported state (applied version, shelves) upward.</summary>
    [Alias("report")] Task ReportState();
}
