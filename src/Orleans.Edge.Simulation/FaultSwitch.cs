namespace Orleans.Edge.Simulation;

/// <summary>
/// Says when an injected fault fires: for the next N calls, or for a share of calls during a
/// period. Thread-safe; counts what it injected.
/// </summary>
public sealed class FaultSwitch(string what)
{
    private readonly Lock _lock = new();
    private long _next;
    private long _skip;
    private double _rate;
    private DateTimeOffset _until;
    private long _injected;

    /// <summary>What fails, for the exception's message.</summary>
    public string What { get; } = what;

    /// <summary>Faults injected so far.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>The next <paramref name="count"/> calls fail.</summary>
    public void FailNext(int count)
    {
        lock (_lock) _next = count;
    }

    /// <summary>The next <paramref name="skip"/> calls work, then <paramref name="count"/> fail: a crash between two writes.</summary>
    public void SkipThenFail(int skip, int count)
    {
        lock (_lock) (_skip, _next) = (skip, count);
    }

    /// <summary>For <paramref name="period"/>, each call fails with probability <paramref name="rate"/>.</summary>
    public void FailFor(TimeSpan period, double rate = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        lock (_lock) (_rate, _until) = (rate, DateTimeOffset.UtcNow + period);
    }

    /// <summary>No more faults.</summary>
    public void Heal()
    {
        lock (_lock) (_skip, _next, _rate, _until) = (0, 0, 0, DateTimeOffset.MinValue);
    }

    /// <summary>Throws the injected fault if one is due now.</summary>
    public void ThrowIfDue()
    {
        bool due;
        lock (_lock)
        {
            if (_skip > 0)
            {
                _skip--;
                return;
            }
            due = _next > 0 ? _next-- > 0 : _rate > 0 && DateTimeOffset.UtcNow < _until && Random.Shared.NextDouble() < _rate;
        }
        if (!due) return;
        Interlocked.Increment(ref _injected);
        throw new InjectedFaultException($"injected fault: {What} failed");
    }
}

/// <summary>
/// A failure a test injected on purpose. Serializable, so that a grain call it fails (a store app's
/// command whose grain write failed, say) answers with it, as with a real storage error.
/// </summary>
[GenerateSerializer, Alias("Orleans.Edge.Simulation.InjectedFaultException")]
public sealed class InjectedFaultException(string message) : Exception(message);
