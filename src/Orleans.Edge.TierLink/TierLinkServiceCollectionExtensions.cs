using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.TierLink.Client;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Edge.TierLink.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.Edge.TierLink;

/// <summary>Registers the two sides of a tier link.</summary>
public static class TierLinkServiceCollectionExtensions
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
            services.AddSingleton<IOutbox>(sp => new SharedOutboxView(sp.GetRequiredService<UplinkOwnership>()));
            services.AddHostedService<UplinkClaimer>();
            return services;
        }
        services.TryAddSingleton<IOutbox>(sp => new LinkOutbox(sp.GetRequiredService<IOutboxStoreFactory>().Create(), outboxOptions, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<UplinkSender>();
        services.AddHostedService<DownlinkReceiver>();
        return services;
    }

    /// <summary>
    /// The parent side: the gRPC service (map it with <see cref="MapTierLink"/>) and the replay of
    /// unconfirmed inbound events at start. Register it after Orleans.
    /// </summary>
    public static IServiceCollection AddTierLinkServer(this IServiceCollection services, Action<TierLinkServerOptions> configure)
    {
        services.AddOptions<TierLinkServerOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        services.AddHostedService<InboxRecovery>();
        return services;
    }

    /// <summary>Maps the tier-link gRPC service.</summary>
    public static IEndpointRouteBuilder MapTierLink(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<TierLinkService>();
        return endpoints;
    }
}
