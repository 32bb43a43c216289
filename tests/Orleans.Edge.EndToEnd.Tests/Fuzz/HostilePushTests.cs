using CsCheck;
using Grpc.Core;
using Grpc.Net.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Tests.Fuzz;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests.Fuzz;

/// <summary>
/// Hostile batches pushed over gRPC to a real region: each is acked or refused with InvalidArgument,
/// PermissionDenied or FailedPrecondition (never another status, never a fault of the service); a refused
/// one leaves the region's view of its children as it was; and a genuine child is served afterwards.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class HostilePushTests(FleetFixture fx) : IDisposable
{
    private const string Prefix = "fuzz-";
    private readonly ChildLinks _channel = new(fx.Region);

    private static readonly Gen<P.UpBatch> Batch =
        // Hostile child ids too, but never one of the fleet's own children: the fixture is shared.
        from child in Gen.Frequency((6, Gen.Int[0, 9].Select(n => $"{Prefix}s{n}")), (1, Hostile.Id.Select(id => Prefix + id)), (1, Gen.Const("")))
        from epoch in Gen.Frequency((4, Gen.Const(0UL)), (1, Gen.ULong))
        from events in LinkMessages.Event.Array[0, 4]
        from evicted in Gen.Frequency((4, Gen.Const(Array.Empty<ulong>())), (1, Gen.ULong.Array[0, 3]))
        select BatchOf(child, epoch, events, evicted);

    private static P.UpBatch BatchOf(string child, ulong epoch, P.UpEvent[] events, ulong[] evicted)
    {
        // Epoch 0 stands for "now", which a parent takes; a literal 0 or a random one tests the epoch checks.
        var batch = new P.UpBatch { ChildId = child, Epoch = epoch == 0 ? (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : epoch };
        batch.Events.AddRange(events);
        batch.Evicted.AddRange(evicted);
        return batch;
    }

    /// <summary>
    /// The one place that pushes over gRPC, as the child the batch names (over mutual TLS with that
    /// child's certificate; see <see cref="ChildLinks"/>): the ack, or the refusal's status.
    /// </summary>
    private async Task<(P.UpAck? Ack, RpcException? Refusal)> Push(P.UpBatch batch)
    {
        try
        {
            return (await _channel.PushAsync(batch), null);
        }
        catch (RpcException ex)
        {
            return (null, ex);
        }
    }

    private async Task<long> Received(string child) =>
        (await fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores()).SingleOrDefault(s => s.StoreId == child)?.EventsReceived ?? 0;

    private async Task<string> View() =>
        string.Join("\n", (await fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores())
            .Where(s => s.StoreId.StartsWith(Prefix, StringComparison.Ordinal)).OrderBy(s => s.StoreId, StringComparer.Ordinal).Select(s => s.ToString()));

    [Fact]
    public async Task HostileBatches_AreRefusedWithASpecificStatus_LeaveTheRegionUnchanged_AndAGenuineChildIsServedAfter()
    {
        var pcg = new PCG(1, Fuzzing.Seed);
        var n = Fuzzing.Iterations(300);
        var (acked, refused) = (0, 0);
        var appended = new Dictionary<string, long>();
        for (var i = 0; i < n; i++)
        {
            var batch = Batch.Generate(pcg, null, out _);
            var before = await View();
            var (ack, refusal) = await Push(batch);
            var what = $"seed {Fuzzing.Seed}, batch {i}: {Fuzzing.Print(batch)}";
            if (ack is not null)
            {
                // Let the region apply what it took, so the next refusal is judged against a settled view.
                acked++;
                var total = appended[batch.ChildId] = appended.GetValueOrDefault(batch.ChildId) + ack.Appended;
                await Eventually.Get(() => Received(batch.ChildId), r => r >= total, $"{what}: {total} events applied");
                continue;
            }
            refused++;
            Assert.True(refusal!.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.FailedPrecondition,
                $"{what}: {refusal.StatusCode} {refusal.Status.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(refusal.Status.Detail), what);
            Assert.True(before == await View(), $"{what}: refused ({refusal.Status.Detail}) but the region's view changed");
        }
        Assert.True(refused > n / 2, $"{acked} acked, {refused} refused");

        const string genuine = $"{Prefix}genuine";
        var state = new StoreStateEvent(new StoreId(genuine), new RegionId(fx.Region.Id), 0, 3, DateTimeOffset.UtcNow);
        var good = new P.UpBatch { ChildId = genuine, Epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        good.Events.Add(LinkMapping.ToWire(genuine, 1, state));
        var (goodAck, goodRefusal) = await Push(good);
        Assert.True(goodAck is { AckedThrough: 1, Appended: 1 }, goodRefusal?.Status.Detail);
        await Eventually.Get(() => View(), v => v.Contains(genuine, StringComparison.Ordinal), "the genuine child in the region's view");
    }

    public void Dispose() => _channel.Dispose();
}
