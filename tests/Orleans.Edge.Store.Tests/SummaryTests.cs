using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Store.Shelves;

namespace Orleans.Edge.Store.Tests;

[Collection(StoreClusterCollection.Name)]
public sealed class SummaryTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task ClosedWindow_PublishesOneSummary_WithSalesAndRestock()
    {
        var shelf = await fx.NewShelfAsync("summary");
        var grain = fx.Client.GetGrain<IShelfGrain>(shelf.Id);
        fx.Time.Advance(TimeSpan.FromSeconds(31));
        await grain.Tick();   // closes whatever window was open at provisioning
        foreach (var units in new[] { 10, 9, 7, 7, 10 })
        {
            await shelf.Units(units);
            fx.Time.Advance(TimeSpan.FromSeconds(2));
        }
        fx.Time.Advance(TimeSpan.FromSeconds(31));
        await grain.Tick();

        var events = await Eventually.Get(fx.UplinkEventsAsync,
            e => e.OfType<ShelfSummaryEvent>().Any(s => s.Summary.ShelfId == shelf.Shelf && s.Summary.Readings == 5), "summary upward");
        var summary = events.OfType<ShelfSummaryEvent>().Single(s => s.Summary.ShelfId == shelf.Shelf && s.Summary.Readings == 5).Summary;
        Assert.Equal(3, summary.SalesEstimate);
        Assert.Equal(3, summary.RestockEstimate);
        Assert.Equal(7, summary.UnitsMin, 1);
        Assert.Equal(10, summary.UnitsMax, 1);
        Assert.Equal(1, summary.Availability);
        Assert.Equal($"sku-{shelf.Id}", summary.Sku);
    }

    [Fact]
    public void Availability_IsTheShareOfObservedTimeWithStock()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var window = new SummaryWindow(t0);
        window.Observe(3, t0);
        window.Observe(0, t0.AddSeconds(30));   // 30 s with stock
        window.Observe(4, t0.AddSeconds(40));   // 10 s empty
        var summary = window.Close(t0.AddSeconds(60), new StoreId("s"), new ShelfId("x"), "sku")!;   // 20 s with stock
        Assert.Equal(50.0 / 60, summary.Availability, 3);
        Assert.Equal(3, summary.SalesEstimate);
        Assert.Equal(4, summary.RestockEstimate);
        Assert.Equal(3, summary.Readings);
    }

    [Fact]
    public void EmptyWindow_HasNoSummary()
    {
        var window = new SummaryWindow(DateTimeOffset.UnixEpoch);
        Assert.Null(window.Close(DateTimeOffset.UnixEpoch.AddSeconds(30), new StoreId("s"), new ShelfId("x"), "sku"));
    }
}
