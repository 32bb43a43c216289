using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Store;

namespace Orleans.Edge.Hosting;

/// <summary>The three kinds of cluster.</summary>
public enum EdgeTier
{
    /// <summary>One store.</summary>
    Store,
    /// <summary>One region, aggregating its stores.</summary>
    Regional,
    /// <summary>The cloud control plane.</summary>
    Cloud,
}

/// <summary>Ports and identity of one cluster in the embedded profile (localhost clustering, in-memory storage).</summary>
public abstract class TierSettings
{
    /// <summary>Orleans silo-to-silo port.</summary>
    public int SiloPort { get; set; }

    /// <summary>Orleans gateway port for grain clients (store apps).</summary>
    public int GatewayPort { get; set; }

    /// <summary>Period at which stream pulling agents look for new events; low keeps alert latency low.</summary>
    public TimeSpan StreamPollPeriod { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Optional logging set-up (the demo keeps silos quiet).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>
    /// Where the tier keeps what must survive a restart (the uplink outbox, as SQLite); null keeps
    /// it in memory, which survives link outages but not restarts.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Further tier-link settings of a child tier (timeouts, backoff, batch size).</summary>
    public Action<TierLink.Child.TierLinkClientOptions>? ConfigureLink { get; set; }

    /// <summary>Optional clock (tests use a fake one).</summary>
    /// <summary>
    /// Last changes to the tier's services, made after everything the tier registers (tests and
    /// the chaos drill install fault injection here).
    /// </summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? ConfigureServices { get; set; }

    public TimeProvider? Time { get; set; }

    /// <summary>
    /// HTTP port of the operations endpoints: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>
    /// (Prometheus) and <c>/dashboard</c> (Orleans Dashboard); null serves none of them.
    /// </summary>
    public int? OpsPort { get; set; }

    /// <summary>Address the tier link and the operations endpoints listen on (loopback unless told otherwise).</summary>
    public System.Net.IPAddress ListenAddress { get; set; } = System.Net.IPAddress.Loopback;

    /// <summary>
    /// The tier's Redis (StackExchange.Redis configuration, e.g. <c>redis:6379</c>): when set, the
    /// production profile runs: Redis membership, grain state and outbox, so several silos form
    /// the cluster and everything survives a restart of any of them. Null: the embedded profile.
    /// </summary>
    public string? RedisConfiguration { get; set; }

    /// <summary>
    /// The address other silos and clients reach this silo at (production profile); defaults to
    /// <see cref="ListenAddress"/>, and must be given when that is 0.0.0.0 (in Kubernetes: the pod IP).
    /// </summary>
    public System.Net.IPAddress? AdvertisedAddress { get; set; }

    /// <summary>True for the production profile (a Redis is configured).</summary>
    public bool IsProduction => !string.IsNullOrWhiteSpace(RedisConfiguration);

    /// <summary>
    /// The user <c>/metrics</c> and <c>/dashboard</c> accept (HTTP Basic, with <see cref="DashboardPassword"/>).
    /// Required by the production profile; the embedded profile without it makes user <c>ops</c> with a
    /// random password on first start (<see cref="Ops.OpsCredentials"/>).
    /// </summary>
    public string? DashboardUser { get; set; }

    /// <summary>The ops endpoints' password; see <see cref="DashboardUser"/>.</summary>
    public string? DashboardPassword { get; set; }

    /// <summary>How the tier links authenticate (mutual TLS by default; see <see cref="TrustSettings"/>).</summary>
    public TrustSettings Trust { get; set; } = new();

    /// <summary>The tier-link URL scheme this tier serves and dials: <c>https</c>, or <c>http</c> when insecure.</summary>
    public string LinkScheme => Trust.Insecure ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;

    /// <summary>The Orleans cluster id.</summary>
    public abstract EdgeIdentity Identity { get; }

    /// <summary>The Orleans cluster id (<c>store-{id}</c>, <c>region-{id}</c>, <c>cloud</c>).</summary>
    public string ClusterId => Identity.ClusterId;

    /// <summary>Problems with these settings; empty when valid.</summary>
    public virtual IEnumerable<string> Problems()
    {
        if (SiloPort is <= 0 or > 65535) yield return $"SiloPort must be 1–65535, got {SiloPort}";
        if (GatewayPort is <= 0 or > 65535) yield return $"GatewayPort must be 1–65535, got {GatewayPort}";
        if (SiloPort == GatewayPort) yield return "SiloPort and GatewayPort must differ";
        if (OpsPort is { } ops && (ops is <= 0 or > 65535)) yield return $"OpsPort must be 1–65535, got {ops}";
        if (OpsPort is { } same && (same == SiloPort || same == GatewayPort)) yield return "OpsPort must differ from SiloPort and GatewayPort";
        if (string.IsNullOrEmpty(DashboardUser) != string.IsNullOrEmpty(DashboardPassword))
            yield return "DashboardUser and DashboardPassword go together: set both or neither";
        if (IsProduction && OpsPort is not null && string.IsNullOrEmpty(DashboardUser))
            yield return "the production profile serves /metrics and /dashboard only behind a login: set DashboardUser and DashboardPassword";
        if (IsProduction && DataDirectory is not null)
            yield return "DataDirectory belongs to the embedded profile; with a Redis everything is kept there";
        if (IsProduction && AdvertisedAddress is null && (ListenAddress.Equals(System.Net.IPAddress.Any) || ListenAddress.Equals(System.Net.IPAddress.IPv6Any)))
            yield return "AdvertisedAddress is required when listening on every address: the address other silos reach this one at (the pod IP)";
        if (IsProduction && !TryParseRedis(RedisConfiguration!, out var error))
            yield return $"RedisConfiguration '{RedisConfiguration}' is not a Redis configuration: {error}";
        foreach (var problem in Trust.Problems(IsProduction, cloud: this is CloudTierSettings)) yield return $"Trust: {problem}";
    }

    /// <summary>Why <paramref name="parent"/> is not a parent address this tier can dial; null when it is.</summary>
    protected string? ParentAddressProblem(Uri? parent, string what)
    {
        if (parent is null) return $"ParentAddress ({what}) is required";
        if (!parent.IsAbsoluteUri || parent.Scheme != LinkScheme)
            return Trust.Insecure
                ? $"ParentAddress '{parent}' must be an http:// URL: the tier links run without authentication (insecure)"
                : $"ParentAddress '{parent}' must be an https:// URL: tier links use mutual TLS (plaintext http:// only when both ends run insecure)";
        return null;
    }

    private static bool TryParseRedis(string configuration, out string? error)
    {
        try
        {
            StackExchange.Redis.ConfigurationOptions.Parse(configuration);
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }
}

/// <summary>A store cluster.</summary>
public sealed class StoreTierSettings : TierSettings
{
    /// <summary>The store's id.</summary>
    public string StoreId { get; set; } = "";

    /// <summary>Its region.</summary>
    public string RegionId { get; set; } = "";

    /// <summary>The region's tier-link address.</summary>
    public Uri? ParentAddress { get; set; }

    /// <summary>Further store settings (fault detection, clock tolerance).</summary>
    public Action<StoreOptions>? ConfigureStore { get; set; }

    /// <inheritdoc />
    public override EdgeIdentity Identity => EdgeIdentity.Store(RegionId, StoreId);

    /// <inheritdoc />
    public override IEnumerable<string> Problems() => base.Problems()
        .Concat(new[] { Domain.EdgeId.Problem(StoreId, "store id"), Domain.EdgeId.Problem(RegionId, "region id") }.OfType<string>())
        .Concat(ParentAddressProblem(ParentAddress, "the region's tier-link address") is { } parentProblem ? [parentProblem] : []);
}

/// <summary>A regional cluster.</summary>
public sealed class RegionalTierSettings : TierSettings
{
    /// <summary>The region's id.</summary>
    public string RegionId { get; set; } = "";

    /// <summary>The cloud's tier-link address.</summary>
    public Uri? ParentAddress { get; set; }

    /// <summary>Port the region's tier link listens on (loopback) for its stores.</summary>
    public int LinkPort { get; set; }

    /// <summary>Length of the regional summary window.</summary>
    public TimeSpan SummaryWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override EdgeIdentity Identity => EdgeIdentity.Region(RegionId);

    /// <inheritdoc />
    public override IEnumerable<string> Problems() => base.Problems()
        .Concat(new[] { Domain.EdgeId.Problem(RegionId, "region id") }.OfType<string>())
        .Concat(ParentAddressProblem(ParentAddress, "the cloud's tier-link address") is { } parentProblem ? [parentProblem] : [])
        .Concat(LinkPort is <= 0 or > 65535 ? [$"LinkPort must be 1–65535, got {LinkPort}"] : []);
}

/// <summary>The cloud cluster.</summary>
public sealed class CloudTierSettings : TierSettings
{
    /// <summary>Port the cloud's tier link listens on (loopback) for regions.</summary>
    public int LinkPort { get; set; }

    /// <summary>Adjusts the fleet view's settings (e.g. how many resolved alerts it keeps).</summary>
    public Action<Cloud.FleetOptions>? ConfigureFleet { get; set; }

    /// <inheritdoc />
    public override EdgeIdentity Identity => EdgeIdentity.Cloud;

    /// <inheritdoc />
    public override IEnumerable<string> Problems() => base.Problems()
        .Concat(LinkPort is <= 0 or > 65535 ? [$"LinkPort must be 1–65535, got {LinkPort}"] : []);
}
