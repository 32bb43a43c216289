using System.Diagnostics;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>The silo executable reads every Edge:&lt;Section&gt; option from its environment and refuses a bad one at start.</summary>
public sealed class SiloOptionsTests
{
    [Fact]
    public async Task BadLinkOptionInTheEnvironment_StopsTheSiloWithOneLineNamingIt()
    {
        var silo = Path.Combine(AppContext.BaseDirectory, "Orleans.Edge.Silo.dll");
        var start = new ProcessStartInfo("dotnet",
            $"\"{silo}\" --tier store --id opt-s1 --region opt --parent https://127.0.0.1:{FreePorts.Next()} --silo-port {FreePorts.Next()} --gateway-port {FreePorts.Next()}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment = { ["EDGE__LINK__PUSHTIMEOUT"] = "-00:00:01", ["Logging__LogLevel__Default"] = "Warning" },
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        var errors = await stderr;
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("orleans-edge: TierLinkClientOptions: PushTimeout must be positive, got -00:00:01", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", errors + await stdout, StringComparison.Ordinal);
    }
}
