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
/// (the Orleans Dashboard, behind HTTP Basic when credentials are configured).
/// </summary>
public static class OpsEndpoints
{
    private const string ReadyTag = "ready";

    /// <summary>Registers what the endpoints need; call before building, with a port set.</summary>
    public static WebApplicationBuilder AddEdgeOps(this WebApplicationBuilder builder, TierSettings settings)
    {
        if (settings.OpsPort is not { } port) return builder;
        // HTTP/1.1 only: without TLS, Kestrel could not negotiate HTTP/2 on this port anyway (and warned so at every start).
        builder.WebHost.ConfigureKestrel(k => k.Listen(settings.ListenAddress, port, l => l.Protocols = HttpProtocols.Http1));
        var checks = builder.Services.AddHealthChecks().AddCheck<SiloActiveCheck>("silo-active", tags: [ReadyTag]);
        if (settings is not CloudTierSettings) checks.AddCheck<UplinkSenderCheck>("uplink-sender", tags: [ReadyTag]);
        if (settings is StoreTierSettings store)
        {
            checks.AddCheck<LocalPipelineCheck>("local-pipeline", tags: [ReadyTag]);
            builder.Services.AddSingleton(new OpsStore(store.StoreId));
        }
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans", LinkMetrics.MeterName, TierLink.Parent.ChildRateLimiter.MeterName, TierLink.ModelTransferMetrics.MeterName, Store.StoreCounters.MeterName, Store.Inference.InferenceMetrics.MeterName, Cloud.FleetMetrics.MeterName, Trust.LinkTrust.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        if (settings.DashboardUser is { Length: > 0 } user)
        {
            builder.Services.AddAuthentication(BasicAuthentication.SchemeName)
                .AddScheme<BasicAuthenticationOptions, BasicAuthentication>(BasicAuthentication.SchemeName, o => (o.User, o.Password) = (user, settings.DashboardPassword!));
            builder.Services.AddAuthorization();
        }
        return builder;
    }

    /// <summary>Maps the endpoints on the built application (no-op without a port).</summary>
    public static WebApplication MapEdgeOps(this WebApplication app, TierSettings settings)
    {
        if (settings.OpsPort is null) return app;
        var ops = $"*:{settings.OpsPort}";
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).RequireHost(ops);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = ReadinessReport.WriteAsync }).RequireHost(ops);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHost(ops);
        var dashboard = app.MapOrleansDashboard(routePrefix: "/dashboard").WithEdgeGrainLabels().RequireHost(ops);
        if (settings.DashboardUser is { Length: > 0 })
        {
            app.UseAuthentication();
            app.UseAuthorization();
            dashboard.RequireAuthorization();
        }
        return app;
    }
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
