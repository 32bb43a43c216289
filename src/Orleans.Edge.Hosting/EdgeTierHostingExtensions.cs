using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Cloud;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting.Models;
using Orleans.Edge.Regional;
using Orleans.Edge.Store;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.Hosting;

/// <summary><c>AddEdgeStoreTier</c>, <c>AddEdgeRegionalTier</c>, <c>AddEdgeCloudTier</c>: one call sets up a tier's silo and links.</summary>
public static class EdgeTierHostingExtensions
{
    /// <summary>A store cluster: sensor, shelf, store and config grains, and a tier link to its region.</summary>
    public static IHostApplicationBuilder AddEdgeStoreTier(this IHostApplicationBuilder builder, StoreTierSettings settings)
    {
        Validate(settings);
        AddCommon(builder, settings);
        builder.UseOrleans(silo => silo.UseEdgeProfile(settings)
            .AddEdgeStoreGrains(settings.Identity, settings.ConfigureStore, reading => LinkMapping.RawReadingSize(1, reading))
            .AddUplinkStreams(settings));
        builder.Services.AddSingleton<IDownlinkTarget, StoreDownlinkTarget>();
        builder.Services.AddTierLinkClient(o =>
        {
            o.ParentAddress = settings.ParentAddress;
            settings.ConfigureLink?.Invoke(o);
        }, outbox => UseDataDirectory(outbox, settings), sharedBySilos: settings.IsProduction);
        builder.Services.AddHostedService<StoreStartup>();
        builder.Services.AddEdgeModelDelivery(settings);
        FollowRevocations(builder, settings);
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder;
    }

    /// <summary>A regional cluster: aggregator and config relay, a tier link server for its stores and a link to the cloud.</summary>
    public static WebApplicationBuilder AddEdgeRegionalTier(this WebApplicationBuilder builder, RegionalTierSettings settings)
    {
        Validate(settings);
        AddCommon(builder, settings);
        ListenForChildren(builder, settings);
        builder.Services.AddEdgeOptions<RegionOptions>("Region", o => o.SummaryWindow = settings.SummaryWindow);
        builder.UseOrleans(silo => silo.UseEdgeProfile(settings).AddUplinkStreams(settings));
        builder.Services.AddTierLinkServer();
        builder.Services.AddSingleton<IDownlinkTarget, RegionDownlinkTarget>();
        builder.Services.AddTierLinkClient(o =>
        {
            o.ParentAddress = settings.ParentAddress;
            settings.ConfigureLink?.Invoke(o);
        }, outbox => UseDataDirectory(outbox, settings), sharedBySilos: settings.IsProduction);
        builder.Services.AddEdgeModelDelivery(settings);
        FollowRevocations(builder, settings);
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder;
    }

    /// <summary>The cloud cluster: policies, the model registry and the fleet view, and a tier link server for regions.</summary>
    public static WebApplicationBuilder AddEdgeCloudTier(this WebApplicationBuilder builder, CloudTierSettings settings)
    {
        Validate(settings);
        AddCommon(builder, settings);
        ListenForChildren(builder, settings);
        builder.Services.AddEdgeOptions<FleetOptions>("Fleet", settings.ConfigureFleet);
        builder.Services.AddSingleton<FleetMetrics>();
        builder.UseOrleans(silo => silo.UseEdgeProfile(settings));
        builder.Services.AddTierLinkServer();
        builder.Services.AddEdgeModelDelivery(settings);
        FollowRevocations(builder, settings);
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder;
    }

    // The fleet's deny-list, as this cluster holds it, on this node's links. Registered after the
    // silo, so it stops first: its long poll on the list grain would otherwise hold that grain's
    // deactivation, and so the silo's shutdown, for the whole wait.
    private static void FollowRevocations(IHostApplicationBuilder builder, TierSettings settings)
    {
        if (!settings.Trust.Insecure) builder.Services.AddHostedService<TierLink.Child.RevocationFollower>();
    }

    private static void Validate(TierSettings settings)
    {
        var problems = settings.Problems().ToList();
        if (problems.Count > 0)
            throw new ArgumentException($"Invalid {settings.GetType().Name} for {settings.ClusterId}: {string.Join("; ", problems)}", nameof(settings));
    }

    private static void AddCommon(IHostApplicationBuilder builder, TierSettings settings)
    {
        builder.Services.AddSingleton(settings.Identity);
        TrustSetup.AddLinkTrust(builder.Services, settings);
        TrustSetup.AddDocumentSigning(builder.Services, settings);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(EdgeNames.Clock, settings.Time ?? TimeProvider.System);
        // Defaults under every other source, so Logging:LogLevel:* in appsettings.json or the
        // environment still sets them: Orleans writes ~25 option dumps, its placement retries
        // (Polly) and its start-up steps at Information, and every probe and scrape two lines;
        // a silo's own start-up summary says what matters.
        // A host that configures its own logging (the demo, tests) gets none of these: their
        // per-category rules would outrank its minimum level.
        if (settings.ConfigureLogging is { } logging) logging(builder.Logging);
        else
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
            {
                InitialData = QuietLogLevels.Select(kv => KeyValuePair.Create($"Logging:LogLevel:{kv.Key}", (string?)kv.Value)),
            });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
    }

    /// <summary>Log levels a tier starts with unless configuration says otherwise (<c>Logging:LogLevel:&lt;category&gt;</c>).</summary>
    public static IReadOnlyDictionary<string, string> QuietLogLevels { get; } = new Dictionary<string, string>
    {
        ["Orleans"] = "Warning",
        ["Orleans.Edge"] = "Information",
        ["Polly"] = "Warning",
        ["Microsoft.AspNetCore"] = "Warning",
        ["Microsoft.Hosting.Lifetime"] = "Warning",
    };

    // One writer of the outbox per cluster: this silo itself, or (silos sharing a Redis) the uplink's owner grain.
    private static ISiloBuilder AddUplinkStreams(this ISiloBuilder silo, TierSettings settings) => settings.IsProduction
        ? silo.AddSharedOutboxStreams(EdgeNames.UplinkProvider)
        : silo.AddOutboxStreams(EdgeNames.UplinkProvider);

    private static void UseDataDirectory(OutboxOptions outbox, TierSettings settings)
    {
        if (settings.IsProduction) outbox.RedisConfiguration = settings.RedisConfiguration;
        else if (settings.DataDirectory is { } dir) outbox.SqlitePath = Path.Combine(dir, "outbox.db");
    }

    private static void ListenForChildren(WebApplicationBuilder builder, TierSettings settings) =>
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Children make TLS themselves, per connection (ParentLink), then speak HTTP/2 in it
            // with :scheme http; the connection's TLS is what counts, not that pseudo-header.
            k.AllowAlternateSchemes = true;
            k.Listen(settings.ListenAddress, settings switch { RegionalTierSettings r => r.LinkPort, CloudTierSettings c => c.LinkPort, _ => 0 }, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            TrustSetup.UseLinkTls(l, settings);
        });
        });
}

/// <summary>Announces the store upward once its silo is running, so its region knows it before any alert.</summary>
internal sealed class StoreStartup(IClusterClient cluster, EdgeIdentity identity) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        cluster.GetGrain<IStoreConfigGrain>(identity.RequireStore()).ReportState();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
