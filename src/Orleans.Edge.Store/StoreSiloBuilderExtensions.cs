using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.Domain;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Store.Security;

namespace Orleans.Edge.Store;

/// <summary><c>AddEdgeStoreGrains</c>: what the store's grains need in a silo, the same for a store tier and its tests.</summary>
public static class StoreSiloBuilderExtensions
{
    /// <summary>
    /// Registers who the store is (<paramref name="identity"/>), the store grains' settings
    /// (<see cref="StoreOptions"/> from <c>Edge:Store</c>, then <paramref name="configure"/>, validated
    /// at start-up), their metrics (<see cref="StoreCounters"/>) and, unless the host set one, the
    /// system clock as <see cref="EdgeNames.Clock"/>. The host adds grain storage, the
    /// <see cref="EdgeNames.StreamProvider"/> streams and the <see cref="EdgeNames.UplinkProvider"/> (the tier link's outbox).
    /// Camera inference comes with it (<see cref="InferenceServiceCollectionExtensions.AddEdgeInference"/>, <c>Edge:Inference</c>),
    /// and the gateway check that lets clients outside the cluster call only the store-app API (<see cref="GatewayCallFilter"/>).
    /// </summary>
    /// <param name="silo">The store's silo.</param>
    /// <param name="identity">The store and its region.</param>
    /// <param name="configure">Further settings, if any.</param>
    /// <param name="rawReadingSize">
    /// A reading's size in the uplink's encoding, for <c>orleans_edge_readings_raw_bytes_total</c>; the tier link supplies it.
    /// </param>
    public static ISiloBuilder AddEdgeStoreGrains(this ISiloBuilder silo, EdgeIdentity identity, Action<StoreOptions>? configure = null,
        Func<SensorReading, int>? rawReadingSize = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        identity.RequireStore();
        silo.Services.TryAddSingleton(identity);
        silo.Services.AddEdgeOptions("Store", configure);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton(sp => new StoreCounters(sp.GetRequiredService<IMeterFactory>()) { RawReadingSize = rawReadingSize });
        silo.Services.TryAddKeyedSingleton(EdgeNames.Clock, TimeProvider.System);
        silo.Services.AddEdgeInference();
        silo.AddIncomingGrainCallFilter<GatewayCallFilter>();
        silo.Services.AddHostedService<OpenGatewayWarning>();
        return silo;
    }
}
