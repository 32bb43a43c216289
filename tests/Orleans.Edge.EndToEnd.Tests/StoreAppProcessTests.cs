using System.Diagnostics;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The sample store app as a process against a store silo process: the SDK leaves the app's
/// shutdown to the app, on its own host (AddEdgeStoreClient) and without one (ConnectAsync).
/// </summary>
public sealed class StoreAppProcessTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoreApp_WatchingAlerts_ExitsWithin5sOfSigterm_ExitCode0(bool shortcut)
    {
        var gateway = $"127.0.0.1:{FreePorts.Next()}";
        await using var silo = await TierProcess.StartAsync($"--tier store --id sig-s1 --region sig --parent https://127.0.0.1:{FreePorts.Next()} " +
                                                            $"--silo-port {FreePorts.Next()} --gateway-port {gateway.Split(':')[1]}");
        string[] arguments = ["--Store:StoreId", "sig-s1", "--Store:Gateways:0", gateway, .. shortcut ? new[] { "--shortcut" } : []];
        await using var app = new AppProcess("dotnet", [Path.Combine(AppProcess.StoreAppDirectory, "Orleans.Edge.StoreApp.dll"), .. arguments], AppProcess.StoreAppDirectory);

        // Connected and watching: it provisions its planogram, then acknowledges an alert raised now.
        await app.WaitForLine("provisioned 2 shelves", TimeSpan.FromSeconds(30));
        await app.WaitForLine("watching alerts", TimeSpan.FromSeconds(10));
        await using (var staff = await EdgeStoreClient.ConnectAsync("sig-s1", gateway))
        {
            await Eventually.Get(async () =>
            {
                await staff.SubmitReadingAsync(new SensorReading(new SensorId("app-a1-s2-lc"), 600, DateTimeOffset.UtcNow));   // tare only: empty
                return app.Output;
            }, o => o.Any(l => l.Contains("acknowledged app-a1-s2/", StringComparison.Ordinal)), "the app to acknowledge the alert", TimeSpan.FromSeconds(20));
        }

        var sent = Stopwatch.StartNew();
        app.Terminate();
        var exited = await app.WaitForExit(TimeSpan.FromSeconds(5));

        Assert.True(exited, $"still running {sent.Elapsed.TotalSeconds:F1} s after SIGTERM:\n{string.Join('\n', app.Output)}");
        Assert.Equal(0, app.ExitCode);
    }
}
