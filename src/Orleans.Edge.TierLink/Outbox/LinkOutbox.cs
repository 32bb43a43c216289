using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The child's outbox: sequence numbering, byte budget, TTLs and eviction (<see cref="OutboxIndex"/>)
/// over a store that may or may not be durable (<see cref="IOutboxStore"/>). An append returns only
/// once its store has committed it; alerts that find no room wait for acks to make some.
/// </summary>
public sealed class LinkOutbox : IOutbox, IDisposable
{
    private readonly IOutboxStore _store;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly OutboxIndex _index;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(EventClass, EvictionCause), long> _evicted = [];
    private TaskCompletionSource _nonEmpty = NewSignal();
    private TaskCompletionSource _roomFreed = NewSignal();
    private readonly long[] _next;
    private long _appended;
    private int _maxCount;

    /// <summary>Opens the outbox over <paramref name="store"/>, reloading whatever it kept.</summary>
    public LinkOutbox(IOutboxStore store, OutboxOptions options, TimeProvider time)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _store = store;
        _options = options;
        _time = time;
        _index = new OutboxIndex(options.BudgetBytes);
        var kept = store.Load(time.GetUtcNow().ToUnixTimeMilliseconds());
        Epoch = kept.Epoch;
        _next = [.. kept.NextSequences];
        foreach (var entry in kept.Entries) _index.Add(entry);
        foreach (var (key, count) in kept.Evicted) _evicted[key] = count;
        if (_index.Count > 0) _nonEmpty.TrySetResult();
    }

    /// <summary>An outbox that keeps nothing across restarts.</summary>
    public static LinkOutbox InMemory(TimeProvider time, OutboxOptions? options = null) => new(new MemoryOutboxStore(), options ?? new OutboxOptions(), time);

    /// <inheritdoc />
    public long Epoch { get; }

    /// <inheritdoc />
    public int Count { get { lock (_index) return _index.Count; } }

    /// <inheritdoc />
    public long Bytes { get { lock (_index) return _index.Bytes; } }

    /// <inheritdoc />
    public long Appended => Interlocked.Read(ref _appended);

    /// <inheritdoc />
    public IReadOnlyList<long> LastSequences { get { lock (_next) return [.. _next.Select(n => n - 1)]; } }

    /// <inheritdoc />
    public long EventsNumbered => LastSequences.Sum();

    /// <inheritdoc />
    public int MaxCount => Volatile.Read(ref _maxCount);

    /// <inheritdoc />
    public DateTimeOffset? OldestEnqueuedAt { get { lock (_index) return _index.OldestEnqueuedAt; } }

    /// <inheritdoc />
    public IReadOnlyDictionary<(EventClass Class, EvictionCause Cause), long> Evicted
    {
        get { lock (_evicted) return new Dictionary<(EventClass, EvictionCause), long>(_evicted); }
    }

    /// <inheritdoc />
    public async ValueTask<long?> AppendAsync(EventClass eventClass, Func<long, P.UpEvent> build, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task roomFreed;
            await _gate.WaitAsync(cancellationToken);
            try
            {
                var now = _time.GetUtcNow();
                await ExpireAsync(now);
                var lane = eventClass.LaneOf();
                var message = build(_next[lane]);
                var entry = new OutboxEntry(_next[lane], eventClass, message, message.CalculateSize(), now);
                List<OutboxEntry>? victims;
                lock (_index) victims = _index.MakeRoom(eventClass, entry.Size);
                if (victims is not null)
                {
                    await Persist(entry, victims, EvictionCause.Budget, Numbered(lane));
                    lock (_index)
                    {
                        foreach (var victim in victims) _index.Remove(victim);
                        _index.Add(entry);
                        _maxCount = Math.Max(_maxCount, _index.Count);
                    }
                    Interlocked.Increment(ref _appended);
                    CountEvicted(victims, EvictionCause.Budget);
                    lock (_next) _next[lane]++;
                    _nonEmpty.TrySetResult();
                    return entry.Sequence;
                }
                if (eventClass != EventClass.Alert)
                {
                    // No room without evicting something more important: this event is the one to go.
                    // It still takes its sequence number, so that every event produced is counted
                    // as delivered or evicted, across restarts too.
                    await Persist(null, [entry], EvictionCause.Budget, Numbered(lane));
                    lock (_next) _next[lane]++;
                    CountEvicted([entry], EvictionCause.Budget);
                    return null;
                }
                roomFreed = _roomFreed.Task;
            }
            finally
            {
                _gate.Release();
            }
            await roomFreed.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<OutboxEntry> Peek(int max)
    {
        lock (_index) return _index.Peek(max);
    }

    /// <inheritdoc />
    public async ValueTask AckAsync(int lane, long sequence, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            List<OutboxEntry> removed;
            lock (_index) removed = _index.RemoveThrough(lane, sequence);
            if (removed.Count == 0) return;
            if (_store.IsDurable) await Task.Run(() => _store.RemoveThrough(lane, sequence), CancellationToken.None);
            if (Count == 0 && _nonEmpty.Task.IsCompleted) _nonEmpty = NewSignal();
            Interlocked.Exchange(ref _roomFreed, NewSignal()).TrySetResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public Task WaitForEntriesAsync(CancellationToken cancellationToken) => _nonEmpty.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        // Let an append or ack that is writing finish before the store closes under it.
        var idle = _gate.Wait(TimeSpan.FromSeconds(10));
        _store.Dispose();
        if (idle) _gate.Release();
    }

    private async Task ExpireAsync(DateTimeOffset now)
    {
        List<OutboxEntry> expired;
        lock (_index) expired = _index.Expired(now, _options.TimeToLive);
        if (expired.Count == 0) return;
        await Persist(null, expired, EvictionCause.Ttl, Numbered(-1));
        lock (_index)
            foreach (var entry in expired) _index.Remove(entry);
        CountEvicted(expired, EvictionCause.Ttl);
        if (Count == 0 && _nonEmpty.Task.IsCompleted) _nonEmpty = NewSignal();
    }

    private Task Persist(OutboxEntry? appended, List<OutboxEntry> evicted, EvictionCause cause, long[] next) =>
        _store.IsDurable ? Task.Run(() => _store.Write(appended, evicted, cause, next)) : Task.CompletedTask;

    /// <summary>Every lane's next sequence once <paramref name="lane"/> (if any) has handed out one more.</summary>
    private long[] Numbered(int lane)
    {
        lock (_next) return [.. _next.Select((n, l) => l == lane ? n + 1 : n)];
    }

    private void CountEvicted(IEnumerable<OutboxEntry> entries, EvictionCause cause)
    {
        lock (_evicted)
            foreach (var entry in entries)
                _evicted[(entry.Class, cause)] = _evicted.GetValueOrDefault((entry.Class, cause)) + 1;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
