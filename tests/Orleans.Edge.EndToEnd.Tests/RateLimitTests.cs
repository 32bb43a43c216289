using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Parent;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A child that sends more than its rate is refused with Unavailable (it backs off, its outbox
/// intact) while a sibling keeps being served, and is served again once its bucket refills.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task ChildOverItsRate_IsRefusedUnavailable_WhileASiblingIsServed_AndIsServedAgainLater()
    {
        var (fleet, _) = await RarePathTests.StartAsync("r1", services => services.Configure<TierLinkServerOptions>(o =>
            (o.MaxBatchEvents, o.MaxEventsBurstPerChild, o.MaxEventsPerSecondPerChild) = (100, 100, 20)));
        await using var _ = fleet;
        var region = fleet.Regions[0];
        using var channel = new ChildLinks(region);
        var link = channel;
        var epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        P.UpBatch Batch(string child, long from, int count)
        {
            var batch = new P.UpBatch { ChildId = child, Epoch = epoch };
            for (var i = from; i < from + count; i++)
                batch.Events.Add(LinkMapping.ToWire(child, i, new StoreStateEvent(new StoreId(child), new RegionId("r1"), i, 1, DateTimeOffset.UtcNow)));
            return batch;
        }

        Assert.Equal(100u, (await link.PushAsync(Batch("flood-store", 1, 100))).Appended);   // the whole burst
        var refused = await Assert.ThrowsAsync<RpcException>(() => link.PushAsync(Batch("flood-store", 101, 100)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("events/s", refused.Status.Detail, StringComparison.Ordinal);

        Assert.Equal(10u, (await link.PushAsync(Batch("calm-store", 1, 10))).Appended);       // a sibling has its own bucket
        Assert.Equal(100, await region.Grains.GetGrain<ILinkInboxGrain>("flood-store").GetAccepted());

        // Five seconds later (20 events/s) the bucket has refilled: the refused batch, sent again, is taken whole.
        // (At 20/s, the refused push had to come within 5 s of the first to be refused: room for a slow machine.)
        var again = await Eventually.Get(async () =>
        {
            try
            {
                return (await link.PushAsync(Batch("flood-store", 101, 100))).Appended;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                return 0u;
            }
        }, n => n == 100, "the refused batch taken after the bucket refilled", TimeSpan.FromSeconds(20));
        Assert.Equal(100u, again);
        Assert.Equal(200, await region.Grains.GetGrain<ILinkInboxGrain>("flood-store").GetAccepted());
        await fleet.StopAsync();
    }
}
