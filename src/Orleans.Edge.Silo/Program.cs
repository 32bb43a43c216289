using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Edge.Hosting;
using Orleans.Edge.Silo;
using Orleans.Edge.Trust;

// One executable for every tier. Settings: appsettings.json (section Edge), EDGE__* environment
// variables, then the switches below. Whatever stops it is one line on stderr starting
// "orleans-edge: " and naming the setting: exit code 2 for a bad setting, 1 for a failure at start.
// `orleans-edge certs …` manages the fleet's CA and node certificates (docs/trust.md); it starts no silo.
if (args.Length > 0 && args[0] == "certs") return await CertsCommand.InvokeAsync(args[1..], Console.Out, Console.Error);

// The switches are parsed and judged by SiloCommandLine, which tests (and the fuzzer) run in process.
var commandLine = new SiloCommandLine();
var parsed = commandLine.Parse(args);
var judged = commandLine.Judge(parsed, new ConfigurationBuilder()
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables());   // EDGE__TIER is Edge:Tier
switch (judged.Outcome)
{
    case SiloArgumentsOutcome.Refused:
        foreach (var problem in judged.Problems) Fail(problem);
        return 2;
    case SiloArgumentsOutcome.Answer:   // --help, --version, a directive
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    default:
        return await RunAsync(judged.Settings!, CancellationToken.None);
}

async Task<int> RunAsync(SiloSettings settings, CancellationToken cancellationToken)
{
    await using var host = settings.CreateHost();
    try
    {
        await host.StartAsync(cancellationToken);
    }
    catch (OptionsValidationException ex)
    {
        // A bad Edge:<Section> setting: one line each, as for the switches above.
        foreach (var failure in ex.Failures) Fail(failure);
        return 2;
    }
    catch (TierStartException ex)
    {
        Fail(ex.Describe(SiloSettings.Switches.FirstOrDefault(kv => kv.Value == $"Edge:{SettingOf(ex.Setting)}").Key ?? $"Edge:{SettingOf(ex.Setting)}"));
        return 1;
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        // Whatever else fails at start (a certificate, a file, a server): its cause, not its stack.
        Fail($"the {settings.Tier} did not start: {ex.GetType().Name}: {ex.GetBaseException().Message}");
        return 1;
    }
    foreach (var line in StartupSummary.Lines(settings, host)) Console.WriteLine(line);
    if (settings.PlanogramShelves is { } shelves && !await ProvisionAsync(host, shelves, settings.Planogram!))
    {
        await host.StopAsync(CancellationToken.None);
        return 1;
    }
    await host.WaitForShutdownAsync(CancellationToken.None);
    await host.StopAsync(CancellationToken.None);
    return 0;
}

// The store refuses a batch whole, naming every problem; batches before it stay provisioned.
static async Task<bool> ProvisionAsync(EdgeTierHost host, IReadOnlyList<Orleans.Edge.Domain.ShelfSetup> shelves, string file)
{
    var store = host.Grains.GetGrain<Orleans.Edge.Grains.IStoreGrain>(host.Id);
    var done = 0;
    foreach (var batch in shelves.Chunk(500))
    {
        var problems = await store.ProvisionShelves(batch);
        if (problems.Count > 0)
        {
            foreach (var problem in problems) Fail($"Edge:Planogram (--planogram) {file}: {problem} ({done} of {shelves.Count} shelves provisioned)");
            return false;
        }
        done += batch.Length;
    }
    Console.WriteLine($"  planogram  {done} shelves provisioned from {file}");
    return true;
}

// TierSettings names two settings differently from the silo's Edge section.
static string SettingOf(string tierSetting) => tierSetting switch
{
    nameof(TierSettings.RedisConfiguration) => nameof(SiloSettings.Redis),
    $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.CertificateDirectory)}" => nameof(SiloSettings.CertificateDirectory),
    $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.DevelopmentDirectory)}" => nameof(SiloSettings.DevelopmentCertificates),
    $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.SignerDirectory)}" => nameof(SiloSettings.SignerDirectory),
    _ => tierSetting,
};

static void Fail(string message) => Console.Error.WriteLine($"orleans-edge: {message.ReplaceLineEndings(" ")}");
