using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Edge.Cloud.Models;
using Orleans.Edge.Hosting.Storage;
using Orleans.Edge.Models;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.Hosting.Models;

/// <summary>
/// <c>AddEdgeModelDelivery</c>: the model registry at the cloud, the relay and artifact cache at a
/// region, and the artifact fetch and install at a store. Options: <c>Edge:Models</c> (and
/// <c>Edge:ModelRegistry</c> at the cloud).
/// </summary>
public static class ModelDeliveryHostingExtensions
{
    /// <summary>
    /// Registers model delivery for <paramref name="settings"/>' tier. Artifacts are kept in the
    /// tier's Redis in the production profile, else as files under <c>&lt;data directory&gt;/artifacts</c>
    /// (a fresh temp folder without a data directory). A store installs through the
    /// <see cref="Vision.IModelInstaller"/> its host registers; without one it records assignments only.
    /// </summary>
    public static IServiceCollection AddEdgeModelDelivery(this IServiceCollection services, TierSettings settings)
    {
        var directory = settings.DataDirectory is { } dir
            ? Path.Combine(dir, "artifacts")
            : Path.Combine(Path.GetTempPath(), "orleans-edge-artifacts", $"{settings.ClusterId}-{Guid.NewGuid():N}");
        services.AddEdgeOptions<ModelDeliveryOptions>("Models", o => o.Directory ??= directory);
        services.AddMetrics();
        services.TryAddSingleton<ModelTransferMetrics>();
        services.TryAddSingleton<RedisConnections>();
        services.TryAddSingleton<IArtifactStore>(sp => settings.IsProduction
            ? new RedisArtifactStore(async () => (await sp.GetRequiredService<RedisConnections>().GetAsync(settings.RedisConfiguration!)).GetDatabase(), settings.ClusterId)
            : new FileArtifactStore(Path.Combine(sp.GetRequiredService<IOptions<ModelDeliveryOptions>>().Value.Directory!, "store")));
        switch (settings)
        {
            case CloudTierSettings:
                services.AddEdgeOptions<ModelRegistryOptions>("ModelRegistry");
                break;
            case RegionalTierSettings:
                services.TryAddSingleton<ArtifactDownloader>();
                services.TryAddSingleton<RegionArtifactCache>();
                services.AddSingleton<IArtifactUpstream>(sp => sp.GetRequiredService<RegionArtifactCache>());
                services.AddSingleton<IModelDownlinkTarget, RegionModelTarget>();
                break;
            case StoreTierSettings:
                services.TryAddSingleton<ArtifactDownloader>();
                services.AddSingleton<IModelDownlinkTarget, StoreModelTarget>();
                services.AddHostedService<StoreModelAgent>();
                break;
        }
        return services;
    }
}
