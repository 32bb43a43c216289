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
    /// after Orleans so the link starts once the silo is up. The tier supplies an <see cref="IDownlinkTarget"/>.
    /// </summary>
    public static IServiceCollection AddTierLinkClient(this IServiceCollection services, Action<TierLinkClientOptions> configure,
        Action<OutboxOptions>? configureOutbox = null, bool sharedBySilos = false)
    {
        services.AddOptions<TierLinkClientOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnections>();
        var outboxOptions = new OutboxOptions();
        configureOutbox?.Invoke(outboxOptions);
        if (sharedBySilos && outboxOptions.RedisConfiguration is null)
            throw new ArgumentException("silos can share an uplink only over a shared outbox store: set OutboxOptions.RedisConfiguration", nameof(sharedBySilos));
        services.AddSingleton(outboxOptions);
        services.TryAddSingleton<OutboxStoreFactory>();
        services.TryAddSingleton<IOutboxStoreFactory>(sp => sp.GetRequiredService<OutboxStoreFactory>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OutboxLifecycle>();
        services.AddSingleton<ParentLink>();
        services.AddMetrics();
        services.AddSingleton<LinkMetrics>();
        // Registered before the sender and receiver, so it stops after them and then closes the connection.
        services.AddHostedService<ParentLinkCloser>();
        services.AddHostedService(sp => new MetricsActivator(sp.GetRequiredService<LinkMetrics>()));
        if (sharedBySilos)
        {
            // One uplink per cluster, run by whichever silo hosts the owner grain (see UplinkOwnership).
            services.AddSingleton(sp => new UplinkOwnership(sp, sp.GetRequiredService<IOutboxStoreFactory>().Create, outboxOptions,
                sp.GetRequiredService<IOptions<TierLinkClientOptions>>(), sp.GetRequiredService<ILogger<UplinkOwnership>>()));
            services.AddSingleton<IOutboxStatus>(sp => new SharedOutboxView(sp.GetRequiredService<UplinkOwnership>()));
            services.AddHostedService<UplinkClaimer>();
            return services;
        }
        services.TryAddSingleton<IOutbox>(sp => new LinkOutbox(sp.GetRequiredService<IOutboxStoreFactory>().Create(), outboxOptions, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IOutboxStatus>(sp => sp.GetRequiredService<IOutbox>());
        services.AddHostedService<UplinkSender>();
        services.AddHostedService<DownlinkReceiver>();
        return services;
    }
}
