using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.TierLink.Client;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Edge.TierLink.Server;

namespace Orleans.Edge.TierLink;

/// <summary>Registers the two sides of a tier link.</summary>
public static class TierLinkServiceCollectionExtensions
{
    /// <summary>
    /// The child side: outbox, parent connection, uplink sender and downlink receiver. Register it
    /// after Orleans so the link starts once the silo is up. The tier supplies an <see cref="IDownlinkTarget"/>.
    /// </summary>
    public static IServiceCollection AddTierLinkClient(this IServiceCollection services, Action<TierLinkClientOptions> configure,
        Action<OutboxOptions>? configureOutbox = null)
    {
        services.AddOptions<TierLinkClientOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IOutbox>(sp =>
        {
            var options = new OutboxOptions();
            configureOutbox?.Invoke(options);
            IOutboxStore store = (options.RedisConfiguration, options.SqlitePath) switch
            {
                ({ } redis, null) => new RedisOutboxStore(
                    StackExchange.Redis.ConnectionMultiplexer.Connect(StackExchange.Redis.ConfigurationOptions.Parse(redis)).GetDatabase(),
                    $"edge:outbox:{sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TierLinkClientOptions>>().Value.ChildId}"),
                (null, { } path) => new SqliteOutboxStore(path, options.SyncEveryAppend),
                _ => new MemoryOutboxStore(),
            };
            return new LinkOutbox(store, options, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<ParentLink>();
        services.AddMetrics();
        services.AddSingleton<LinkMetrics>();
        // Registered before the sender and receiver, so it stops after them and then closes the connection.
        services.AddHostedService<ParentLinkCloser>();
        services.AddHostedService(sp => new MetricsActivator(sp.GetRequiredService<LinkMetrics>()));
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
