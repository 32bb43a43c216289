using Orleans.Edge.TierLink.Parent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Edge.Hosting.Ops;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.Hosting;

/// <summary>
/// One running cluster (a single silo in the embedded profile) with its tier link. The demo and
/// the end-to-end tests start many of these side by side, each its own Orleans cluster.
/// </summary>
public sealed class EdgeTierHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Dictionary<Type, object?> _resolved = [];
    private int _disposed;

    private EdgeTierHost(IHost host, EdgeTier tier, string id, TierSettings settings, Uri? linkAddress)
    {
        _host = host;
        Tier = tier;
        Id = id;
        Settings = settings;
        LinkAddress = linkAddress;
    }

    /// <summary>Which tier.</summary>
    public EdgeTier Tier { get; }

    /// <summary>Store id, region id or "cloud".</summary>
    public string Id { get; }

    /// <summary>The settings it runs with.</summary>
    public TierSettings Settings { get; }

    /// <summary>The Orleans cluster id.</summary>
    public string ClusterId => Settings.ClusterId;

    /// <summary>Where its operations endpoints answer (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/dashboard</c>), if it has them.</summary>
    public Uri? OpsAddress => Settings.OpsPort is { } port ? new Uri($"{(Settings.IsProduction ? "https" : "http")}://{(Settings.ListenAddress.Equals(System.Net.IPAddress.Any) ? System.Net.IPAddress.Loopback : Settings.ListenAddress)}:{port}") : null;

    /// <summary>Where its children dial in (regional and cloud tiers).</summary>
    public Uri? LinkAddress { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Grain access inside this cluster.</summary>
    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>The link to its parent (store and regional tiers).</summary>
    public ParentLink? Uplink => Get<ParentLink>();

    /// <summary>How its tier links authenticate: mutual TLS as its identity, or insecure.</summary>
    public Trust.LinkTrust? LinkTrust => Get<Trust.LinkTrust>();

    /// <summary>The user and password its <c>/metrics</c> and <c>/dashboard</c> accept (null without ops endpoints); known once started.</summary>
    public Ops.OpsCredentials? OpsCredentials => Get<Ops.OpsAccess>()?.Credentials;

    /// <summary>Where its tier-link credentials are read from (null when insecure).</summary>
    public string? CredentialsDirectory => Settings.Trust.Insecure ? null : TrustSetup.NodeDirectory(Settings);

    /// <summary>The outbox of its uplink (store and regional tiers).</summary>
    public IOutboxStatus? Outbox => Get<IOutboxStatus>();

    /// <summary>True from the end of <see cref="StartAsync"/> until a stop begins.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>
    /// A singleton service of the host, resolved once and kept: its counters stay readable after the
    /// host has stopped, which lets a report add up every life of a cluster that was restarted.
    /// </summary>
    public T? Get<T>() where T : class
    {
        lock (_resolved)
        {
            if (!_resolved.TryGetValue(typeof(T), out var service)) _resolved[typeof(T)] = service = _host.Services.GetService<T>();
            return (T?)service;
        }
    }

    /// <summary>Builds a store cluster.</summary>
    public static EdgeTierHost CreateStore(StoreTierSettings settings)
    {
        if (settings.OpsPort is null)
        {
            // No HTTP at all: a store without operations endpoints has nothing to listen on.
            var plain = Host.CreateApplicationBuilder();
            plain.AddEdgeStoreTier(settings);
            return new EdgeTierHost(plain.Build(), EdgeTier.Store, settings.StoreId, settings, null);
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddEdgeStoreTier(settings);
        builder.AddEdgeOps(settings);
        var app = builder.Build();
        app.MapEdgeOps(settings);
        return new EdgeTierHost(app, EdgeTier.Store, settings.StoreId, settings, null);
    }

    /// <summary>Builds a regional cluster.</summary>
    public static EdgeTierHost CreateRegion(RegionalTierSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddEdgeRegionalTier(settings);
        builder.AddEdgeOps(settings);
        var app = builder.Build();
        app.MapTierLink();
        app.MapEdgeOps(settings);
        return new EdgeTierHost(app, EdgeTier.Regional, settings.RegionId, settings, new Uri($"{settings.LinkScheme}://127.0.0.1:{settings.LinkPort}"));
    }

    /// <summary>Builds the cloud cluster.</summary>
    public static EdgeTierHost CreateCloud(CloudTierSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddEdgeCloudTier(settings);
        builder.AddEdgeOps(settings);
        var app = builder.Build();
        app.MapTierLink();
        app.MapEdgeOps(settings);
        return new EdgeTierHost(app, EdgeTier.Cloud, EdgeNames.CloudKey, settings, new Uri($"{settings.LinkScheme}://127.0.0.1:{settings.LinkPort}"));
    }

    /// <summary>
    /// Checks that every port is free, the data directory writable and the Redis reachable (a
    /// <see cref="TierStartException"/> otherwise, before anything has started), then starts the
    /// silo, then the links.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await StartChecks.RunAsync(Settings, cancellationToken);
        await TrustSetup.PrepareAsync(Settings, cancellationToken);
        PrepareOpsCredentials();
        await _host.StartAsync(cancellationToken);
        _ = (Uplink, Outbox, LinkTrust, Get<Store.StoreCounters>(), Get<ModelTransferMetrics>());   // resolve them while the container is alive
        IsRunning = true;
    }

    private void PrepareOpsCredentials()
    {
        if (Get<Ops.OpsAccess>() is not { } ops) return;
        try
        {
            _ = ops.Credentials;
        }
        catch (Exception ex) when (ex is Trust.TrustException or IOException or UnauthorizedAccessException)
        {
            throw new TierStartException($"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.DevelopmentDirectory)}",
                $"the ops credentials in '{Ops.OpsCredentials.FileOf(Settings)}' ({{0}}) cannot be used: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    /// <summary>Completes when the process is asked to stop (SIGTERM, Ctrl-C).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _host.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the links and the silo.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        IsRunning = false;
        return _host.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Stops abruptly, as a crash would look from outside: nothing is flushed or handed over, the
    /// silo leaves its cluster without a goodbye, links drop mid-call. (In a test process the only
    /// harder stop is SIGKILL of a separate process; see the silo executable.)
    /// </summary>
    public async Task CrashAsync()
    {
        IsRunning = false;
        try
        {
            await _host.StopAsync(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
            // expected: nothing was given time to finish
        }
        await DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        IsRunning = false;
        if (_host is IAsyncDisposable d) await d.DisposeAsync();
        else _host.Dispose();
    }
}
