using StackExchange.Redis;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// One multiplexer per Redis configuration for the silo's outbox stores, connected without
/// blocking (during silo start-up, by the child side's outbox lifecycle) and closed with the host.
/// </summary>
public sealed class RedisConnections : IAsyncDisposable
{
    private readonly Dictionary<string, Task<ConnectionMultiplexer>> _connections = new(StringComparer.Ordinal);

    /// <summary>The connection to <paramref name="configuration"/>, opened on first use.</summary>
    public Task<ConnectionMultiplexer> GetAsync(string configuration)
    {
        lock (_connections)
        {
            if (!_connections.TryGetValue(configuration, out var connection) || connection.IsFaulted || connection.IsCanceled)
                _connections[configuration] = connection = ConnectionMultiplexer.ConnectAsync(ConfigurationOptions.Parse(configuration));
            return connection;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<Task<ConnectionMultiplexer>> open;
        lock (_connections)
        {
            open = [.. _connections.Values];
            _connections.Clear();
        }
        foreach (var connection in open.Where(c => c.IsCompletedSuccessfully)) await connection.Result.DisposeAsync();
    }
}
