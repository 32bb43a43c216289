using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;
using Orleans.Runtime;

namespace Orleans.Edge.Store.Security;

/// <summary>
/// Keeps a store's internal grains internal: a call that comes through the gateway from a client
/// outside the cluster reaches only the methods of this project's grains marked <see cref="StoreAppApiAttribute"/>
/// (what the SDK calls); any other method of them is refused with <see cref="UnauthorizedAccessException"/>, counted in
/// <c>orleans_edge_gateway_calls_refused_total</c> and logged once per method. Calls between the
/// cluster's grains, and from the silo's own services (the tier link, the ops endpoints), pass.
/// <see cref="StoreOptions.OpenGatewayToInternalGrains"/> lifts the check, for diagnostics and tests only.
/// </summary>
public sealed partial class GatewayCallFilter : IIncomingGrainCallFilter
{
    // A silo's own services call grains as a "hosted" client of that silo: not from outside.
    private const string HostedClientPrefix = "hosted-";
    private readonly ConcurrentDictionary<MethodInfo, bool> _allowed = new();
    private readonly ConcurrentDictionary<string, bool> _logged = new();
    private readonly IOptions<StoreOptions> _options;
    private readonly ILogger<GatewayCallFilter> _logger;
    private readonly Counter<long> _refused;

    public GatewayCallFilter(IOptions<StoreOptions> options, IMeterFactory meters, ILogger<GatewayCallFilter> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        (_options, _logger) = (options, logger);
        _refused = meters.Create("Orleans.Edge.Store.Gateway").CreateCounter<long>("orleans_edge_gateway_calls_refused_total",
            description: "Calls from outside the store cluster to grain methods that are not store-app API, refused");
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsFromOutside(context.SourceId) || !IsEdgeGrain(context.InterfaceMethod) || IsStoreAppApi(context.InterfaceMethod)
            || _options.Value.OpenGatewayToInternalGrains)
            return context.Invoke();
        var what = $"{context.InterfaceName}.{context.InterfaceMethod?.Name}";
        _refused.Add(1, new KeyValuePair<string, object?>("method", what));
        if (_logged.TryAdd(what, true)) LogRefused(_logger, what, context.SourceId?.ToString() ?? "?");
        throw new UnauthorizedAccessException($"{what} is internal to the store cluster; store apps call the client SDK's methods");
    }

    /// <summary>True for a client outside the cluster; false for grains, system targets and the silos' own hosted clients.</summary>
    public static bool IsFromOutside(GrainId? source) =>
        source is { } id && id.IsClient() && !id.Key.ToString().StartsWith(HostedClientPrefix, StringComparison.Ordinal);

    // Orleans' own grains (management, stream pub-sub) are Orleans' to guard: clients and test hosts
    // rely on them, and the gateway's TLS client certificates are what keep strangers from them.
    private static bool IsEdgeGrain(MethodInfo? method) =>
        method?.DeclaringType?.Namespace?.StartsWith("Orleans.Edge", StringComparison.Ordinal) == true;

    private bool IsStoreAppApi(MethodInfo? method) =>
        method is not null && _allowed.GetOrAdd(method, m => m.GetCustomAttribute<StoreAppApiAttribute>() is not null);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from outside the store cluster to {Method} (caller {Caller}); only store-app API is open through the gateway")]
    private static partial void LogRefused(ILogger logger, string method, string caller);
}

/// <summary>Says at start-up, loudly, that a store's gateway is open to its internal grains.</summary>
internal sealed partial class OpenGatewayWarning(IOptions<StoreOptions> options, ILogger<OpenGatewayWarning> logger) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.OpenGatewayToInternalGrains) LogOpen(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge:Store:OpenGatewayToInternalGrains is on: clients outside this store cluster may call every grain method, not only the store-app API")]
    private static partial void LogOpen(ILogger logger);
}
