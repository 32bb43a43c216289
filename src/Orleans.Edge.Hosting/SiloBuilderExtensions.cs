using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Edge.Hosting.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Hosting;
using Orleans.Dashboard;
using Microsoft.Extensions.Hosting;

namespace Orleans.Edge.Hosting;

/// <summary>Orleans set-up shared by every tier.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// The embedded profile: a cluster of its own on loopback (localhost clustering), grain state
    /// in SQLite under the tier's data directory (in memory without one), and the edge stream
    /// provider. Needs no external server.
    /// </summary>
    public static ISiloBuilder UseEdgeEmbeddedProfile(this ISiloBuilder silo, TierSettings settings)
    {
        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, null, EdgeNames.ServiceId, settings.ClusterId);
        silo.UseEdgeGrainStateSerializer();
        if (settings.DataDirectory is { } dir)
        {
            var path = Path.Combine(dir, "grains.db");
            silo.Services.AddGrainStorage(EdgeNames.StateStore, (sp, name) =>
                new SqliteGrainStorage(name, path, sp.GetRequiredService<IGrainStorageSerializer>()));
        }
        else
        {
            silo.AddMemoryGrainStorage(EdgeNames.StateStore);
        }
        silo.AddMemoryGrainStorage(EdgeNames.PubSubStore);
        silo.AddEdgeStreams(settings.StreamPollPeriod);
        if (settings.OpsPort is not null) silo.AddDashboard();
        return silo;
    }

    /// <summary>The embedded profile, or the production profile when the settings name a Redis.</summary>
    public static ISiloBuilder UseEdgeProfile(this ISiloBuilder silo, TierSettings settings) =>
        settings.IsProduction ? silo.UseEdgeProductionProfile(settings) : silo.UseEdgeEmbeddedProfile(settings);

    /// <summary>
    /// The production profile: membership and grain state in the tier's own Redis, so 1–3 silos
    /// form the cluster and a silo's grains move to the others, state intact, when it dies. Keys
    /// carry the cluster id, so tiers sharing a Redis (tests, small sites) do not collide.
    /// </summary>
    public static ISiloBuilder UseEdgeProductionProfile(this ISiloBuilder silo, TierSettings settings)
    {
        var redis = settings.RedisConfiguration ?? throw new ArgumentException("the production profile needs a Redis", nameof(settings));
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, EdgeNames.ServiceId));
        var anyAddress = settings.ListenAddress.Equals(System.Net.IPAddress.Any);
        silo.ConfigureEndpoints(settings.AdvertisedAddress ?? settings.ListenAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: anyAddress);
        silo.UseEdgeGrainStateSerializer();
        silo.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
        // A store has 1-3 silos on one LAN: declare a dead one dead within seconds, so its grains
        // (the uplink's owner among them) move to a survivor quickly; one vote is enough with two silos.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
        foreach (var name in new[] { EdgeNames.StateStore, EdgeNames.PubSubStore })
            silo.AddRedisGrainStorage(name, o =>
            {
                o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                o.GetStorageKey = (storage, grain) => $"{EdgeNames.ServiceId}/{settings.ClusterId}/{storage}/{grain}";
            });
        silo.AddEdgeStreams(settings.StreamPollPeriod);
        if (settings.OpsPort is not null) silo.AddDashboard();
        return silo.UseEdgeClusterTls(settings);
    }

    /// <summary>
    /// Mutual TLS 1.3 on the silo-to-silo and gateway connections of the production profile, with the
    /// cluster's certificate (<see cref="Trust.ClusterTls"/>): a silo joins, and a client (a store app)
    /// connects, only with a certificate of this cluster's identity chained to the fleet's trust bundle.
    /// </summary>
    public static ISiloBuilder UseEdgeClusterTls(this ISiloBuilder silo, TierSettings settings)
    {
        // A tier has registered its credentials for its links already; a silo set up on its own gets them here.
        if (!silo.Services.Any(d => d.ServiceType == typeof(Trust.LinkTrust))) TrustSetup.AddLinkTrust(silo.Services, settings);
        silo.Services.TryAddSingleton(sp => new Trust.ClusterTls(sp.GetRequiredService<Trust.LinkTrust>()));
        silo.Configure<SiloConnectionOptions>(o =>
        {
            o.ConfigureSiloInboundConnection(b => b.UseServerTls(ClusterTlsOptions(b)));
            o.ConfigureGatewayInboundConnection(b => b.UseServerTls(ClusterTlsOptions(b)));
            o.ConfigureSiloOutboundConnection(b => b.UseClientTls(ClusterTlsOptions(b)));
        });
        return silo;
    }

    private static Orleans.Connections.Security.TlsOptions ClusterTlsOptions(Microsoft.AspNetCore.Connections.IConnectionBuilder connection) =>
        connection.ApplicationServices.GetRequiredService<Trust.ClusterTls>().Options();

    /// <summary>
    /// Grain state of every storage of both profiles goes through Orleans' own serializer, which
    /// reads fields by [Id] and takes any collection behind an interface-typed property. Orleans'
    /// default, Newtonsoft JSON with type names, writes the runtime type of such a property, and
    /// for a list built by a collection expression that is a compiler-synthesized type
    /// (<c>&lt;&gt;z__ReadOnlyList</c>) it cannot construct again: the grain, and with it the
    /// tier, then fails on its next start. State written by that JSON serializer is still read
    /// (the fallback), so an existing data directory or Redis stays usable.
    /// </summary>
    public static ISiloBuilder UseEdgeGrainStateSerializer(this ISiloBuilder silo)
    {
        silo.Services.Replace(ServiceDescriptor.Singleton<IGrainStorageSerializer>(sp => new GrainStorageSerializer(
            new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()),
            new JsonGrainStorageSerializer(sp.GetRequiredService<OrleansJsonSerializer>()))));
        return silo;
    }

    /// <summary>The edge stream provider: in-memory queues polled every <paramref name="pollPeriod"/>.</summary>
    public static ISiloBuilder AddEdgeStreams(this ISiloBuilder silo, TimeSpan pollPeriod)
    {
        silo.AddMemoryStreams(EdgeNames.StreamProvider, streams =>
        {
            // One queue per silo: every stream of a tier flows through it, and each queue costs a poll per period.
            streams.ConfigurePartitioning(1);
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = pollPeriod));
        });
        return silo;
    }
}
