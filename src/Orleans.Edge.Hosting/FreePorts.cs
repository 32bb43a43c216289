using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Hosting;

/// <summary>Hands out free loopback ports for clusters started side by side.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback TCP port that is free now and not handed out before by this process.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Handed.Add(port)) return port;
            }
        }
    }
}
