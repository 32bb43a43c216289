using Orleans.Edge.Client;
using Orleans.Edge.StoreApp;

var builder = Host.CreateApplicationBuilder(args);

// The Orleans client runs on this host: its logging, its configuration, its Ctrl+C.
builder.Services.AddEdgeStoreClient(builder.Configuration.GetSection("Store"));
builder.Services.AddOptions<StoreAppOptions>()
    .Bind(builder.Configuration.GetSection("StoreApp"))
    .Validate(o => ActorNameProblem(o.AcknowledgeAs) is null, "StoreApp:AcknowledgeAs: give the name acknowledgements are made under")
    .ValidateOnStart();
builder.Services.AddHostedService<AlertDesk>();

await builder.Build().RunAsync();

static string? ActorNameProblem(string by) => Orleans.Edge.Domain.ActorName.Problem(by);
