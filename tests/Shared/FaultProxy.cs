using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Tests;

/// <summary>
/// A loopback TCP proxy between a child and its parent that can cut the link (reset every
/// connection and refuse new ones), blackhole it (accept and swallow, answer nothing) or pass
/// traffic. Used to break tier links the way networks do.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _pairs = [];
    private readonly Task _accepting;
    private volatile Mode _mode = Mode.Pass;

    public enum Mode { Pass, Cut, Blackhole }

    public FaultProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Uri Address => new($"http://127.0.0.1:{Port}");
    public int Connections { get; private set; }

    /// <summary>Resets every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut() => Set(Mode.Cut);

    /// <summary>Keeps connections open but delivers nothing in either direction.</summary>
    public void Blackhole() => Set(Mode.Blackhole);

    public void Restore() => Set(Mode.Pass);

    private void Set(Mode mode)
    {
        _mode = mode;
        if (mode != Mode.Cut) return;
        lock (_pairs)
        {
            foreach (var (client, upstream) in _pairs)
            {
                Reset(client);
                Reset(upstream);
            }
            _pairs.Clear();
        }
    }

    private static void Reset(TcpClient socket)
    {
        try
        {
            socket.Client.LingerState = new LingerOption(true, 0);   // RST, as a dropped NAT mapping would
            socket.Close();
        }
        catch (Exception)
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
            catch (Exception)
            {
                return;
            }
            if (_mode == Mode.Cut)
            {
                Reset(client);
                continue;
            }
            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception)
            {
                Reset(client);
                upstream.Dispose();
                continue;
            }
            Connections++;
            lock (_pairs) _pairs.Add((client, upstream));
            _ = Pump(client.GetStream(), upstream.GetStream());
            _ = Pump(upstream.GetStream(), client.GetStream());
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
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception)
        {
            // a cut, a reset or the end of the test
        }
        finally
        {
            to.Socket.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Set(Mode.Cut);
        await _accepting;
        _stop.Dispose();
    }
}
