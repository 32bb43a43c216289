using System.Text.RegularExpressions;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// README.md's per-tier commands of the embedded profile, run as written from the repository's
/// root, then the sample store app as the README runs it: it provisions its planogram and
/// acknowledges an alert. Only ports and data directories are replaced, through the switches the
/// README documents, so the test does not collide with anything on the README's fixed ports.
/// </summary>
public sealed partial class ReadmeCommandsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("edge-readme-").FullName;

    [Fact]
    public async Task StoreApp_RunsAgainstTheReadmesPerTierCommands_ProvisionsAndAcknowledgesAnAlert()
    {
        var root = AppProcess.RepositoryRoot;
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var block = EmbeddedBlock().Match(readme);
        Assert.True(block.Success, "README.md has no bash block after **Embedded profile**");
        var commands = block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, commands.Length);
        Assert.All(commands, c => Assert.StartsWith("dotnet run --no-build --project src/Orleans.Edge.Silo -- --tier ", c, StringComparison.Ordinal));

        // The same free port wherever the README repeats a port (a parent's link port, say).
        var ports = new Dictionary<string, string>();
        string Port(string fixedPort) => ports.TryGetValue(fixedPort, out var p) ? p : ports[fixedPort] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tiers = new List<AppProcess>();
        try
        {
            foreach (var command in commands)
            {
                var line = PortValue().Replace(command, m => m.Groups[1].Value + Port(m.Groups[2].Value));
                line = DataDir().Replace(line, m => $"--data-dir {Path.Combine(_data, m.Groups[1].Value)}");
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var tier = new AppProcess(words[0], words[1..], root);
                tiers.Add(tier);
                await tier.WaitForLine(" ready: ", TimeSpan.FromSeconds(60));
            }
            var gateway = $"127.0.0.1:{Port("30002")}";

            // The README's store app command, with the gateway given as its second command does.
            Assert.Contains("dotnet run --project samples/Orleans.Edge.StoreApp    # appsettings.json: store eu-s1 at 127.0.0.1:30002", readme, StringComparison.Ordinal);
            await using var app = new AppProcess("dotnet", ["run", "--project", "samples/Orleans.Edge.StoreApp", "--", "--Store:Gateways:0", gateway], root);
            await app.WaitForLine("provisioned 2 shelves", TimeSpan.FromSeconds(90));
            await app.WaitForLine("watching alerts", TimeSpan.FromSeconds(10));
            await using var staff = await EdgeStoreClient.ConnectAsync("eu-s1", gateway);
            await Eventually.Get(async () =>
            {
                await staff.SubmitReadingAsync(new SensorReading(new SensorId("app-a1-s2-lc"), 600, DateTimeOffset.UtcNow));   // tare only: empty
                return app.Output;
            }, o => o.Any(l => l.Contains("acknowledged app-a1-s2/", StringComparison.Ordinal)), "the app to acknowledge the alert", TimeSpan.FromSeconds(20));
            Assert.Contains(await staff.GetOpenAlertsAsync(), a => a.ShelfId.Value == "app-a1-s2" && a.State == AlertState.Acknowledged);
        }
        finally
        {
            foreach (var tier in Enumerable.Reverse(tiers)) await tier.DisposeAsync();
        }
    }

    [GeneratedRegex(@"\*\*Embedded profile\*\*.*?```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex EmbeddedBlock();

    [GeneratedRegex(@"(--(?:silo|gateway|link|ops)-port |https?://127\.0\.0\.1:)(\d+)")]
    private static partial Regex PortValue();

    [GeneratedRegex(@"--data-dir (\S+)")]
    private static partial Regex DataDir();

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
