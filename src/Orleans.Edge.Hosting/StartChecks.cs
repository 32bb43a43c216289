using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Hosting;

/// <summary>
/// What a tier checks before it starts anything, so that a port taken, a data directory it
/// cannot write or a Redis it cannot reach stops it with a <see cref="TierStartException"/>
/// instead of an exception from deep inside Orleans, Kestrel or SQLite.
/// </summary>
internal static class StartChecks
{
    public static async Task RunAsync(TierSettings settings, CancellationToken cancellationToken)
    {
        foreach (var (setting, address, port) in Ports(settings)) EnsureFree(setting, address, port);
        if (settings.DataDirectory is { } dir) EnsureWritable(dir);
        if (settings.IsProduction) await EnsureRedisReachableAsync(settings.RedisConfiguration!, cancellationToken);
    }

    /// <summary>Every port the tier listens on, with the address it binds.</summary>
    public static IEnumerable<(string Setting, IPAddress Address, int Port)> Ports(TierSettings settings)
    {
        // The embedded profile's silo listens on loopback (localhost clustering); the production
        // profile's on every address or on the advertised one (SiloBuilderExtensions.UseEdgeProductionProfile).
        var silo = !settings.IsProduction ? IPAddress.Loopback
            : settings.ListenAddress.Equals(IPAddress.Any) ? IPAddress.Any
            : settings.AdvertisedAddress ?? settings.ListenAddress;
        yield return (nameof(TierSettings.SiloPort), silo, settings.SiloPort);
        yield return (nameof(TierSettings.GatewayPort), silo, settings.GatewayPort);
        var link = settings switch { RegionalTierSettings r => r.LinkPort, CloudTierSettings c => c.LinkPort, _ => (int?)null };
        if (link is { } linkPort) yield return ("LinkPort", settings.ListenAddress, linkPort);
        if (settings.OpsPort is { } ops) yield return (nameof(TierSettings.OpsPort), settings.ListenAddress, ops);
    }

    /// <summary>
    /// Orleans' listener sets <c>ReuseAddress</c>, which .NET on Linux turns into SO_REUSEADDR and
    /// SO_REUSEPORT: a second silo's listener then binds beside the first one's and the kernel
    /// shares connections between two clusters. A socket without SO_REUSEPORT cannot bind beside
    /// any listener, so binding one first tells whether the port is really free. It does set plain
    /// SO_REUSEADDR on Linux, so that connections of a killed predecessor lingering in TIME_WAIT do
    /// not count as "in use" (a silo restarted on its own ports must start).
    /// </summary>
    public static void EnsureFree(string setting, IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsWindows()) socket.ExclusiveAddressUse = true;
        else if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new TierStartException(setting, $"port {port} ({{0}}) is in use by another process", ex);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable)
        {
            throw new TierStartException(setting, $"port {port} ({{0}}) cannot be bound: {address} is not an address of this machine", ex);
        }
    }

    private static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            using var probe = new FileStream(Path.Combine(dir, $".write-check-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            probe.WriteByte(0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TierStartException(nameof(TierSettings.DataDirectory), $"data directory '{dir}' ({{0}}) is not writable: {OneLine(ex.Message)}", ex);
        }
    }

    private static async Task EnsureRedisReachableAsync(string configuration, CancellationToken cancellationToken)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
        try
        {
            using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
            await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            throw new TierStartException(nameof(TierSettings.RedisConfiguration), $"Redis '{configuration}' ({{0}}) is not reachable: {FirstSentence(ex.Message)}", ex);
        }
    }

    private static string FirstSentence(string text) => OneLine(text) is var line && line.IndexOf(". ", StringComparison.Ordinal) is > 0 and var end ? line[..(end + 1)] : OneLine(text);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
