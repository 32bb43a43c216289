using System.Net.Sockets;

namespace Orleans.Edge.Client;

/// <summary>
/// Decides, after each failed attempt to reach the store's gateways, whether to try again.
/// A gateway of another cluster or a refused connection will not fix itself within a connect
/// timeout, so they end the attempt at once with a <see cref="StoreUnreachableException"/> naming
/// the cause; anything else is retried until <see cref="StoreClientOptions.ConnectTimeout"/>.
/// Orleans lets an exception thrown here end its start-up, which is how the typed error reaches
/// both <see cref="EdgeStoreClient.ConnectAsync(StoreClientOptions, CancellationToken)"/> and an app host.
/// </summary>
internal sealed class StoreConnectionRetryFilter(StoreClientOptions options, TimeProvider time) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private const int HandshakeClosuresMeaningWrongCluster = 2;
    // Orleans resolves the filter when the client starts connecting, so the connect timeout runs
    // from here; counting from the first failure added a whole attempt (OpenConnectionTimeout) to it.
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private int _handshakeClosures;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (Classify(exception) is { } known) throw Unreachable(options, known.Reason, known.Cause, exception);
        // A silo writes its own preamble (with its cluster id) and then drops a client of another
        // cluster; when the drop overtakes the preamble the client only sees the connection close
        // mid-handshake. A running silo does that for nothing else a correct client sends, so a
        // repeat of it is reported as the wrong cluster rather than waited out.
        if (Chain(exception).Any(e => e.Message.Contains(HandshakeClosed, StringComparison.Ordinal))
            && ++_handshakeClosures >= HandshakeClosuresMeaningWrongCluster)
        {
            throw Unreachable(options, StoreUnreachableReason.WrongCluster,
                $"the gateway accepted the connection and closed it {_handshakeClosures} times during the Orleans handshake, as a silo does with a client of another cluster (this client's cluster id is '{options.EffectiveClusterId}')", exception);
        }
        if (time.GetUtcNow() - _started >= options.ConnectTimeout)
            throw Unreachable(options, StoreUnreachableReason.Timeout, $"no gateway answered within {options.ConnectTimeout.TotalSeconds:F0} s; last error: {Innermost(exception).Message}", exception);
        await Task.Delay(RetryDelay, time, cancellationToken);
        return true;
    }

    // Orleans' ConnectionPreambleHelper, when the connection ends before the peer's preamble is read.
    private const string HandshakeClosed = "Connection terminated prematurely";

    internal static StoreUnreachableException Unreachable(StoreClientOptions options, StoreUnreachableReason reason, string cause, Exception? inner) =>
        new(options.StoreId, [.. options.Gateways], reason, cause, inner);

    /// <summary>The cause when it is one that retrying cannot cure; null otherwise.</summary>
    internal static (StoreUnreachableReason Reason, string Cause)? Classify(Exception exception)
    {
        foreach (var e in Chain(exception))
        {
            // Orleans' client checks the gateway's preamble and throws this InvalidOperationException.
            if (e.Message.Contains("Unexpected cluster id", StringComparison.Ordinal)) return (StoreUnreachableReason.WrongCluster, e.Message);
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return (StoreUnreachableReason.Refused, e.Message);
            // Orleans' socket connection factory reports a failed connect as "Unable to connect to {endpoint}. Error: {SocketError}".
            if (e.Message.EndsWith($"Error: {SocketError.ConnectionRefused}", StringComparison.Ordinal)) return (StoreUnreachableReason.Refused, e.Message);
        }
        return null;
    }

    private static Exception Innermost(Exception exception) => Chain(exception).Last();

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate) foreach (var inner in aggregate.InnerExceptions) pending.Push(inner);
            else if (e.InnerException is { } inner) pending.Push(inner);
        }
    }
}
