using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Orleans.Edge.Client;

/// <summary>
/// Registers <see cref="IEdgeStoreClient"/> on an app's own host: the Orleans client runs in the
/// app's host, with its logging, configuration and lifetime, and starts and stops with it.
/// </summary>
public static class EdgeStoreClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds an Orleans client of the store's cluster and an <see cref="IEdgeStoreClient"/> over it,
    /// with <see cref="StoreClientOptions"/> bound from <paramref name="section"/> (e.g. <c>configuration.GetSection("Store")</c>)
    /// and validated when the host starts.
    /// </summary>
    /// <exception cref="OptionsValidationException">At host start: the options have problems, each naming its setting.</exception>
    /// <exception cref="StoreUnreachableException">At host start: the store could not be reached.</exception>
    public static IServiceCollection AddEdgeStoreClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<StoreClientOptions>().Bind(section);
        return AddCore(services, (section as IConfigurationSection)?.Path);
    }

    /// <summary>As <see cref="AddEdgeStoreClient(IServiceCollection, IConfiguration)"/>, with the options set in code.</summary>
    public static IServiceCollection AddEdgeStoreClient(this IServiceCollection services, Action<StoreClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<StoreClientOptions>().Configure(configure);
        return AddCore(services, null);
    }

    private static IServiceCollection AddCore(IServiceCollection services, string? sectionPath)
    {
        services.AddOptions<StoreClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreClientOptions>>(new StoreClientOptionsValidator(sectionPath)));
        services.TryAddSingleton(TimeProvider.System);

        // The options are known only once the container is built, so the client's own options
        // are derived from them rather than passed to UseStaticClustering(endpoints).
        services.AddOptions<ClusterOptions>().PostConfigure<IOptions<StoreClientOptions>>((cluster, store) =>
        {
            cluster.ClusterId = store.Value.EffectiveClusterId;
            cluster.ServiceId = EdgeNames.ServiceId;
        });
        // A gateway that accepts and never answers holds an attempt for OpenConnectionTimeout (5 s by
        // default); no attempt may outlast the whole connect timeout.
        services.AddOptions<ConnectionOptions>().PostConfigure<IOptions<StoreClientOptions>>((connection, store) =>
        {
            if (store.Value.ConnectTimeout > TimeSpan.Zero && store.Value.ConnectTimeout < connection.OpenConnectionTimeout)
                connection.OpenConnectionTimeout = store.Value.ConnectTimeout;
        });
        services.AddOrleansClient(client =>
        {
            client.UseStaticClustering(gateways => gateways.Configure<IOptions<StoreClientOptions>>((list, store) =>
                list.Gateways = [.. store.Value.GatewayEndpoints().Select(ep => ep.ToGatewayUri())]));
            client.Services.AddSingleton(sp => new StoreClientTls(sp.GetRequiredService<IOptions<StoreClientOptions>>().Value, sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
            StoreClientTls.Use(client);
            client.Services.AddSingleton<IClientConnectionRetryFilter>(sp =>
                new StoreConnectionRetryFilter(sp.GetRequiredService<IOptions<StoreClientOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        });
        services.TryAddSingleton<IEdgeStoreClient>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StoreClientOptions>>().Value;
            return EdgeStoreClient.Create(sp.GetRequiredService<IClusterClient>(), options.StoreId, options.AlertWatch);
        });
        return services;
    }
}
