using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Edge.Hosting.Ops;

/// <summary>The credentials of the ops endpoints (<c>/metrics</c>, <c>/dashboard</c>).</summary>
public sealed class BasicAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>User name.</summary>
    public string User { get; set; } = "";

    /// <summary>Password.</summary>
    public string Password { get; set; } = "";
}

/// <summary>
/// HTTP Basic for <c>/metrics</c> and <c>/dashboard</c>: one user, compared in constant time. A request
/// refused for missing or wrong credentials gets 401 with <c>WWW-Authenticate</c>, is counted in
/// <c>orleans_edge_ops_requests_refused_total{reason}</c> and logged once per client address and reason.
/// </summary>
internal sealed class BasicAuthentication(IOptionsMonitor<BasicAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, OpsRefusals refusals)
    : AuthenticationHandler<BasicAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";
    private const string Malformed = "malformed", Wrong = "wrong";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || header.Scheme != SchemeName || header.Parameter is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail(Malformed));
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !Same(decoded[..colon], Options.User) || !Same(decoded[(colon + 1)..], Options.Password))
            return Task.FromResult(AuthenticateResult.Fail(Wrong));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, Options.User)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        refusals.Refused(Context.Connection.RemoteIpAddress?.ToString() ?? "(unknown)", Request.Path, result.Failure?.Message ?? "missing");
        Response.Headers.WWWAuthenticate = "Basic realm=\"orleans-edge\", charset=\"UTF-8\"";
        await base.HandleChallengeAsync(properties);
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}

/// <summary>Counts refused ops requests and logs each client address and reason once.</summary>
internal sealed partial class OpsRefusals(ILogger<OpsRefusals> logger)
{
    /// <summary>The meter of <c>orleans_edge_ops_requests_refused_total</c>.</summary>
    public const string MeterName = "Orleans.Edge.Ops";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> RefusedCounter = Meter.CreateCounter<long>("orleans_edge_ops_requests_refused",
        description: "Requests to /metrics or /dashboard refused for missing, malformed or wrong HTTP Basic credentials");
    private readonly ConcurrentDictionary<(string Client, string Reason), byte> _logged = new();

    public void Refused(string client, string path, string reason)
    {
        RefusedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (_logged.Count < 10_000 && _logged.TryAdd((client, reason), 0)) LogRefused(logger, path, client, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ops request {Path} from {Client} refused: {Reason} credentials. Logged once per client and reason; counted in orleans_edge_ops_requests_refused_total")]
    private static partial void LogRefused(ILogger logger, string path, string client, string reason);
}
