namespace Orleans.Edge.TierLink.Child;

/// <summary>Exponential backoff with full jitter, capped, so a fleet of stores does not reconnect in lockstep.</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    /// <summary>The delay before the next attempt.</summary>
    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures++, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>Back to the initial delay after a success.</summary>
    public void Reset() => _failures = 0;
}
