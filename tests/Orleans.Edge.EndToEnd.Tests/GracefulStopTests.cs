using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class GracefulStopTests
{
    [Fact]
    public async Task GracefulStop_DrainsWhatTheSlowLinkCanCarry_BeforeTheStoreStops()
    {
        await using var fleet = await LocalFleet.StartAsync(new LocalFleetOptions { Regions = 1, StoresPerRegion = 1, FaultProxies = true });
        var (region, store) = (fleet.Regions[0], fleet.Stores[0]);
        var proxy = fleet.LinkOf(store.Id)!;
        await using (var client = await FleetFixture.Connect(store))
        {
            await Eventually.Get(() => client.GetUplinkStatusAsync(), s => s.Connected && s.QueuedEvents == 0, "the uplink up and idle");
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
        Assert.Equal(store.Outbox.EventsNumbered, await region.Grains.GetGrain<ILinkInboxGrain>(store.Id).GetAccepted());
    }
}
