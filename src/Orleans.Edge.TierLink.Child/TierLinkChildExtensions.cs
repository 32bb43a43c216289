using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.Edge.TierLink;

/// <summary>Registers the child side of a tier link: <c>AddTierLinkClient</c>.</summary>
public static class TierLinkChildExtensions
{
    /// <summary>
    /// The child side: outbox, parent connection, uplink sender and downlink receiver. Register it
    /// after Orleans so the link starts once the silo is up, on a host with an <see cref="EdgeIdentity"/>.
    /// The tier supplies an <see cref="IDownlinkTarget"/>. Options: <c>Edge:Link</c> and
    /// <c>Edge:Outbox</c>, then <paramref name="configure"/> and <paramref name="configureOutbox"/>.
    /// <paramref name="sharedBySilos"/>: the silos of the cluster share one outbox in Redis, and its owner grain runs the link.
    /// </summary>
    public static IServiceCollection AddTierLinkClient(this IServiceCollection services, Action<TierLinkClientOptions> configure,
        Action<OutboxOptions>? configureOutbox = null, bool sharedBySilos = false)
    {
        services.AddEdgeOptions("Link", configure);
        services.AddEdgeOptions<OutboxOptions>("Outbox", o =>
        {
            configureOutbox?.Invoke(o);
            o.SharedBySilos = sharedBySilos;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnections>();
        services.TryAddSingleton<OutboxStoreFactory>();
        services.TryAddSingleton<IOutboxStoreFactory>(sp => sp.GetRequiredService<OutboxStoreFactory>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OutboxLifecycle>();
        services.AddSingleton<ParentLink>();
        services.AddMetrics();
        services.AddSingleton<LinkMetrics>();
        // Registered before the sender and receiver, so it stops after them and then closes the connection.
        services.AddHostedService<ParentLinkCloser>();
        services.AddHostedService(sp => new MetricsActivator(sp.GetRequiredService<LinkMetrics>()));
        // No default verifier on purpose: without AddEdgeDocumentVerification the gate refuses every document (docs/trust.md).
        services.TryAddSingleton<SignedDocumentGate>();
        if (sharedBySilos)
        {
            // One uplink per cluster, run by whichever silo hosts the owner grain (see UplinkOwnership).
            services.AddSingleton(sp => new UplinkOwnership(sp, sp.GetRequiredService<IOutboxStoreFactory>().Create, sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
                sp.GetRequiredService<EdgeIdentity>(), sp.GetRequiredService<ILogger<UplinkOwnership>>()));
            services.AddSingleton<IOutboxStatus>(sp => new SharedOutboxView(sp.GetRequiredService<UplinkOwnership>()));
            services.AddHostedService<UplinkClaimer>();
            return services;
        }
        services.TryAddSingleton<IOutbox>(sp => new LinkOutbox(sp.GetRequiredService<IOutboxStoreFactory>().Create(), sp.GetRequiredService<IOptions<OutboxOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IOutboxStatus>(sp => sp.GetRequiredService<IOutbox>());
        services.AddHostedService<UplinkSender>();
        services.AddHostedService<DownlinkReceiver>();
        return services;
    }
}
