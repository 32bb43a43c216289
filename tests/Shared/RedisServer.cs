using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Edge.Tests;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) started on a free loopback port for the tests
/// that need one, and stopped after them. Where it is not installed the tests that need it are
/// skipped, except in CI (<c>CI=true</c>), where <c>.ci/run</c> installs it and its absence is a failure.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process? _process;
    private readonly string? _dir;

    public RedisServer()
    {
        var binary = Find("redis-server");
        if (binary is null)
        {
            Problem = "redis-server is not installed (apt-get install -y redis-server; bash .ci/run does it)";
            if (Environment.GetEnvironmentVariable("CI") == "true") throw new InvalidOperationException(Problem);
            return;
        }
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _dir = Directory.CreateTempSubdirectory("edge-redis-").FullName;
        _process = Process.Start(new ProcessStartInfo(binary,
            $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {_dir} --protected-mode yes")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Answers())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"redis-server did not start on port {Port}: {_process.StandardError.ReadToEnd()}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Why Redis is not available here, or null when it is.</summary>
    public string? Problem { get; }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[7];
            return stream.Read(buffer) > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(5000);
        _process?.Dispose();
        if (_dir is not null) Directory.Delete(_dir, recursive: true);
    }
}
