using Microsoft.Extensions.Configuration;
using Orleans.Edge.Silo;

// One executable for every tier. Settings: appsettings.json, EDGE__* environment variables, command line.
var configuration = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()   // EDGE__TIER is Edge:Tier
    .AddCommandLine(args, SiloSettings.Switches)
    .Build();
var settings = new SiloSettings();
configuration.GetSection("Edge").Bind(settings);

var problems = settings.Problems().ToList();
if (problems.Count > 0)
{
    foreach (var problem in problems) Console.Error.WriteLine($"orleans-edge: {problem}");
    return 2;
}

await using var host = settings.CreateHost();
try
{
    await host.StartAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // A bad Edge:<Section> setting: one line each, as for the switches above.
    foreach (var failure in ex.Failures) Console.Error.WriteLine($"orleans-edge: {failure}");
    return 2;
}
Console.WriteLine($"orleans-edge {settings.Tier} {host.Id} ready: cluster {host.ClusterId}, silo {settings.SiloPort}, gateway {settings.GatewayPort}" +
    (host.LinkAddress is { } link ? $", tier link {link}" : "") + (host.OpsAddress is { } ops ? $", ops {ops}" : ""));
await host.WaitForShutdownAsync();
await host.StopAsync();
return 0;
