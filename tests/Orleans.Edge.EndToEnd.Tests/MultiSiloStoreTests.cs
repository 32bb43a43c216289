using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.EndToEnd.Tests.Chaos;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The production profile end to end, every silo its own process on a real redis-server: a cloud
/// silo, a regional silo and a store of two silos. The store silo that owns the uplink is
/// SIGKILLed mid-run: its grains move to the survivor with their state, the uplink moves with the
/// owner grain, and every alert reaches the cloud once, in order.
/// </summary>
public sealed class MultiSiloStoreTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly List<TierProcess> _processes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task OwnerSiloKilled_UplinkAndGrainsMoveToTheSurvivor_AndNoAlertIsLostOrDoubled()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        var (cloudGateway, cloudLink, regionGateway, regionLink) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        _processes.Add(await TierProcess.StartAsync($"--tier cloud --silo-port {FreePorts.Next()} --gateway-port {cloudGateway} " +
                                                    $"--link-port {cloudLink} --redis {redis.Configuration} --certs {ChildLinks.CertificatesOf(EdgeIdentity.Cloud)} --signer {ChildLinks.SignerOf()}"));
        _processes.Add(await TierProcess.StartAsync($"--tier regional --id ms-r --parent https://127.0.0.1:{cloudLink} --silo-port {FreePorts.Next()} " +
                                                    $"--gateway-port {regionGateway} --link-port {regionLink} --redis {redis.Configuration} --certs {ChildLinks.CertificatesOf(EdgeIdentity.Region("ms-r"))}"));
        await using var cloud = await ClusterConnection.ConnectAsync("cloud", cloudGateway, ChildLinks.CertificatesOf(EdgeIdentity.Cloud));
        await using var region = await ClusterConnection.ConnectAsync("region-ms-r", regionGateway, ChildLinks.CertificatesOf(EdgeIdentity.Region("ms-r")));
        var silos = new Dictionary<int, TierProcess>();
        var gateways = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            var (siloPort, gateway) = (FreePorts.Next(), FreePorts.Next());
            var process = await TierProcess.StartAsync($"--tier store --id ms-s1 --region ms-r --parent https://127.0.0.1:{regionLink} " +
                                                       $"--silo-port {siloPort} --gateway-port {gateway} --redis {redis.Configuration} --certs {ChildLinks.CertificatesOf(EdgeIdentity.Store("ms-r", "ms-s1"))}",
                // The test asks the uplink's owner grain, internal to the store, where it lives.
                new Dictionary<string, string> { ["Edge__Store__OpenGatewayToInternalGrains"] = "true" });
            _processes.Add(process);
            silos[siloPort] = process;
            gateways.Add(gateway);
        }
        var storeCertificates = ChildLinks.CertificatesOf(EdgeIdentity.Store("ms-r", "ms-s1"));
        var options = new StoreClientOptions { StoreId = "ms-s1", CertificateDirectory = storeCertificates };
        foreach (var gateway in gateways) options.Gateways.Add($"127.0.0.1:{gateway}");
        await using var client = await EdgeStoreClient.ConnectAsync(options);
        var cells = new List<SensorId>();
        for (var i = 0; i < 6; i++) cells.Add((await FleetFixture.NewShelf(client, $"ms-{i}")).Cell);

        await Cycle(client, cells);   // every shelf empties (alerts) and is refilled (resolved)
        await using var store = await ClusterConnection.ConnectAsync("store-ms-s1", gateways[1], storeCertificates);
        var owner = await store.Grains.GetGrain<IUplinkOwnerGrain>("ms-s1").Claim();
        var ownerPort = silos.Keys.Single(p => owner.Contains($":{p}:", StringComparison.Ordinal));
        silos[ownerPort].Kill();

        await Cycle(client, cells);   // the store keeps working on the survivor while the uplink moves
        var survivor = silos.Keys.Single(p => p != ownerPort);
        await using var surviving = await ClusterConnection.ConnectAsync("store-ms-s1", gateways[silos.Keys.ToList().IndexOf(survivor)], storeCertificates);
        var newOwner = await Eventually.Get(() => surviving.Grains.GetGrain<IUplinkOwnerGrain>("ms-s1").Claim(),
            at => at.Contains($":{survivor}:", StringComparison.Ordinal), "the uplink's owner on the survivor", TimeSpan.FromSeconds(30));
        Assert.Contains($":{survivor}:", newOwner, StringComparison.Ordinal);

        // Both counts only grow: once they agree, no alert was lost on the way up or counted twice.
        var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        // The survivor's cluster may still route a call to the dead silo now and then: such a probe just asks again.
        var (raised, atCloud) = await Eventually.Get(async () =>
            {
                try
                {
                    return ((await surviving.Grains.GetGrain<IStoreGrain>("ms-s1").GetAlertStats()).AlertsRaised,
                        (await fleet.GetView()).Stores.SingleOrDefault(s => s.StoreId == "ms-s1")?.AlertsRaised ?? 0);
                }
                catch (Orleans.Runtime.OrleansException)
                {
                    return (-1L, -2L);
                }
            },
            counts => counts.Item1 == counts.Item2, "every alert at the cloud, once", TimeSpan.FromSeconds(30));
        Assert.True(raised >= 12, $"two cycles of six shelves should raise at least 12 alerts, got {raised}");
        Assert.Equal(raised, atCloud);
        // The client may still try the dead silo's gateway now and then; a store app retries, so do we.
        var status = await Eventually.Get(Tolerant(() => client.GetUplinkStatusAsync()), s => s is { Connected: true, QueuedEvents: 0 },
            "the outbox drained by the new owner", TimeSpan.FromSeconds(30));
        Assert.Equal(status!.EventsProduced, await region.Grains.GetGrain<ILinkInboxGrain>("ms-s1").GetAccepted());
        var stats = await fleet.GetAlertStats();
        Assert.Equal(0, stats.OutOfOrderForwards);
        // A shelf whose publish failed when the silo died publishes again; the cloud drops the copy.
        Assert.True(stats.DuplicateRevisions <= 6, $"at most one repeat per shelf, got {stats.DuplicateRevisions}");
        var open = (await Eventually.Get(Tolerant(() => client.GetOpenAlertsAsync()), a => a is not null, "the store's open alerts"))!
            .Select(a => (a.AlertId, a.Revision)).Order().ToList();
        // The last revisions (the refills' resolutions) may still be on their way from the region.
        await Eventually.Get(fleet.GetView, v => v.OpenAlerts.Where(a => a.StoreId.Value == "ms-s1").Select(a => (a.AlertId, a.Revision)).Order().SequenceEqual(open),
            "the same open alerts at the cloud as at the store", TimeSpan.FromSeconds(20));
    }

    private static Func<Task<T?>> Tolerant<T>(Func<Task<T>> call) where T : class => async () =>
    {
        try
        {
            return await call();
        }
        catch (Orleans.Runtime.OrleansException)
        {
            return null;
        }
    };

    /// <summary>Empties every shelf and refills it, retrying calls while the cluster recovers from a dead silo.</summary>
    private static async Task Cycle(EdgeStoreClient client, List<SensorId> cells)
    {
        foreach (var units in new[] { 0, 10 })
            foreach (var cell in cells)
                await Eventually.Get(async () =>
                {
                    try
                    {
                        await FleetFixture.Put(client, cell, units).WaitAsync(TimeSpan.FromSeconds(5));
                        return true;
                    }
                    catch (Exception ex) when (ex is TimeoutException or Orleans.Runtime.OrleansException)
                    {
                        return false;
                    }
                }, ok => ok, $"a reading of {cell} accepted", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes)) await process.DisposeAsync();
    }
}
