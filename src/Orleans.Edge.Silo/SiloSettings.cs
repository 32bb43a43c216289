using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.Silo;

/// <summary>
/// What the silo executable runs, bound from the <c>Edge</c> section of appsettings.json,
/// <c>EDGE__*</c> environment variables and the command line (<c>--tier</c>, <c>--id</c>, …).
/// </summary>
public sealed class SiloSettings
{
    public string? Tier { get; set; }
    public string? Id { get; set; }
    public string? RegionId { get; set; }
    public string? ParentAddress { get; set; }
    public int SiloPort { get; set; }
    public int GatewayPort { get; set; }
    public int LinkPort { get; set; }
    public string? DataDirectory { get; set; }
    public int? OpsPort { get; set; }
    public string? ListenAddress { get; set; }
    public string? DashboardUser { get; set; }
    public string? DashboardPassword { get; set; }
    public string? Redis { get; set; }
    public string? AdvertisedAddress { get; set; }

    /// <summary>Command-line switches and the settings they set.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--tier"] = "Edge:Tier", ["--id"] = "Edge:Id", ["--region"] = "Edge:RegionId", ["--parent"] = "Edge:ParentAddress",
        ["--silo-port"] = "Edge:SiloPort", ["--gateway-port"] = "Edge:GatewayPort", ["--link-port"] = "Edge:LinkPort",
        ["--data-dir"] = "Edge:DataDirectory", ["--ops-port"] = "Edge:OpsPort", ["--listen-address"] = "Edge:ListenAddress",
        ["--redis"] = "Edge:Redis", ["--advertised-address"] = "Edge:AdvertisedAddress",
    };

    /// <summary>One sentence per bad or missing setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (Tier is not ("store" or "regional" or "cloud")) { yield return $"Edge:Tier (--tier) must be store, regional or cloud, got '{Tier}'"; yield break; }
        if (Tier != "cloud" && EdgeId.Problem(Id, "Edge:Id (--id)") is { } idProblem) yield return idProblem;
        if (Tier == "store" && EdgeId.Problem(RegionId, "Edge:RegionId (--region)") is { } regionProblem) yield return regionProblem;
        if (Tier != "cloud" && !Uri.TryCreate(ParentAddress, UriKind.Absolute, out _))
            yield return $"Edge:ParentAddress (--parent) must be the parent's tier-link URL, e.g. http://10.0.0.5:7100, got '{ParentAddress}'";
        if (SiloPort is <= 0 or > 65535) yield return $"Edge:SiloPort (--silo-port) must be 1–65535, got {SiloPort}";
        if (GatewayPort is <= 0 or > 65535) yield return $"Edge:GatewayPort (--gateway-port) must be 1–65535, got {GatewayPort}";
        if (Tier != "store" && LinkPort is <= 0 or > 65535) yield return $"Edge:LinkPort (--link-port) must be 1–65535, got {LinkPort}";
        if (OpsPort is { } ops && ops is <= 0 or > 65535) yield return $"Edge:OpsPort (--ops-port) must be 1–65535, got {ops}";
        if (ListenAddress is not null && !System.Net.IPAddress.TryParse(ListenAddress, out _))
            yield return $"Edge:ListenAddress (--listen-address) must be an IP address such as 0.0.0.0 or 127.0.0.1, got '{ListenAddress}'";
        if (string.IsNullOrEmpty(DashboardUser) != string.IsNullOrEmpty(DashboardPassword))
            yield return "Edge:DashboardUser and Edge:DashboardPassword go together: set both or neither";
        if (AdvertisedAddress is not null && !System.Net.IPAddress.TryParse(AdvertisedAddress, out _))
            yield return $"Edge:AdvertisedAddress (--advertised-address) must be an IP address, got '{AdvertisedAddress}'";
        if (!string.IsNullOrEmpty(Redis) && OpsPort is not null && string.IsNullOrEmpty(DashboardUser))
            yield return "Edge:DashboardUser and Edge:DashboardPassword are required with Edge:Redis (--redis): the production profile serves /dashboard only behind a login";
        if (!string.IsNullOrEmpty(Redis) && DataDirectory is not null)
            yield return "Edge:DataDirectory (--data-dir) belongs to the embedded profile; with Edge:Redis (--redis) everything is kept in Redis";
    }

    private System.Net.IPAddress? Advertised => AdvertisedAddress is null ? null : System.Net.IPAddress.Parse(AdvertisedAddress);

    private System.Net.IPAddress Listen => ListenAddress is null ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(ListenAddress);

    /// <summary>The host for these settings (valid ones).</summary>
    public EdgeTierHost CreateHost() => Tier switch
    {
        "store" => EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = Id!, RegionId = RegionId!, ParentAddress = new Uri(ParentAddress!), SiloPort = SiloPort, GatewayPort = GatewayPort,
            DataDirectory = DataDirectory, OpsPort = OpsPort, ListenAddress = Listen, DashboardUser = DashboardUser, DashboardPassword = DashboardPassword,
            RedisConfiguration = Redis, AdvertisedAddress = Advertised,
        }),
        "regional" => EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = Id!, ParentAddress = new Uri(ParentAddress!), SiloPort = SiloPort, GatewayPort = GatewayPort, LinkPort = LinkPort,
            DataDirectory = DataDirectory, OpsPort = OpsPort, ListenAddress = Listen, DashboardUser = DashboardUser, DashboardPassword = DashboardPassword,
            RedisConfiguration = Redis, AdvertisedAddress = Advertised,
        }),
        _ => EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = SiloPort, GatewayPort = GatewayPort, LinkPort = LinkPort, DataDirectory = DataDirectory,
            OpsPort = OpsPort, ListenAddress = Listen, DashboardUser = DashboardUser, DashboardPassword = DashboardPassword,
            RedisConfiguration = Redis, AdvertisedAddress = Advertised,
        }),
    };
}
