using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Orleans.Edge.Client;
using Orleans.Edge.StoreApp;

// --shortcut: the same app without a host of its own, on EdgeStoreClient.ConnectAsync.
const string ShortcutSwitch = "--shortcut";
if (args.Contains(ShortcutSwitch)) return await RunWithoutHostAsync([.. args.Where(a => a != ShortcutSwitch)]);

var builder = Host.CreateApplicationBuilder(args);

// The Orleans client runs on this host: its logging, its configuration, its Ctrl+C.
builder.Services.AddEdgeStoreClient(builder.Configuration.GetSection("Store"));
builder.Services.AddOptions<StoreAppOptions>()
    .Bind(builder.Configuration.GetSection("StoreApp"))
    .Validate(o => ActorNameProblem(o.AcknowledgeAs) is null, "StoreApp:AcknowledgeAs: give the name acknowledgements are made under")
    .ValidateOnStart();
builder.Services.AddHostedService<AlertDesk>();

await builder.Build().RunAsync();
return 0;

// A console app that owns its shutdown: the client installs no signal handling, so the app's
// own SIGTERM/Ctrl+C handler stops it, and it disconnects on the way out.
static async Task<int> RunWithoutHostAsync(string[] args)
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args)
        .Build();
    using var logging = LoggerFactory.Create(b => b.AddConfiguration(configuration.GetSection("Logging")).AddConsole());
    var storeOptions = new StoreClientOptions();
    configuration.GetSection("Store").Bind(storeOptions);
    var appOptions = new StoreAppOptions();
    configuration.GetSection("StoreApp").Bind(appOptions);
    if (ActorNameProblem(appOptions.AcknowledgeAs) is { } problem)
    {
        await Console.Error.WriteLineAsync($"StoreApp:AcknowledgeAs: {problem}");
        return 2;
    }

    using var stop = new CancellationTokenSource();
    void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;   // this app ends itself, after disconnecting
        stop.Cancel();
    }
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

    EdgeStoreClient store;
    try
    {
        store = await EdgeStoreClient.ConnectAsync(storeOptions, stop.Token);
    }
    catch (Exception ex) when (ex is EdgeClientException or ArgumentException)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return 1;
    }
    catch (OperationCanceledException)
    {
        return 0;   // stopped while connecting
    }
    await using (store)
    {
        using var desk = new AlertDesk(store, Options.Create(appOptions), logging.CreateLogger<AlertDesk>());
        await desk.StartAsync(stop.Token);
        // Runs until a signal, or until the desk fails (its error is the app's).
        await Task.WhenAny(desk.ExecuteTask ?? Task.CompletedTask, Task.Delay(Timeout.Infinite, stop.Token));
        await desk.StopAsync(CancellationToken.None);
        if (desk.ExecuteTask is { IsFaulted: true } failed)
        {
            await Console.Error.WriteLineAsync(failed.Exception!.InnerException!.Message);
            return 1;
        }
    }
    return 0;
}

static string? ActorNameProblem(string by) => Orleans.Edge.Domain.ActorName.Problem(by);
