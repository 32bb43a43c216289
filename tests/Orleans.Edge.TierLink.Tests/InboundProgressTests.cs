using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;

namespace Orleans.Edge.TierLink.Tests;

/// <summary>
/// A consumer's checkpoint (the region aggregator's, the cloud fleet's) and the stream's deliveries
/// may interleave. An event applied while the state is being written must be neither half in that
/// write nor confirmed to its log before a write holds it.
/// </summary>
public sealed class InboundProgressTests
{
    private static InboundEvent Event(long sequence) => new("s1", sequence,
        new StoreStateEvent(new StoreId("s1"), new RegionId("r1"), sequence, 1, DateTimeOffset.UtcNow), DateTimeOffset.UtcNow, 7);

    [Fact]
    public async Task EventDeliveredDuringACheckpointsWrite_WaitsForIt_AndIsConfirmedOnlyAfterTheNextWrite()
    {
        var marks = new Dictionary<string, AppliedMark>();
        var progress = new InboundProgress(marks);
        var applied = new List<long>();
        Assert.Equal(InboundOutcome.Applied, await progress.ApplyAsync(Event(1), () => { applied.Add(1); return Task.CompletedTask; }));

        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = new List<long[]>();
        var confirmed = new List<long>();
        Task Confirm(string origin, AppliedMark mark)
        {
            confirmed.Add(mark.Sequence);
            return Task.CompletedTask;
        }
        var checkpoint = progress.CheckpointAsync(async () =>
        {
            writes.Add([.. applied]);
            writing.SetResult();
            await release.Task;
        }, Confirm);
        await writing.Task;

        var second = progress.ApplyAsync(Event(2), () => { applied.Add(2); return Task.CompletedTask; });
        await Task.Delay(50);
        Assert.False(second.IsCompleted, "an event was applied while the checkpoint's write was in flight");
        release.SetResult();
        await checkpoint;
        Assert.Equal(InboundOutcome.Applied, await second);
        Assert.Equal([1L], confirmed);   // what the first write held, and nothing more

        await progress.CheckpointAsync(() =>
        {
            writes.Add([.. applied]);
            return Task.CompletedTask;
        }, Confirm);
        Assert.Equal([[1L], [1L, 2L]], writes);   // the second event made the state dirty again
        Assert.Equal([1L, 2L], confirmed);
    }

    [Fact]
    public async Task WriteThatFails_ConfirmsNothing_AndTheNextCheckpointWritesAgain()
    {
        var progress = new InboundProgress([]);
        await progress.ApplyAsync(Event(1), () => Task.CompletedTask);
        var confirmed = new List<long>();
        Task Confirm(string origin, AppliedMark mark)
        {
            confirmed.Add(mark.Sequence);
            return Task.CompletedTask;
        }

        await Assert.ThrowsAsync<IOException>(() => progress.CheckpointAsync(() => throw new IOException("disk full"), Confirm));
        Assert.Empty(confirmed);
        var wrote = false;
        await progress.CheckpointAsync(() => { wrote = true; return Task.CompletedTask; }, Confirm);
        Assert.True(wrote);
        Assert.Equal([1L], confirmed);
        Assert.Equal(InboundOutcome.Replay, await progress.ApplyAsync(Event(1), () => throw new InvalidOperationException("applied twice")));
    }
}
