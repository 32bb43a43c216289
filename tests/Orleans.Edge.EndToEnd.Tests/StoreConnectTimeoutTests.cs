using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Edge.Client;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A gateway that accepts connections and never answers (a hung process, a black-holing proxy):
/// connecting fails with <see cref="StoreUnreachableReason.Timeout"/> once the connect timeout has
/// passed, not sooner and not much later, and says so.
/// </summary>
public sealed class StoreConnectTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    private string Gateway => $"127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}";

    public Task InitializeAsync()
    {
        _silent.Start();
        // Accepts every connection and keeps it open, reading nothing and writing nothing.
        _accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var client = await _silent.AcceptTcpClientAsync(_stop.Token);
                    lock (_accepted) _accepted.Add(client);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ConnectAsync_ToGatewayThatNeverAnswers_FailsWithTimeout_AfterTheConnectTimeout()
    {
        var options = new StoreClientOptions { StoreId = "silent-s1", ConnectTimeout = ConnectTimeout };
        options.Gateways.Add(Gateway);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StoreUnreachableException>(() => EdgeStoreClient.ConnectAsync(options));

        AssertTimeout(error, watch.Elapsed);
    }

    [Fact]
    public async Task AppHost_ToGatewayThatNeverAnswers_FailsAtStartWithTimeout_AfterTheConnectTimeout()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:StoreId"] = "silent-s1",
            ["Store:Gateways:0"] = Gateway,
            ["Store:ConnectTimeout"] = ConnectTimeout.ToString(),
        });
        builder.Services.AddEdgeStoreClient(builder.Configuration.GetSection("Store"));
        using var host = builder.Build();
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StoreUnreachableException>(() => host.StartAsync());

        AssertTimeout(error, watch.Elapsed);
    }

    private void AssertTimeout(StoreUnreachableException error, TimeSpan elapsed)
    {
        Assert.Equal(StoreUnreachableReason.Timeout, error.Reason);
        Assert.True(elapsed >= ConnectTimeout - TimeSpan.FromMilliseconds(100), $"gave up after {elapsed}, before the connect timeout");
        Assert.True(elapsed <= ConnectTimeout + Slack, $"gave up after {elapsed}, long after the connect timeout of {ConnectTimeout}");
        Assert.Contains(Gateway, error.Message, StringComparison.Ordinal);
        Assert.Contains("silent-s1", error.Message, StringComparison.Ordinal);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.Contains($"no gateway answered within {ConnectTimeout.TotalSeconds:F0} s", error.Message, StringComparison.Ordinal);
        lock (_accepted) Assert.NotEmpty(_accepted);   // it did reach the listener: the silence, not a refusal, timed out
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _silent.Stop();
        await _accepting;
        lock (_accepted) foreach (var client in _accepted) client.Dispose();
        _stop.Dispose();
    }
}
