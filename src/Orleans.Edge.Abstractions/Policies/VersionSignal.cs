namespace Orleans.Edge.Policies;

/// <summary>
/// Lets long-polling callers wait until a version passes what they know. Used by the policy
/// sources so a downlink hears of a change at once instead of polling.
/// </summary>
public sealed class VersionSignal
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Current version.</summary>
    public long Version { get; private set; }

    /// <summary>Moves to <paramref name="version"/> (if higher) and wakes every waiter.</summary>
    public void Advance(long version)
    {
        if (version <= Version) return;
        Version = version;
        Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Returns once the version exceeds <paramref name="known"/> or <paramref name="maxWait"/> passes.</summary>
    public async Task<long> WaitPast(long known, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        if (Version > known) return Version;
        await _changed.Task.WaitAsync(maxWait, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Current);
        return Version;
    }
}
