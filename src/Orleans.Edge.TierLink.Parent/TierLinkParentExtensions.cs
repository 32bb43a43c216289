using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.TierLink.Parent;

namespace Orleans.Edge.TierLink;

/// <summary>Registers the parent side of a tier link: <c>AddTierLinkServer</c>, <c>MapTierLink</c>.</summary>
public static class TierLinkParentExtensions
{
    /// <summary>
    /// The parent side: the gRPC service (map it with <see cref="MapTierLink"/>) and the replay of
    /// unconfirmed inbound events at start. Register it after Orleans, on a host with an
    /// <see cref="EdgeIdentity"/> (a region serves its stores, the cloud its regions). Options:
    /// <c>Edge:LinkServer</c>, then <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddTierLinkServer(this IServiceCollection services, Action<TierLinkServerOptions>? configure = null)
    {
        services.AddEdgeOptions("LinkServer", configure);
        services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        services.AddHostedService<InboxRecovery>();
        services.AddMetrics();
        services.TryAddSingleton<ChildRateLimiter>();
        return services;
    }

    /// <summary>Maps the tier-link gRPC service.</summary>
    public static IEndpointRouteBuilder MapTierLink(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<TierLinkService>();
        return endpoints;
    }
}
