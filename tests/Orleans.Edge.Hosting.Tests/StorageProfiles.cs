using Orleans.Edge.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Orleans.Edge.Hosting.Tests;

/// <summary>
/// A silo of each profile, set up by the project's own <see cref="SiloBuilderExtensions.UseEdgeProfile"/>:
/// the embedded one with a data directory (SQLite grain state) and the production one on a real
/// <c>redis-server</c>. Tests reach their grain storage the way a grain's persistent state does.
/// </summary>
public sealed class StorageProfiles : IAsyncLifetime
{
    public const string Embedded = "embedded";
    public const string Production = "production";

    private readonly Dictionary<string, IHost> _hosts = [];

    public RedisServer Redis { get; } = new();

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("edge-state-").FullName;

    public async Task InitializeAsync()
    {
        _hosts[Embedded] = await StartAsync(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), DataDirectory = DataDirectory,
        });
        if (Redis.Problem is null)
        {
            _hosts[Production] = await StartAsync(new CloudTierSettings
            {
                SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), RedisConfiguration = Redis.Configuration,
                // The production profile needs the node's certificates: development ones here.
                Trust =
                {
                    CertificateDirectory = await Trust.DevelopmentCertificates.EnsureAsync(new TrustSettings().EffectiveDevelopmentDirectory,
                        Trust.NodeIdentity.From(TrustSettings.DefaultTrustDomain, EdgeIdentity.Cloud)),
                    SignerDirectory = await Trust.DevelopmentCertificates.EnsureSignerAsync(new TrustSettings().EffectiveDevelopmentDirectory, TrustSettings.DefaultTrustDomain),
                },
            });
        }
    }

    /// <summary>The services of the silo of <paramref name="profile"/>; skips the test where Redis is missing.</summary>
    public IServiceProvider Services(string profile)
    {
        Skip.If(profile == Production && Redis.Problem is not null, Redis.Problem);
        return _hosts[profile].Services;
    }

    /// <summary>The tier's state store in <paramref name="profile"/>.</summary>
    public IGrainStorage StateStore(string profile) => Services(profile).GetRequiredKeyedService<IGrainStorage>(EdgeNames.StateStore);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.StopAsync();
            host.Dispose();
        }
        Redis.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static async Task<IHost> StartAsync(TierSettings settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseEdgeProfile(settings));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
