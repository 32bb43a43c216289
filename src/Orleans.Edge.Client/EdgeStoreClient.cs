using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Hosting;

namespace Orleans.Edge.Client;

/// <summary>
/// What a store app uses: read shelves, list and watch alerts, acknowledge and resolve them,
/// record manual counts and submit readings. Works while the store's uplink is down, since it
/// only talks to the store's own cluster.
/// </summary>
public sealed partial class EdgeStoreClient : IEdgeStoreClient
{
    private readonly IGrainFactory _grains;
    private readonly IHost? _host;
    private readonly AlertWatchOptions _alertWatch;

    private EdgeStoreClient(IGrainFactory grains, string storeId, IHost? host, AlertWatchOptions? alertWatch)
    {
        _grains = grains;
        StoreId = storeId;
        _host = host;
        _alertWatch = (alertWatch ?? new AlertWatchOptions()).Validated();
    }

    /// <summary>The store this client talks to.</summary>
    public string StoreId { get; }

    /// <summary>
    /// Connects to a store cluster through its gateways, on a private host of its own that
    /// installs no signal handling and reads no app configuration: the app keeps its shutdown.
    /// Apps with a host of their own use <see cref="EdgeStoreClientServiceCollectionExtensions.AddEdgeStoreClient(IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/> instead.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or malformed.</exception>
    /// <exception cref="StoreUnreachableException">The store could not be reached; its <see cref="StoreUnreachableException.Reason"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<EdgeStoreClient> ConnectAsync(StoreClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        var endpoints = options.GatewayEndpoints();
        StoreClientTls.Check(options);

        var builder = new HostBuilder();
        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            // An alert notification already on the wire when a watch ends reaches a client that has
            // dropped its observer; Orleans logs that as an error although nothing is lost.
            logging.AddFilter("Orleans.ClientGrainContext", LogLevel.Critical);
            options.ConfigureLogging?.Invoke(logging);
        });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.EffectiveClusterId;
                o.ServiceId = EdgeNames.ServiceId;
            });
            client.UseConnectionRetryFilter(new StoreConnectionRetryFilter(options, TimeProvider.System));
            client.Services.AddSingleton(sp => new StoreClientTls(options, sp.GetService<ILoggerFactory>()));
            StoreClientTls.Use(client);
        });
        // HostBuilder registers a console lifetime (Ctrl+C, SIGTERM) by default; this host is the
        // app's guest and must leave its signals alone.
        builder.ConfigureServices(services => services.AddSingleton<IHostLifetime, PassiveLifetime>());
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            host.Dispose();
            if (ex is StoreUnreachableException) throw;
            cancellationToken.ThrowIfCancellationRequested();
            if (StoreConnectionRetryFilter.Classify(ex) is { } known) throw StoreConnectionRetryFilter.Unreachable(options, known.Reason, known.Cause, ex);
            if (timeout.IsCancellationRequested)
                throw StoreConnectionRetryFilter.Unreachable(options, StoreUnreachableReason.Timeout, $"no gateway answered within {options.ConnectTimeout.TotalSeconds:F0} s", ex);
            throw new EdgeClientException($"could not connect to store '{options.StoreId}' at {string.Join(", ", options.Gateways)}: {ex.Message}", ex);
        }
        return new EdgeStoreClient(host.Services.GetRequiredService<IClusterClient>(), options.StoreId, host, options.AlertWatch);
    }

    /// <summary>Lets the app, not this private host, handle process signals.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Connects to a store cluster through one gateway (<c>address:port</c>), with default options.</summary>
    public static Task<EdgeStoreClient> ConnectAsync(string storeId, string gateway, CancellationToken cancellationToken = default)
    {
        var options = new StoreClientOptions { StoreId = storeId };
        options.Gateways.Add(gateway);
        return ConnectAsync(options, cancellationToken);
    }

    /// <summary>A client over an existing grain factory of the store's cluster (inside a silo or an existing client).</summary>
    /// <exception cref="ArgumentException"><paramref name="alertWatch"/> is out of range.</exception>
    public static EdgeStoreClient Create(IGrainFactory grains, string storeId, AlertWatchOptions? alertWatch = null) =>
        new(grains, EdgeId.Require(storeId, "store id"), null, alertWatch);

    private IStoreGrain Store => _grains.GetGrain<IStoreGrain>(StoreId);

    /// <summary>Provisions a shelf and its sensors.</summary>
    /// <exception cref="InvalidSetupException">The set-up has problems; nothing changed.</exception>
    public async Task ProvisionShelfAsync(ShelfSetup setup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var problems = await Store.ProvisionShelf(setup).WaitAsync(cancellationToken);
        if (problems.Count > 0) throw new InvalidSetupException(setup.ShelfId.Value, problems);
    }

    /// <summary>Shelves sent to the store per call by <see cref="ProvisionShelvesAsync"/>.</summary>
    public const int ProvisionBatchSize = 500;

    /// <summary>
    /// Provisions many shelves and their sensors, <see cref="ProvisionBatchSize"/> per call to the
    /// store; each call costs the same however big the store is. Shelf and sensor ids listed twice
    /// are found before anything is sent. A shelf already provisioned is set up anew.
    /// </summary>
    /// <returns>The number of shelves provisioned.</returns>
    /// <exception cref="InvalidPlanogramException">Problems were found; see its <see cref="InvalidPlanogramException.ShelvesProvisioned"/>.</exception>
    public async Task<int> ProvisionShelvesAsync(IEnumerable<ShelfSetup> setups, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setups);
        List<ShelfSetup> all = [.. setups];
        return await ProvisionAsync(all, $"of {all.Count} shelves", cancellationToken);
    }

    /// <summary>
    /// Reads a planogram file (<c>.json</c> or <c>.csv</c>, see <see cref="PlanogramFile"/>) and
    /// provisions it; nothing is sent if any line of the file is bad.
    /// </summary>
    /// <returns>The number of shelves provisioned.</returns>
    /// <exception cref="InvalidPlanogramException">The file has problems (each naming its line and field) or the store refused it.</exception>
    /// <exception cref="ArgumentException">The extension is neither .json nor .csv.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public async Task<int> ProvisionPlanogramAsync(string path, CancellationToken cancellationToken = default)
    {
        var format = PlanogramFile.FormatOf(path);
        await using var stream = File.OpenRead(path);
        return await ProvisionPlanogramAsync(stream, format, $"'{path}'", cancellationToken);
    }

    /// <summary>Reads a planogram in <paramref name="format"/> from <paramref name="stream"/> and provisions it; as the file overload otherwise.</summary>
    /// <exception cref="InvalidPlanogramException">The planogram has problems or the store refused it.</exception>
    public Task<int> ProvisionPlanogramAsync(Stream stream, PlanogramFormat format, CancellationToken cancellationToken = default) =>
        ProvisionPlanogramAsync(stream, format, $"({format})", cancellationToken);

    private Task<int> ProvisionPlanogramAsync(Stream stream, PlanogramFormat format, string source, CancellationToken cancellationToken)
    {
        var loaded = PlanogramFile.Read(stream, format);
        if (!loaded.IsValid) throw new InvalidPlanogramException(source, loaded.Problems);
        return ProvisionAsync([.. loaded.Shelves], source, cancellationToken);
    }

    private async Task<int> ProvisionAsync(List<ShelfSetup> setups, string source, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var shelves = new HashSet<string>(StringComparer.Ordinal);
        var sensors = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < setups.Count; i++)
        {
            if (setups[i] is not { } setup) { problems.Add($"shelf #{i + 1}: missing"); continue; }
            if (!shelves.Add(setup.ShelfId.Value ?? "")) problems.Add($"shelf '{setup.ShelfId}' is listed twice");
            foreach (var sensor in setup.Sensors ?? [])
            {
                if (sensor?.SensorId.Value is not { } id) continue;
                if (!sensors.TryAdd(id, setup.ShelfId.Value ?? "") && sensors[id] != setup.ShelfId.Value)
                    problems.Add($"shelf '{setup.ShelfId}': sensor '{id}' is also listed for shelf '{sensors[id]}'");
            }
        }
        if (problems.Count > 0) throw new InvalidPlanogramException(source, problems);

        var done = 0;
        foreach (var chunk in setups.Chunk(ProvisionBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var refused = await Store.ProvisionShelves(chunk).WaitAsync(cancellationToken);
            if (refused.Count > 0) throw new InvalidPlanogramException(source, refused, done);
            done += chunk.Length;
        }
        return done;
    }

    /// <summary>Every provisioned shelf.</summary>
    public Task<IReadOnlyList<ShelfSetup>> GetShelvesAsync(CancellationToken cancellationToken = default) => Store.GetShelves().WaitAsync(cancellationToken);

    /// <summary>A shelf's state.</summary>
    /// <exception cref="UnknownShelfException">No such shelf in this store.</exception>
    public async Task<ShelfState> GetShelfAsync(string shelfId, CancellationToken cancellationToken = default)
    {
        CheckShelfId(shelfId);
        return await _grains.GetGrain<IShelfGrain>(shelfId).GetState().WaitAsync(cancellationToken) ?? throw new UnknownShelfException(StoreId, shelfId);
    }

    /// <summary>Alerts not yet resolved, oldest first.</summary>
    public Task<IReadOnlyList<Alert>> GetOpenAlertsAsync(CancellationToken cancellationToken = default) => Store.GetOpenAlerts().WaitAsync(cancellationToken);

    /// <summary>
    /// Whether the store's uplink to its region works and how much waits to be sent. Everything
    /// else in this client keeps working while it is down.
    /// </summary>
    /// <exception cref="EdgeClientException">The store runs without an uplink.</exception>
    public async Task<UplinkStatus> GetUplinkStatusAsync(CancellationToken cancellationToken = default) =>
        await _grains.GetGrain<IUplinkStatusGrain>(0).GetStatus().WaitAsync(cancellationToken) ?? throw new EdgeClientException($"store '{StoreId}' has no uplink configured");

    /// <summary>
    /// Every alert change in this store from now on, in order, until cancelled. A change made
    /// while the store grain was away (reactivated, its silo restarted) is delivered once the
    /// watch next renews (<see cref="AlertWatchOptions.RenewInterval"/>), not lost: the watch
    /// resumes after the last change it delivered. It never skips silently; instead it throws.
    /// </summary>
    /// <exception cref="AlertWatchGapException">
    /// The store no longer has the changes after the last one delivered; the exception carries the
    /// open alerts and the change number to watch again from.
    /// </exception>
    /// <exception cref="AlertWatchFailedException">The store stayed unreachable for <see cref="AlertWatchOptions.MaxRenewFailures"/> renewals.</exception>
    public IAsyncEnumerable<Alert> WatchAlertsAsync(CancellationToken cancellationToken = default) =>
        AlertWatcher.Watch(_grains, Store, StoreId, -1, _alertWatch, cancellationToken);

    /// <summary>
    /// Every alert change after the store's change number <paramref name="afterChange"/> (e.g.
    /// <see cref="AlertWatchGapException.ResumeAfter"/>), then every later one; as
    /// <see cref="WatchAlertsAsync(CancellationToken)"/> otherwise.
    /// </summary>
    /// <exception cref="AlertWatchGapException">The store no longer has the changes after <paramref name="afterChange"/>.</exception>
    /// <exception cref="AlertWatchFailedException">The store stayed unreachable for <see cref="AlertWatchOptions.MaxRenewFailures"/> renewals.</exception>
    public IAsyncEnumerable<Alert> WatchAlertsAsync(long afterChange, CancellationToken cancellationToken = default) =>
        afterChange < 0 ? throw new ArgumentOutOfRangeException(nameof(afterChange), afterChange, "a change number is 0 or more")
            : AlertWatcher.Watch(_grains, Store, StoreId, afterChange, _alertWatch, cancellationToken);

    /// <summary>Acknowledges an alert; acknowledging twice is harmless.</summary>
    /// <exception cref="UnknownAlertException">No such alert.</exception>
    /// <exception cref="AlertAlreadyResolvedException">It is resolved already.</exception>
    public Task<Alert> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken = default) =>
        Command(alertId, by, (shelf, id, who) => shelf.Acknowledge(id, who), cancellationToken);

    /// <summary>Resolves an alert by hand; its condition will not re-alert until it has cleared.</summary>
    /// <exception cref="UnknownAlertException">No such alert.</exception>
    /// <exception cref="AlertAlreadyResolvedException">It is resolved already.</exception>
    public Task<Alert> ResolveAsync(string alertId, string by, CancellationToken cancellationToken = default) =>
        Command(alertId, by, (shelf, id, who) => shelf.Resolve(id, who), cancellationToken);

    /// <summary>Records a manual count of a shelf, which recalibrates its tare.</summary>
    /// <exception cref="UnknownShelfException">No such shelf.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative.</exception>
    public async Task<ShelfState> RecordManualCountAsync(string shelfId, int units, string by, CancellationToken cancellationToken = default)
    {
        CheckShelfId(shelfId);
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        CheckActor(by);
        return await _grains.GetGrain<IShelfGrain>(shelfId).RecordManualCount(units, by).WaitAsync(cancellationToken) ?? throw new UnknownShelfException(StoreId, shelfId);
    }

    /// <summary>Submits one reading.</summary>
    /// <exception cref="InvalidReadingException">The store rejected it; nothing was stored.</exception>
    public async Task SubmitReadingAsync(SensorReading reading, CancellationToken cancellationToken = default)
    {
        var result = await SubmitAsync(reading).WaitAsync(cancellationToken);
        if (!result.IsAccepted) throw new InvalidReadingException(reading, result.Rejection, result.Message ?? result.Rejection.ToString());
    }

    /// <summary>Submits readings in one call; returns each one's outcome in order instead of throwing.</summary>
    public Task<IReadOnlyList<IngestResult>> SubmitReadingsAsync(IEnumerable<SensorReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        return _grains.GetGrain<IReadingIngressGrain>(0).Submit([.. readings]).WaitAsync(cancellationToken);
    }

    private Task<IngestResult> SubmitAsync(SensorReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (EdgeId.Problem(reading.SensorId.Value, "sensor id") is { } problem)
            return Task.FromResult(new IngestResult(ReadingRejection.UnknownSensor, problem));
        return _grains.GetGrain<ISensorGrain>(reading.SensorId.Value).Ingest(reading);
    }

    private static void CheckActor(string by)
    {
        if (ActorName.Problem(by) is { } problem) throw new ArgumentException(problem, nameof(by));
    }

    private async Task<Alert> Command(string alertId, string by, Func<IShelfGrain, string, string, Task<AlertCommandResult>> command, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alertId);
        CheckActor(by);
        var slash = alertId.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || EdgeId.Problem(alertId[..slash], "shelf id") is not null)
            throw new UnknownAlertException(StoreId, alertId, $"'{alertId}' is not an alert id of the form shelf/Type/number");
        var result = await command(_grains.GetGrain<IShelfGrain>(alertId[..slash]), alertId, by).WaitAsync(cancellationToken);
        return result.Status switch
        {
            AlertCommandStatus.Ok => result.Alert!,
            AlertCommandStatus.AlreadyResolved => throw new AlertAlreadyResolvedException(result.Alert!),
            _ => throw new UnknownAlertException(StoreId, alertId, $"store '{StoreId}': {result.Message}"),
        };
    }

    private void CheckShelfId(string shelfId)
    {
        if (EdgeId.Problem(shelfId, "shelf id") is not null) throw new UnknownShelfException(StoreId, shelfId);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
