using System.Diagnostics;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The silo executable's command line: --help and --version answer, a bad value or an unknown
/// switch stops it before anything starts with one line naming the switch (exit 2), and a port
/// taken or a data directory it cannot write stops it with one line (exit 1); never a stack trace.
/// A tier, in process or not, refuses a port another listener holds (Orleans' own listener
/// would share it: it sets ReuseAddress, which .NET on Linux makes SO_REUSEPORT).
/// </summary>
public sealed class SiloCommandLineTests
{
    private static readonly string Silo = Path.Combine(AppContext.BaseDirectory, "Orleans.Edge.Silo.dll");

    [Theory]
    [InlineData("--gateway-port", "abc")]
    [InlineData("--silo-port", "70000")]
    [InlineData("--silo-port", "0")]
    [InlineData("--tier", "bogus")]
    [InlineData("--id", "no spaces allowed")]
    [InlineData("--region", "")]
    [InlineData("--parent", "notaurl")]
    [InlineData("--listen-address", "x")]
    [InlineData("--advertised-address", "y")]
    [InlineData("--ops-port", "-1")]
    [InlineData("--ops-port", "http")]
    [InlineData("--link-port", "99999")]
    [InlineData("--bogus-flag", null)]
    [InlineData("--data-dir", null)]
    [InlineData("--trust-domain", "Not A Domain")]
    [InlineData("--parent", "http://127.0.0.1:7200")]
    public async Task BadSwitch_StopsTheSiloWithOneLineNamingIt_ExitCode2(string flag, string? value)
    {
        var arguments = Arguments(flag == "--link-port" ? "regional" : "store");
        arguments.Remove(flag);
        var line = new List<string>();
        foreach (var (name, given) in arguments) line.AddRange([name, given]);
        line.Add(flag);
        if (value is not null) line.Add(value);

        var run = await Run(line);

        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single(run.Stderr);
        Assert.StartsWith("orleans-edge: ", error, StringComparison.Ordinal);
        Assert.Contains(flag, error, StringComparison.Ordinal);
        NoStackTrace(run);
    }

    [Fact]
    public async Task Help_ListsEverySwitch_ExitCode0()
    {
        var run = await Run(["--help"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Stderr);
        var help = string.Join('\n', run.Stdout);
        Assert.All(Orleans.Edge.Silo.SiloSettings.Switches.Keys.Append("--version"), flag => Assert.Contains(flag, help, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Certs_CreatesTheFleetCa_AndABadArgumentIsOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("edge-certs-").FullName;
        try
        {
            var run = await Run(["certs", "init-ca", "--out", dir, "--trust-domain", "fleet.example"]);
            Assert.Equal(0, run.ExitCode);
            Assert.True(File.Exists(Path.Combine(dir, "ca.crt.pem")) && File.Exists(Path.Combine(dir, "ca.key.pem")), string.Join('\n', run.Stdout));
            Assert.Contains(run.Stdout, line => line.Contains("fleet.example", StringComparison.Ordinal));

            var bad = await Run(["certs", "init-ca", "--out", dir, "--trust-domain", "not a domain"]);
            Assert.NotEqual(0, bad.ExitCode);
            Assert.StartsWith("orleans-edge certs: ", Assert.Single(bad.Stderr), StringComparison.Ordinal);
            Assert.DoesNotContain(bad.Stderr, line => line.Contains("   at ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Version_PrintsTheVersion_ExitCode0()
    {
        var run = await Run(["--version"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", Assert.Single(run.Stdout));
    }

    [Fact]
    public async Task DataDirectoryThatCannotBeWritten_StopsTheSiloWithOneLine_ExitCode1()
    {
        var arguments = Arguments("store");
        arguments["--data-dir"] = "/proc/x";

        var run = await Run(Flatten(arguments));

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Stderr);
        Assert.StartsWith("orleans-edge: data directory '/proc/x' (--data-dir) is not writable", error, StringComparison.Ordinal);
        NoStackTrace(run);
    }

    [Fact]
    public async Task InsecureWithRedis_IsRefused_ExitCode2()
    {
        var arguments = Arguments("store");
        arguments["--redis"] = "127.0.0.1:1";
        arguments["--parent"] = "http://127.0.0.1:7200";
        var line = Flatten(arguments).Append("--insecure");

        var run = await Run(line);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.Stderr, e => e.StartsWith("orleans-edge: Edge:Insecure (--insecure) is refused by the production profile", StringComparison.Ordinal));
        NoStackTrace(run);
    }

    [Fact]
    public async Task CertificateDirectoryWithoutCredentials_StopsTheSiloWithOneLine_ExitCode1()
    {
        var dir = Directory.CreateTempSubdirectory("edge-nocerts-").FullName;
        try
        {
            var arguments = Arguments("store");
            arguments["--certs"] = dir;

            var run = await Run(Flatten(arguments));

            Assert.Equal(1, run.ExitCode);
            var error = Assert.Single(run.Stderr);
            Assert.StartsWith($"orleans-edge: the tier-link credentials in '{dir}' (--certs) cannot be used", error, StringComparison.Ordinal);
            NoStackTrace(run);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Insecure_IsShownInTheStartupBlockAndMetrics()
    {
        var ops = FreePorts.Next();
        await using var cloud = await TierProcess.StartAsync($"--tier cloud --silo-port {FreePorts.Next()} --gateway-port {FreePorts.Next()} --link-port {FreePorts.Next()} --ops-port {ops} --insecure");

        await Eventually.Get(() => Task.FromResult(cloud.Output), o => o.Any(l => l.Contains("trust     INSECURE", StringComparison.Ordinal)), "the start-up block's trust line");
        using var http = new HttpClient();
        var login = Hosting.Ops.OpsCredentials.LoadOrCreate(Hosting.Ops.OpsCredentials.FileOf(new Hosting.CloudTierSettings()));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{login.User}:{login.Password}")));
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ops}/metrics"));
        Assert.Contains("orleans_edge_link_insecure 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortOfARunningTier_StopsASecondSilo_ForGatewayOpsAndLinkPorts_ExitCode1()
    {
        var (gateway, link, ops) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        await using var cloud = await TierProcess.StartAsync($"--tier cloud --silo-port {FreePorts.Next()} --gateway-port {gateway} --link-port {link} --ops-port {ops}");

        foreach (var (flag, port, tier) in new[] { ("--gateway-port", gateway, "store"), ("--silo-port", gateway, "store"), ("--ops-port", ops, "store"), ("--link-port", link, "regional") })
        {
            var arguments = Arguments(tier);
            arguments[flag] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var run = await Run(Flatten(arguments));

            Assert.Equal(1, run.ExitCode);
            Assert.Equal($"orleans-edge: port {port} ({flag}) is in use by another process", Assert.Single(run.Stderr));
            Assert.DoesNotContain(run.Stdout, l => l.Contains(" ready: ", StringComparison.Ordinal));
            NoStackTrace(run);
        }
    }

    [Fact]
    public async Task SecondTierHost_OnTheGatewayPortOfARunningOne_FailsToStart()
    {
        var gateway = FreePorts.Next();
        await using var first = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = gateway, LinkPort = FreePorts.Next() });
        await first.StartAsync();
        await using var second = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = gateway, LinkPort = FreePorts.Next() });

        var refused = await Assert.ThrowsAsync<TierStartException>(() => second.StartAsync());

        Assert.Equal(nameof(TierSettings.GatewayPort), refused.Setting);
        Assert.Equal($"port {gateway} (GatewayPort) is in use by another process", refused.Message);
        Assert.False(second.IsRunning);
        Assert.True(first.IsRunning);
    }
    [Fact]
    public async Task BadPlanogramFile_StopsTheStoreBeforeItStarts_NamingTheLineAndField_ExitCode2()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("edge-planogram-").FullName, "bad.csv");
        await File.WriteAllLinesAsync(file, [string.Join(',', Orleans.Edge.Domain.PlanogramFile.CsvColumns),
            "a1,sku-1,250,800,16,a1-lc,load-cell,20000", "a2,sku-2,heavy,800,16,a2-lc,load-cell,20000"]);
        var arguments = Arguments("store");
        arguments["--planogram"] = file;

        var run = await Run(Flatten(arguments));

        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single(run.Stderr);
        Assert.StartsWith("orleans-edge: Edge:Planogram (--planogram) ", error, StringComparison.Ordinal);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        Assert.Contains("unit_weight_grams", error, StringComparison.Ordinal);
        NoStackTrace(run);
    }

    [Fact]
    public async Task PlanogramFile_ProvisionsTheStoreAtStart()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("edge-planogram-").FullName, "store.csv");
        await File.WriteAllLinesAsync(file, [string.Join(',', Orleans.Edge.Domain.PlanogramFile.CsvColumns),
            .. Enumerable.Range(1, 30).Select(i => $"p{i},sku-{i},250,800,16,p{i}-lc,load-cell,20000")]);
        var arguments = Arguments("store");
        arguments["--planogram"] = file;
        arguments.Remove("--ops-port");

        await using var silo = await TierProcess.StartAsync(string.Join(' ', Flatten(arguments)));
        await Eventually.Get(() => Task.FromResult(silo.Output), o => o.Any(l => l.Contains("30 shelves provisioned", StringComparison.Ordinal)),
            "the planogram provisioned");
        await using var client = await Orleans.Edge.Client.EdgeStoreClient.ConnectAsync("cl-s1", $"127.0.0.1:{arguments["--gateway-port"]}");
        Assert.Equal(30, (await client.GetShelvesAsync()).Count);
    }

    /// <summary>Valid switches for a tier whose parent does not exist: it would start, but nothing here lets it get that far.</summary>
    private static Dictionary<string, string> Arguments(string tier)
    {
        var arguments = new Dictionary<string, string>
        {
            ["--tier"] = tier, ["--silo-port"] = Port(), ["--gateway-port"] = Port(), ["--ops-port"] = Port(), ["--listen-address"] = "127.0.0.1",
        };
        if (tier != "cloud") (arguments["--id"], arguments["--parent"]) = (tier == "store" ? "cl-s1" : "cl", $"https://127.0.0.1:{Port()}");
        if (tier == "store") arguments["--region"] = "cl";
        else arguments["--link-port"] = Port();
        return arguments;

        static string Port() => FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<string> Flatten(Dictionary<string, string> arguments) => [.. arguments.SelectMany(kv => new[] { kv.Key, kv.Value })];

    private sealed record Result(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr);

    /// <summary>Runs the silo; each case here ends before the silo would start, so a short deadline.</summary>
    private static async Task<Result> Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Silo);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the silo ({string.Join(' ', start.ArgumentList)}) did not stop within 30 s:\n{await stdout}\n{await stderr}");
        }
        return new Result(process.ExitCode, Lines(await stdout), Lines(await stderr));

        static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
    }

    private static void NoStackTrace(Result run)
    {
        var all = string.Join('\n', run.Stdout.Concat(run.Stderr));
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
    }
}
