using StackExchange.Redis;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>One multiplexer per Redis configuration for the silo's outbox stores, closed with the host.</summary>
public sealed class RedisConnections : IDisposable
{
    private readonly Dictionary<string, ConnectionMultiplexer> _connections = new(StringComparer.Ordinal);

    /// <summary>The connection to <paramref name="configuration"/>, opened on first use.</summary>
    public ConnectionMultiplexer Get(string configuration)
    {
        lock (_connections)
        {
            if (!_connections.TryGetValue(configuration, out var connection))
                _connections[configuration] = connection = ConnectionMultiplexer.Connect(ConfigurationOptions.Parse(configuration));
            return connection;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_connections)
        {
            foreach (var connection in _connections.Values) connection.Dispose();
            _connections.Clear();
        }
    }
}
