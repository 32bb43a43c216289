namespace Orleans.Edge.Tests;

/// <summary>Polls a condition until it holds or a deadline passes; no fixed sleeps.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> probe, Func<T, bool> until, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        T value;
        while (!until(value = await probe()))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}; last value: {value}");
            await Task.Delay(20);
        }
        return value;
    }
}
