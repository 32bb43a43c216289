using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Hosting.Chaos;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class GracefulStopTests
{
    [Fact]
    public async Task GracefulStop_DrainsWhatTheSlowLinkCanCarry_BeforeTheStoreStops()
    {
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next() });
        await cloud.StartAsync();
        var regionPort = FreePorts.Next();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "gs", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = regionPort,
        });
        await region.StartAsync();
        await using var proxy = new FaultProxy(regionPort);
        await using var store = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = "gs-s1", RegionId = "gs", ParentAddress = proxy.Address, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(),
        });
        await store.StartAsync();
        await using (var client = await FleetFixture.Connect(store))
        {
            await Eventually.Get(client.GetUplinkStatusAsync, s => s.Connected && s.QueuedEvents == 0, "the uplink up and idle");
            proxy.Delay(TimeSpan.FromMilliseconds(250));   // a slow link: each exchange takes half a second
            for (var i = 0; i < 5; i++)
            {
                var (_, cell) = await FleetFixture.NewShelf(client, $"gs-{i}");
                await FleetFixture.Put(client, cell, 0);
            }
            Assert.True(store.Outbox!.Count > 0, "events should be waiting on the slow link when the stop begins");
        }

        await store.StopAsync();

        Assert.Equal(0, store.Outbox!.Count);
        Assert.Equal(store.Outbox.EventsNumbered, await region.Grains.GetGrain<ILinkInboxGrain>("gs-s1").GetAccepted());
    }
}
