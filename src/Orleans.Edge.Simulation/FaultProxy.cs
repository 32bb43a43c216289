using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Simulation;

/// <summary>
/// A loopback TCP proxy between a child and its parent that breaks the link the way networks do:
/// <see cref="Cut"/> (reset every connection and refuse new ones), <see cref="Reset"/> (reset the
/// open connections once), <see cref="Blackhole"/> (accept and swallow, answer nothing) and
/// <see cref="Delay"/> (add latency to every chunk). For chaos drills, the demo's <c>--chaos</c> and tests.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _pairs = [];
    private readonly Task _accepting;
    private volatile Mode _mode = Mode.Pass;
    private long _delayTicks;
    private int _connections;

    /// <summary>What the proxy does with traffic.</summary>
    public enum Mode
    {
        /// <summary>Passes traffic (after the configured delay, if any).</summary>
        Pass,
        /// <summary>Resets every connection and refuses new ones.</summary>
        Cut,
        /// <summary>Keeps connections open but delivers nothing.</summary>
        Blackhole,
    }

    private readonly string _scheme;

    /// <summary>
    /// Listens on a free loopback port and forwards to <paramref name="targetPort"/> on loopback. It
    /// forwards bytes, so TLS passes through it end to end; <paramref name="scheme"/> is the scheme of
    /// <see cref="Address"/> (the parent's: <c>https</c> for mutual TLS, <c>http</c> when insecure).
    /// </summary>
    public FaultProxy(int targetPort, string scheme = "https")
    {
        _scheme = scheme;
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoop();
    }

    /// <summary>The port the proxy listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The address a child dials to reach its parent through the proxy.</summary>
    public Uri Address => new($"{_scheme}://127.0.0.1:{Port}");

    /// <summary>Connections passed through so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The current mode.</summary>
    public Mode Current => _mode;

    /// <summary>Resets every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut() => Set(Mode.Cut);

    /// <summary>Keeps connections open but delivers nothing in either direction until <see cref="Restore"/>.</summary>
    public void Blackhole() => Set(Mode.Blackhole);

    /// <summary>Resets the open connections once; new ones are accepted.</summary>
    public void Reset() => ResetAll();

    /// <summary>Holds every chunk for <paramref name="latency"/> before passing it on (zero: no delay).</summary>
    public void Delay(TimeSpan latency) => Interlocked.Exchange(ref _delayTicks, Math.Max(0, latency.Ticks));

    /// <summary>Passes traffic again (the delay, if any, stays).</summary>
    public void Restore() => Set(Mode.Pass);

    private void Set(Mode mode)
    {
        _mode = mode;
        if (mode == Mode.Cut) ResetAll();
    }

    private void ResetAll()
    {
        lock (_pairs)
        {
            foreach (var (client, upstream) in _pairs)
            {
                Abort(client);
                Abort(upstream);
            }
            _pairs.Clear();
        }
    }

    private static void Abort(TcpClient socket)
    {
        try
        {
            socket.Client.LingerState = new LingerOption(true, 0);   // RST, as a dropped NAT mapping would
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_mode == Mode.Cut)
            {
                Abort(client);
                continue;
            }
            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // The parent is down: the child sees a reset, as it would without the proxy.
                Abort(client);
                upstream.Dispose();
                continue;
            }
            Interlocked.Increment(ref _connections);
            try
            {
                NetworkStream down, up;
                lock (_pairs)
                {
                    // A cut between the accept and here has closed one of them: that connection is simply gone.
                    (down, up) = (client.GetStream(), upstream.GetStream());
                    _pairs.Add((client, upstream));
                }
                _ = Pump(down, up);
                _ = Pump(up, down);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException or SocketException)
            {
                Abort(client);
                Abort(upstream);
            }
        }
    }

    private async Task Pump(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) break;
                while (_mode == Mode.Blackhole) await Task.Delay(20, _stop.Token);
                if (Interlocked.Read(ref _delayTicks) is > 0 and var ticks) await Task.Delay(TimeSpan.FromTicks(ticks), _stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // a cut, a reset or the end of the run
        }
        finally
        {
            to.Socket.Close();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Set(Mode.Cut);
        await _accepting;
        _stop.Dispose();
    }
}
