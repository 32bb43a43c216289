using Grpc.Core;
using Grpc.Net.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A caller that pushes a forged epoch or sequence for an origin must not make that origin's genuine
/// later events count as duplicates (acked, dropped from its outbox, never applied). The parent refuses
/// an epoch from the future or the past and a gap the child's evictions do not explain, and changes nothing.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class SequencePoisoningTests(FleetFixture fx) : IDisposable
{
    private readonly ChildLinks _channel = new ChildLinks(fx.Region);

    private ChildLinks Link => _channel;

    private static ulong Now => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private P.UpBatch Batch(string store, ulong epoch, long sequence, ulong evicted = 0)
    {
        var batch = new P.UpBatch { ChildId = store, Epoch = epoch };
        batch.Events.Add(LinkMapping.ToWire(store, sequence, new StoreStateEvent(new StoreId(store), new RegionId(fx.Region.Id), sequence, 1, DateTimeOffset.UtcNow)));
        if (evicted > 0) batch.Evicted.AddRange([evicted, 0]);
        return batch;
    }

    private async Task<RpcException> Refused(P.UpBatch batch)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Link.PushAsync(batch).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        return ex;
    }

    private Task<long> Received(string store) =>
        fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores()
            .ContinueWith(t => t.Result.SingleOrDefault(s => s.StoreId == store)?.EventsReceived ?? 0, TaskScheduler.Default);

    [Theory]
    [InlineData(1L << 62)]
    [InlineData(long.MaxValue)]
    [InlineData(3)]   // even a small gap, if nothing was evicted
    public async Task SequenceAheadOfTheWatermark_IsRefused_AndTheGenuineNextEventStillCounts(long forged)
    {
        var store = $"seq-poison-{forged % 1000}";
        var epoch = Now;
        await Link.PushAsync(Batch(store, epoch, 1));

        var ex = await Refused(Batch(store, epoch, forged));
        Assert.Contains("a gap is not a new watermark", ex.Status.Detail, StringComparison.Ordinal);

        var genuine = await Link.PushAsync(Batch(store, epoch, 2));
        Assert.Equal((2ul, 1u, 0u), (genuine.AckedThrough, genuine.Appended, genuine.Duplicates));
        await Eventually.Get(() => Received(store), n => n == 2, "both genuine events applied");
        Assert.Equal(0, await fx.Region.Grains.GetGrain<ILinkInboxGrain>(store).GetDuplicatesDropped());
    }

    [Fact]
    public async Task EpochFromTheFuture_IsRefused_AndTheGenuineEpochGoesOn()
    {
        const string store = "epoch-poison";
        var epoch = Now;
        await Link.PushAsync(Batch(store, epoch, 1));

        foreach (var forged in new[] { (ulong)long.MaxValue, ulong.MaxValue, Now + (ulong)TimeSpan.FromHours(1).TotalMilliseconds })
        {
            var ex = await Refused(Batch(store, forged, 1));
            Assert.Contains("ahead of this parent's clock", ex.Status.Detail, StringComparison.Ordinal);
        }

        var genuine = await Link.PushAsync(Batch(store, epoch, 2));
        Assert.Equal((2ul, 1u, 0u), (genuine.AckedThrough, genuine.Appended, genuine.Duplicates));
        await Eventually.Get(() => Received(store), n => n == 2, "both genuine events applied");
    }

    [Fact]
    public async Task GapThatTheChildsEvictionsExplain_IsTaken_ButNotOneNumberMore()
    {
        const string store = "evicting-store";
        var epoch = Now;
        await Link.PushAsync(Batch(store, epoch, 1));

        var skipped = await Link.PushAsync(Batch(store, epoch, 5, evicted: 3));   // 2, 3, 4 were evicted at the store
        Assert.Equal((5ul, 1u), (skipped.AckedThrough, skipped.Appended));

        var ex = await Refused(Batch(store, epoch, 10, evicted: 5));              // 6..9 is four more; only two more were evicted
        Assert.Contains("dropped only 5", ex.Status.Detail, StringComparison.Ordinal);
        var next = await Link.PushAsync(Batch(store, epoch, 6, evicted: 5));
        Assert.Equal((6ul, 1u, 0u), (next.AckedThrough, next.Appended, next.Duplicates));
        await Eventually.Get(() => Received(store), n => n == 3, "the three events sent applied");
    }

    public void Dispose() => _channel.Dispose();
}
