using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Simulation;

/// <summary>
/// Hands out free loopback ports for clusters started side by side. Ports come from below the
/// kernel's ephemeral range (32768 and up on Linux), so nothing that asks the OS for "any port"
/// (a client connection, a port-0 listener) can take one between being handed out and being
/// bound; each process draws from its own slice, so concurrent test processes do not collide.
/// </summary>
public static class FreePorts
{
    private const int First = 20_000;
    private const int SliceSize = 2_000;
    private const int Slices = 6;
    private static readonly HashSet<int> Handed = [];
    private static readonly int SliceStart = First + Environment.ProcessId % Slices * SliceSize;

    /// <summary>A loopback TCP port that is free now and not handed out before by this process.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < SliceSize * 2; attempt++)
            {
                var port = SliceStart + Random.Shared.Next(SliceSize);
                if (Handed.Contains(port) || !Bindable(port)) continue;
                Handed.Add(port);
                return port;
            }
            throw new InvalidOperationException($"no free loopback port left in {SliceStart}–{SliceStart + SliceSize - 1}");
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
