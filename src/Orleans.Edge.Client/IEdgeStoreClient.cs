using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Client;

/// <summary>
/// What a store app uses to talk to its store; <see cref="EdgeStoreClient"/> is the real one.
/// Register it with <see cref="EdgeStoreClientServiceCollectionExtensions.AddEdgeStoreClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>;
/// apps can fake it in their own tests.
/// </summary>
public interface IEdgeStoreClient : IAsyncDisposable
{
    /// <summary>The store this client talks to.</summary>
    string StoreId { get; }

    /// <summary>Provisions a shelf and its sensors.</summary>
    /// <exception cref="InvalidSetupException">The set-up has problems; nothing changed.</exception>
    Task ProvisionShelfAsync(ShelfSetup setup, CancellationToken cancellationToken = default);

    /// <summary>Provisions many shelves and their sensors; see <see cref="EdgeStoreClient.ProvisionShelvesAsync"/>.</summary>
    /// <exception cref="InvalidPlanogramException">Problems were found.</exception>
    Task<int> ProvisionShelvesAsync(IEnumerable<ShelfSetup> setups, CancellationToken cancellationToken = default);

    /// <summary>Reads a planogram file (<c>.json</c> or <c>.csv</c>) and provisions it.</summary>
    /// <exception cref="InvalidPlanogramException">The file has problems or the store refused it.</exception>
    Task<int> ProvisionPlanogramAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads a planogram from a stream and provisions it.</summary>
    /// <exception cref="InvalidPlanogramException">The planogram has problems or the store refused it.</exception>
    Task<int> ProvisionPlanogramAsync(Stream stream, PlanogramFormat format, CancellationToken cancellationToken = default);

    /// <summary>Every provisioned shelf.</summary>
    Task<IReadOnlyList<ShelfSetup>> GetShelvesAsync(CancellationToken cancellationToken = default);

    /// <summary>A shelf's state.</summary>
    /// <exception cref="UnknownShelfException">No such shelf in this store.</exception>
    Task<ShelfState> GetShelfAsync(string shelfId, CancellationToken cancellationToken = default);

    /// <summary>Alerts not yet resolved, oldest first.</summary>
    Task<IReadOnlyList<Alert>> GetOpenAlertsAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the store's uplink to its region works and how much waits to be sent.</summary>
    /// <exception cref="EdgeClientException">The store runs without an uplink.</exception>
    Task<UplinkStatus> GetUplinkStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Every alert change in this store from now on, in order, until cancelled.</summary>
    IAsyncEnumerable<Alert> WatchAlertsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every alert change after the store's change number <paramref name="afterChange"/>, then every later one.</summary>
    IAsyncEnumerable<Alert> WatchAlertsAsync(long afterChange, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges an alert; acknowledging twice is harmless.</summary>
    Task<Alert> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken = default);

    /// <summary>Resolves an alert by hand.</summary>
    Task<Alert> ResolveAsync(string alertId, string by, CancellationToken cancellationToken = default);

    /// <summary>Records a manual count of a shelf, which recalibrates its tare.</summary>
    Task<ShelfState> RecordManualCountAsync(string shelfId, int units, string by, CancellationToken cancellationToken = default);

    /// <summary>Submits one reading.</summary>
    /// <exception cref="InvalidReadingException">The store rejected it; nothing was stored.</exception>
    Task SubmitReadingAsync(SensorReading reading, CancellationToken cancellationToken = default);

    /// <summary>Submits readings in one call; returns each one's outcome in order instead of throwing.</summary>
    Task<IReadOnlyList<IngestResult>> SubmitReadingsAsync(IEnumerable<SensorReading> readings, CancellationToken cancellationToken = default);

    /// <summary>
    /// Has the store judge one camera frame; returns its per-slot estimate, or why it was refused
    /// (a refused frame changes nothing). The frame stays in the store.
    /// </summary>
    Task<FrameResult> SubmitFrameAsync(CameraFrame frame, CancellationToken cancellationToken = default);

    /// <summary>The estimate of a camera's latest accepted frame, or null if it has none.</summary>
    Task<VisionEstimate?> GetCameraVisionAsync(string cameraId, CancellationToken cancellationToken = default);

    /// <summary>The latest estimate from any of a shelf's cameras, or null if it has none.</summary>
    /// <exception cref="UnknownShelfException">No such shelf in this store.</exception>
    Task<VisionEstimate?> GetShelfVisionAsync(string shelfId, CancellationToken cancellationToken = default);

    /// <summary>The shelf model version serving, or null before the first model.</summary>
    Task<string?> GetModelVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The model serving, the machine's inference capabilities and frame counts (of the silo that answers).</summary>
    Task<InferenceStatus> GetInferenceStatusAsync(CancellationToken cancellationToken = default);
}
