using System.CommandLine;
using System.CommandLine.Invocation;
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

var switches = SiloSettings.Switches.Keys.ToDictionary(name => name, Option (name) => SiloSettings.Flags.Contains(name)
    ? new Option<bool>(name) { Description = $"{SiloSettings.Descriptions[name]} ({SiloSettings.Switches[name]})" }
    : new Option<string>(name) { Description = $"{SiloSettings.Descriptions[name]} ({SiloSettings.Switches[name]})" });
// Settings without a switch of their own (the dashboard's credentials) may still be given as
// --Edge:<Setting>, the form the configuration command line took before; --help does not list them.
var unswitched = typeof(SiloSettings).GetProperties().Select(p => $"Edge:{p.Name}")
    .Where(key => !SiloSettings.Switches.ContainsValue(key))
    .ToDictionary(key => $"--{key}", key => key);
foreach (var (name, key) in unswitched) switches[name] = new Option<string>(name) { Hidden = true, Description = key };
// A flag that is given says "true"; one that is not given leaves the setting to appsettings.json or the environment.
string? ValueOf(ParseResult parse, Option option) => option switch
{
    Option<bool> flag => parse.GetResult(flag) is null ? null : parse.GetValue(flag) ? "true" : "false",
    Option<string> text => parse.GetValue(text),
    _ => null,
};
var root = new RootCommand("Orleans.Edge silo: runs one store, region or cloud cluster. Settings also come from appsettings.json (section Edge) and EDGE__* environment variables.");
foreach (var option in switches.Values) root.Options.Add(option);
root.Subcommands.Add(CertsCommand.Create());   // listed by --help; run above
root.SetAction((parse, ct) => RunAsync(parse, ct));

var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    foreach (var error in parsed.Errors) Fail(error.Message);
    return 2;
}
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });

async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
{
    var given = switches
        .Select(s => (Key: SiloSettings.Switches.GetValueOrDefault(s.Key) ?? unswitched[s.Key], Value: ValueOf(parse, s.Value)))
        .Where(s => s.Value is not null)
        .ToDictionary(s => s.Key, s => s.Value);
    var configuration = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()   // EDGE__TIER is Edge:Tier
        .AddInMemoryCollection(given)
        .Build();
    var settings = SiloSettings.From(configuration.GetSection("Edge"));

    var problems = settings.Problems().ToList();
    if (problems.Count > 0)
    {
        foreach (var problem in problems) Fail(problem);
        return 2;
    }

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
