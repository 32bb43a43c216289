using Orleans.Edge.TierLink.Parent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Orleans.Edge.TierLink.Child;

namespace Orleans.Edge.Hosting.Ops;

/// <summary>
/// The operations endpoints every tier host serves on its <see cref="TierSettings.OpsPort"/>:
/// <c>/healthz</c> (the process is alive), <c>/readyz</c> (the silo is active in its cluster and,
/// in a store, the local pipeline answers; a store is ready while its uplink is down),
/// <c>/metrics</c> (Prometheus: Orleans' meters and <c>orleans_edge_*</c>) and <c>/dashboard</c>
/// (the Orleans Dashboard). <c>/metrics</c> and <c>/dashboard</c> ask for HTTP Basic credentials in
/// every profile (<see cref="OpsCredentials"/>); the probes stay open, as they reveal only check
/// names and states. The production profile serves them over HTTPS with the node's certificate.
/// </summary>
public static class OpsEndpoints
{
    private const string ReadyTag = "ready";

    /// <summary>Registers what the endpoints need; call before building, with a port set.</summary>
    public static WebApplicationBuilder AddEdgeOps(this WebApplicationBuilder builder, TierSettings settings)
    {
        if (settings.OpsPort is not { } port) return builder;
        // HTTP/1.1 only: what probes, scrapers and browsers speak here; HTTP/2 without TLS could not be negotiated anyway.
        builder.WebHost.ConfigureKestrel(k => k.Listen(settings.ListenAddress, port, l =>
        {
            l.Protocols = HttpProtocols.Http1;
            TrustSetup.UseOpsTls(l, settings);
        }));
        var checks = builder.Services.AddHealthChecks().AddCheck<SiloActiveCheck>("silo-active", tags: [ReadyTag]);
        if (settings is not CloudTierSettings) checks.AddCheck<UplinkSenderCheck>("uplink-sender", tags: [ReadyTag]);
        if (settings is StoreTierSettings store)
        {
            checks.AddCheck<LocalPipelineCheck>("local-pipeline", tags: [ReadyTag]);
            builder.Services.AddSingleton(new OpsStore(store.StoreId));
        }
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans", OpsRefusals.MeterName, LinkMetrics.MeterName, TierLink.Parent.ChildRateLimiter.MeterName, TierLink.ModelTransferMetrics.MeterName, Store.StoreCounters.MeterName, Store.Inference.InferenceMetrics.MeterName, Cloud.FleetMetrics.MeterName, Trust.LinkTrust.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        // Resolved (and, the first time, generated) when the tier starts; see EdgeTierHost.StartAsync.
        builder.Services.AddSingleton(new OpsAccess(settings));
        builder.Services.AddSingleton<OpsRefusals>();
        builder.Services.AddAuthentication(BasicAuthentication.SchemeName)
            .AddScheme<BasicAuthenticationOptions, BasicAuthentication>(BasicAuthentication.SchemeName, _ => { });
        builder.Services.AddOptions<BasicAuthenticationOptions>(BasicAuthentication.SchemeName)
            .Configure<OpsAccess>((o, access) => (o.User, o.Password) = (access.Credentials.User, access.Credentials.Password));
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>Maps the endpoints on the built application (no-op without a port).</summary>
    public static WebApplication MapEdgeOps(this WebApplication app, TierSettings settings)
    {
        if (settings.OpsPort is null) return app;
        var ops = $"*:{settings.OpsPort}";
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).RequireHost(ops);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = ReadinessReport.WriteAsync }).RequireHost(ops);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHost(ops).RequireAuthorization();
        app.MapOrleansDashboard(routePrefix: "/dashboard").WithEdgeGrainLabels().RequireHost(ops).RequireAuthorization();
        return app;
    }
}

/// <summary>The ops credentials of a tier, resolved once (generated on first start where none are configured).</summary>
public sealed class OpsAccess(TierSettings settings)
{
    private readonly Lazy<OpsCredentials> _credentials = new(() => OpsCredentials.For(settings));

    /// <summary>The user and password <c>/metrics</c> and <c>/dashboard</c> accept.</summary>
    public OpsCredentials Credentials => _credentials.Value;
}

/// <summary>The store whose local pipeline readiness checks.</summary>
internal sealed record OpsStore(string StoreId);

/// <summary>Writes /readyz as the overall status, then one line per check with what it found.</summary>
internal static class ReadinessReport
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(e => $"{e.Key}: {e.Value.Status}: {e.Value.Description}");
        return context.Response.WriteAsync(string.Join('\n', [report.Status.ToString(), .. lines]) + "\n");
    }
}
