using Orleans.Configuration;
using Orleans.Hosting;

namespace Orleans.Edge.Hosting;

/// <summary>Orleans set-up shared by every tier.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// The embedded profile: a cluster of its own on loopback (localhost clustering), in-memory
    /// grain storage, and the edge stream provider. Needs no external server.
    /// </summary>
    public static ISiloBuilder UseEdgeEmbeddedProfile(this ISiloBuilder silo, TierSettings settings)
    {
        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, null, EdgeNames.ServiceId, settings.ClusterId);
        silo.AddMemoryGrainStorage(EdgeNames.StateStore);
        silo.AddMemoryGrainStorage(EdgeNames.PubSubStore);
        silo.AddEdgeStreams(settings.StreamPollPeriod);
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
