using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.Events;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests;

public sealed class OutboxTests(RedisServer redis) : IDisposable, IClassFixture<RedisServer>
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-").FullName;
    private readonly string _redisPrefix = $"test:{Guid.NewGuid():N}";
    private readonly ManualTime _time = new(DateTimeOffset.UnixEpoch.AddDays(20_000));
    private StackExchange.Redis.ConnectionMultiplexer? _redis;

    public static TheoryData<string> Backends => ["memory", "sqlite", "redis"];

    private async Task<LinkOutbox> Open(string backend, long budget = 64 * 1024)
    {
        Skip.If(backend == "redis" && redis.Problem is not null, redis.Problem);
        IOutboxStore store = backend switch
        {
            "sqlite" => new SqliteOutboxStore(Path.Combine(_dir, "outbox.db"), syncEveryAppend: false),
            "redis" => new RedisOutboxStore((_redis ??= StackExchange.Redis.ConnectionMultiplexer.Connect(redis.Configuration)).GetDatabase(), _redisPrefix),
            _ => new MemoryOutboxStore(),
        };
        return await LinkOutbox.OpenAsync(store, new OutboxOptions { BudgetBytes = budget }, _time);
    }

    /// <summary>An event of about <paramref name="size"/> bytes.</summary>
    private static Func<long, P.UpEvent> Event(int size = 40) =>
        seq => new P.UpEvent { Sequence = (ulong)seq, StoreState = new P.StoreState { StoreId = new string('s', size), RegionId = "r" } };

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Append_NumbersEventsInOrder_AndAckTrimsOnlyWhatWasAcked(string backend)
    {
        await using var outbox = await Open(backend);
        for (var i = 0; i < 5; i++) Assert.Equal(i + 1, await outbox.AppendAsync(EventClass.Summary, Event()));
        Assert.Equal([1L, 2, 3], outbox.Peek(3).Select(e => e.Sequence));
        Assert.True(outbox.Bytes > 0);

        await outbox.AckAsync(Lanes.Bulk, 2);
        Assert.Equal([3L, 4, 5], outbox.Peek(10).Select(e => e.Sequence));
        await outbox.AckAsync(Lanes.Bulk, 2);       // a repeated ack changes nothing
        await outbox.AckAsync(Lanes.Priority, 5);   // nor does an ack of another lane
        Assert.Equal(3, outbox.Count);
        await outbox.AckAsync(Lanes.Bulk, 5);
        Assert.Equal(0, outbox.Count);
        Assert.Equal(0, outbox.Bytes);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task DurableOutbox_KeepsEpochEntriesAndSequenceAcrossReopening(string backend)
    {
        long epoch;
        await using (var outbox = await Open(backend))
        {
            epoch = outbox.Epoch;
            for (var i = 0; i < 4; i++) await outbox.AppendAsync(EventClass.Alert, Event());
            await outbox.AckAsync(Lanes.Priority, 1);
        }
        await using (var reopened = await Open(backend))
        {
            Assert.Equal(epoch, reopened.Epoch);
            Assert.Equal([2L, 3, 4], reopened.Peek(10).Select(e => e.Sequence));
            Assert.All(reopened.Peek(10), e => Assert.Equal(EventClass.Alert, e.Class));
            await reopened.AckAsync(Lanes.Priority, 4);
        }
        await using (var emptied = await Open(backend))
        {
            // Everything was acked, yet numbering goes on: restarting at 1 in the same epoch would read as duplicates.
            Assert.Equal(5, await emptied.AppendAsync(EventClass.Alert, Event()));
            Assert.Equal(epoch, emptied.Epoch);
        }
    }

    [Fact]
    public async Task MemoryOutbox_StartsANewEpochEachTime()
    {
        var first = await Open("memory");
        _time.Now = _time.Now.AddSeconds(1);
        Assert.True((await Open("memory")).Epoch > first.Epoch);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task FullBudget_EvictsTheLowestClassOldestFirst_AndCountsIt(string backend)
    {
        await using var outbox = await Open(backend);
        long? seq;
        var kinds = new[] { EventClass.Summary, EventClass.Bulk, EventClass.ReportedState, EventClass.Bulk, EventClass.Alert };
        var appended = new List<(long Seq, EventClass Class)>();
        // Fill to the brim: ~1 KiB events into a 64 KiB budget.
        for (var i = 0; outbox.Bytes + 1100 <= 64 * 1024; i++)
        {
            seq = await outbox.AppendAsync(kinds[i % kinds.Length], Event(1000));
            appended.Add((seq!.Value, kinds[i % kinds.Length]));
        }
        var firstBulk = appended.First(a => a.Class == EventClass.Bulk).Seq;

        seq = await outbox.AppendAsync(EventClass.Summary, Event(1000));

        Assert.NotNull(seq);
        Assert.DoesNotContain(outbox.Peek(1000), e => e.Lane == Lanes.Bulk && e.Sequence == firstBulk);
        Assert.Equal(1, outbox.Evicted[(EventClass.Bulk, EvictionCause.Budget)]);
        Assert.All(appended.Where(a => a.Class != EventClass.Bulk),
            a => Assert.Contains(outbox.Peek(1000), e => e.Lane == a.Class.LaneOf() && e.Sequence == a.Seq));
        Assert.True(outbox.Bytes <= 64 * 1024);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task WhenOnlyAlertsRemain_ASummaryIsDropped_AndAnAlertWaitsForRoom(string backend)
    {
        await using var outbox = await Open(backend);
        while (outbox.Bytes + 1100 <= 64 * 1024) await outbox.AppendAsync(EventClass.Alert, Event(1000));
        var alerts = outbox.Count;

        Assert.Null(await outbox.AppendAsync(EventClass.Summary, Event(1000)));
        Assert.Equal(1, outbox.Evicted[(EventClass.Summary, EvictionCause.Budget)]);

        var pending = outbox.AppendAsync(EventClass.Alert, Event(1000)).AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);   // backpressure, not loss
        await outbox.AckAsync(Lanes.Priority, 1);
        Assert.Equal(alerts + 1, await pending.WaitAsync(TimeSpan.FromSeconds(5)));
        // The dropped summary took number 1 of the bulk lane, so that it is counted as produced and evicted.
        Assert.Equal([alerts + 1, 1L], outbox.LastSequences);
        Assert.DoesNotContain(outbox.Evicted.Keys, k => k.Class == EventClass.Alert);
    }

    [SkippableFact]
    public async Task SecondWriterOfASharedRedisOutbox_FailsLoudly_InsteadOfReusingASequenceNumber()
    {
        await using var first = await Open("redis");
        await using var second = await Open("redis");   // a brief duplicate owner, loaded from the same keys
        Assert.Equal(1, await first.AppendAsync(EventClass.Alert, Event()));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.AppendAsync(EventClass.Alert, Event()));

        Assert.Contains("another writer", refused.Message, StringComparison.Ordinal);
        await using var reopened = await Open("redis");
        Assert.Equal([1L], reopened.Peek(10).Select(e => e.Sequence));
        Assert.Equal(2, await reopened.AppendAsync(EventClass.Alert, Event()));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task DurableOutbox_KeepsCountingEvictionsAndSequencesAcrossReopening(string backend)
    {
        await using (var outbox = await Open(backend))
        {
            await outbox.AppendAsync(EventClass.Bulk, Event());
            await outbox.AppendAsync(EventClass.Alert, Event());
            _time.Now = _time.Now.AddDays(3);
            await outbox.AppendAsync(EventClass.Summary, Event());   // expires the bulk event
        }
        await using var reopened = await Open(backend);

        Assert.Equal(1, reopened.Evicted[(EventClass.Bulk, EvictionCause.Ttl)]);
        Assert.Equal([1L, 2], reopened.LastSequences);   // an alert; a bulk event and a summary
        Assert.Equal(reopened.EventsNumbered, reopened.Count + reopened.Evicted.Values.Sum());   // produced = queued + evicted (+ acked: none yet)
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task ExpiredEntries_LeaveWithTheirCause_ButAlertsStay(string backend)
    {
        await using var outbox = await Open(backend);
        await outbox.AppendAsync(EventClass.Bulk, Event());
        await outbox.AppendAsync(EventClass.Alert, Event());
        _time.Now = _time.Now.AddDays(3);   // past bulk's 12 h and summary's 2 d

        await outbox.AppendAsync(EventClass.Summary, Event());

        Assert.Equal([(EventClass.Alert, 1L), (EventClass.Summary, 2)], outbox.Peek(10).Select(e => (e.Class, e.Sequence)));
        Assert.Equal(1, outbox.Evicted[(EventClass.Bulk, EvictionCause.Ttl)]);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task AfterABacklogOfSummaries_AlertsAndStateGoFirst_EachLaneInItsOwnOrder(string backend)
    {
        await using var outbox = await Open(backend);
        for (var i = 0; i < 20; i++) await outbox.AppendAsync(EventClass.Summary, Event());
        await outbox.AppendAsync(EventClass.Alert, Event());
        await outbox.AppendAsync(EventClass.ReportedState, Event());
        await outbox.AppendAsync(EventClass.Alert, Event());

        var batch = outbox.Peek(5);

        Assert.Equal([(EventClass.Alert, 1L), (EventClass.ReportedState, 2), (EventClass.Alert, 3), (EventClass.Summary, 1), (EventClass.Summary, 2)],
            batch.Select(e => (e.Class, e.Sequence)));
        await outbox.AckAsync(Lanes.Priority, 3);
        Assert.Equal(20, outbox.Count);
        Assert.All(outbox.Peek(100), e => Assert.Equal(EventClass.Summary, e.Class));
    }

    [Fact]
    public async Task WaitForEntries_CompletesWhenSomethingIsAppended()
    {
        await using var outbox = await Open("memory");
        var waiting = outbox.WaitForEntriesAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await outbox.AppendAsync(EventClass.Alert, Event());
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        await outbox.AckAsync(Lanes.Priority, 1);
        Assert.False(outbox.WaitForEntriesAsync(CancellationToken.None).IsCompleted);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task EventLargerThanTheCap_IsRefusedWhereItIsProduced_AndTakesNoNumber(string backend)
    {
        await using var outbox = await Open(backend);
        var error = await Assert.ThrowsAsync<EventTooLargeException>(async () => await outbox.AppendAsync(EventClass.Alert, Event(300 * 1024)));
        Assert.Equal(256 * 1024, error.Limit);
        Assert.Contains("at most 262,144 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, outbox.Count);
        Assert.Equal(0, outbox.EventsNumbered);
        Assert.Equal(1, await outbox.AppendAsync(EventClass.Alert, Event()));   // the lane goes on
    }

    [Fact]
    public async Task InvalidOptions_AreRefused() =>
        Assert.Contains("64 KiB", (await Assert.ThrowsAsync<ArgumentException>(() => Open("memory", budget: 10))).Message, StringComparison.Ordinal);

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

    public void Dispose()
    {
        _redis?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
