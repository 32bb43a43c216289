using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Edge.Hosting.Ops;

/// <summary>
/// The Orleans Dashboard's page labels every grain class whose name starts with <c>Orleans.</c> as a
/// "System Grain" (a test in its script bundle; no option or attribute changes it), and all of this
/// project's grains live in <c>Orleans.Edge.*</c>. This serves the bundle with that one test narrowed
/// to leave <c>Orleans.Edge.</c> out. Where the bundle no longer holds the expected test (another
/// dashboard version), the original is served unchanged and a warning says so once.
/// </summary>
internal static partial class DashboardGrainLabels
{
    internal const string Original = "e.grainType.startsWith(`Orleans.`)";
    internal const string Narrowed = "(e.grainType.startsWith(`Orleans.`)&&!e.grainType.startsWith(`Orleans.Edge.`))";
    private const string BundleResource = "Orleans.Dashboard.wwwroot.index.min.js";
    private static readonly Lazy<(byte[] Body, string ETag)?> Patched = new(Patch);

    /// <summary>Serves the narrowed bundle for the group's <c>/index.min.js</c>; other requests pass through.</summary>
    public static RouteGroupBuilder WithEdgeGrainLabels(this RouteGroupBuilder dashboard)
    {
        dashboard.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!http.Request.Path.Value!.EndsWith("/index.min.js", StringComparison.Ordinal)) return await next(context);
            if (Patched.Value is not { } bundle)
            {
                WarnOnce(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardGrainLabels).FullName!));
                return await next(context);
            }
            http.Response.Headers.CacheControl = "no-cache";
            if (http.Request.Headers.IfNoneMatch == bundle.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
            http.Response.Headers.ETag = bundle.ETag;
            return Results.Bytes(bundle.Body, "text/javascript; charset=utf-8");
        });
        return dashboard;
    }

    private static (byte[], string)? Patch()
    {
        using var stream = typeof(Orleans.Dashboard.DashboardOptions).Assembly.GetManifestResourceStream(BundleResource);
        if (stream is null) return null;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var script = reader.ReadToEnd();
        if (!script.Contains(Original, StringComparison.Ordinal)) return null;
        var body = Encoding.UTF8.GetBytes(script.Replace(Original, Narrowed, StringComparison.Ordinal));
        return (body, $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"");
    }

    private static int _warned;

    private static void WarnOnce(ILogger logger)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0) LogUnpatched(logger, BundleResource);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Orleans Dashboard bundle {Resource} no longer holds the expected system-grain test; Orleans.Edge grains may show as \"System Grain\"")]
    private static partial void LogUnpatched(ILogger logger, string resource);
}
