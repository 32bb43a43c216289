using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The child's outbox: sequence numbering, byte budget, TTLs and eviction (<see cref="OutboxIndex"/>)
/// over a store that may or may not be durable (<see cref="IOutboxStore"/>). An append returns only
/// once its store has committed it; alerts that find no room wait for acks to make some. It opens
/// (loads what the store kept) once, during start-up; appends and acks made before that wait for it.
/// </summary>
public sealed class LinkOutbox : IOutbox, IAsyncDisposable
{
    private readonly IOutboxStore _store;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly OutboxIndex _index;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(EventClass, EvictionCause), long> _evicted = [];
    private TaskCompletionSource _nonEmpty = NewSignal();
    private TaskCompletionSource _roomFreed = NewSignal();
    private readonly TaskCompletionSource _opened = NewSignal();
    private readonly long[] _next = new long[Lanes.Count];
    private long _appended;
    private int _maxCount;

    /// <summary>An outbox over <paramref name="store"/>; <see cref="OpenAsync(CancellationToken)"/> loads what the store kept.</summary>
    public LinkOutbox(IOutboxStore store, OutboxOptions options, TimeProvider time)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _store = store;
        _options = options;
        _time = time;
        _index = new OutboxIndex(options.BudgetBytes);
    }

    /// <summary>Opens an outbox over <paramref name="store"/>, reloading whatever it kept.</summary>
    public static async Task<LinkOutbox> OpenAsync(IOutboxStore store, OutboxOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var outbox = new LinkOutbox(store, options, time);
        await outbox.OpenAsync(cancellationToken);
        return outbox;
    }

    /// <summary>Loads what the store kept; a second call does nothing.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_opened.Task.IsCompleted) return;
            var kept = await _store.LoadAsync(_time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
            Epoch = kept.Epoch;
            lock (_next) kept.NextSequences.ToArray().CopyTo(_next, 0);
            lock (_index) foreach (var entry in kept.Entries) _index.Add(entry);
            lock (_evicted) foreach (var (key, count) in kept.Evicted) _evicted[key] = count;
            if (kept.Entries.Count > 0) _nonEmpty.TrySetResult();
            _opened.TrySetResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public long Epoch { get; private set; }

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
        await _opened.Task.WaitAsync(cancellationToken);
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
                var size = message.CalculateSize();
                if (size > _options.MaxEventBytes) throw new EventTooLargeException(message, size, _options.MaxEventBytes);
                var entry = new OutboxEntry(_next[lane], eventClass, message, size, now);
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
    public IReadOnlyList<OutboxEntry> Peek(int maxEvents, long maxBytes = long.MaxValue)
    {
        lock (_index) return _index.Peek(maxEvents, maxBytes);
    }

    /// <inheritdoc />
    public async ValueTask AckAsync(int lane, long sequence, CancellationToken cancellationToken = default)
    {
        await _opened.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            List<OutboxEntry> removed;
            lock (_index) removed = _index.Through(lane, sequence);
            if (removed.Count == 0) return;
            // Storage first: if it fails, the entries stay, and the next ack or a resend (dropped by
            // the parent as a duplicate) tries again.
            await _store.RemoveThroughAsync(lane, sequence, cancellationToken);
            lock (_index) foreach (var entry in removed) _index.Remove(entry);
            Removed();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask ParkAsync(OutboxEntry entry, CancellationToken cancellationToken = default)
    {
        await _opened.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            bool present;
            lock (_index) present = _index.Contains(entry);
            if (!present) return;
            await Persist(null, [entry], EvictionCause.Parked, Numbered(-1));
            lock (_index) _index.Remove(entry);
            CountEvicted([entry], EvictionCause.Parked);
            Removed();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public Task WaitForEntriesAsync(CancellationToken cancellationToken) => _nonEmpty.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Let an append or ack that is writing finish before the store closes under it.
        var idle = await _gate.WaitAsync(TimeSpan.FromSeconds(10));
        await _store.DisposeAsync();
        if (idle) _gate.Release();
    }

    private void Removed()
    {
        if (Count == 0 && _nonEmpty.Task.IsCompleted) _nonEmpty = NewSignal();
        Interlocked.Exchange(ref _roomFreed, NewSignal()).TrySetResult();
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
        _store.WriteAsync(new OutboxWrite(appended, evicted, cause, next));

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
