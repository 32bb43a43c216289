using Orleans.Edge.TierLink.Client;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests;

public sealed class OutboxTests
{
    private static P.UpEvent Event(long seq) => new() { Sequence = (ulong)seq, StoreState = new P.StoreState { StoreId = "s", RegionId = "r" } };

    [Fact]
    public async Task Append_NumbersEventsInOrder_AndAckTrimsOnlyWhatWasAcked()
    {
        var outbox = new InMemoryOutbox(TimeProvider.System);
        for (var i = 0; i < 5; i++) Assert.Equal(i + 1, await outbox.AppendAsync(Event));
        Assert.Equal([1L, 2, 3], outbox.Peek(3).Select(e => e.Sequence));
        Assert.True(outbox.Bytes > 0);

        outbox.Ack(2);
        Assert.Equal([3L, 4, 5], outbox.Peek(10).Select(e => e.Sequence));
        outbox.Ack(2);   // a repeated ack changes nothing
        Assert.Equal(3, outbox.Count);
        outbox.Ack(5);
        Assert.Equal(0, outbox.Count);
        Assert.Equal(0, outbox.Bytes);
    }

    [Fact]
    public async Task WaitForEntries_CompletesWhenSomethingIsAppended()
    {
        var outbox = new InMemoryOutbox(TimeProvider.System);
        var waiting = outbox.WaitForEntriesAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await outbox.AppendAsync(Event);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        outbox.Ack(1);
        Assert.False(outbox.WaitForEntriesAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void NewOutbox_HasANewerEpoch()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddDays(1));
        var first = new InMemoryOutbox(time);
        time.Now = time.Now.AddSeconds(1);
        Assert.True(new InMemoryOutbox(time).Epoch > first.Epoch);
    }

    [Fact]
    public void Backoff_GrowsWithJitter_UpToItsCap_AndResets()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Next()).ToList();
        Assert.InRange(delays[0].TotalMilliseconds, 50, 100);
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 50, 3000));
        Assert.True(delays[^1].TotalMilliseconds >= 1500);
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
