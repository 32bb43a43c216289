using Microsoft.Extensions.Configuration;
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
    public string? Planogram { get; set; }
    public string? CertificateDirectory { get; set; }
    public string? DevelopmentCertificates { get; set; }
    public string? TrustDomain { get; set; }
    public string? SignerDirectory { get; set; }
    public bool Insecure { get; set; }

    /// <summary>Switches that take no value (a flag sets <c>true</c>).</summary>
    public static readonly HashSet<string> Flags = ["--insecure"];

    /// <summary>The shelves of <see cref="Planogram"/>, once <see cref="Problems"/> found the file good.</summary>
    public IReadOnlyList<ShelfSetup>? PlanogramShelves { get; private set; }

    /// <summary>Command-line switches and the settings they set.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--tier"] = "Edge:Tier", ["--id"] = "Edge:Id", ["--region"] = "Edge:RegionId", ["--parent"] = "Edge:ParentAddress",
        ["--silo-port"] = "Edge:SiloPort", ["--gateway-port"] = "Edge:GatewayPort", ["--link-port"] = "Edge:LinkPort",
        ["--data-dir"] = "Edge:DataDirectory", ["--ops-port"] = "Edge:OpsPort", ["--listen-address"] = "Edge:ListenAddress",
        ["--redis"] = "Edge:Redis", ["--advertised-address"] = "Edge:AdvertisedAddress", ["--planogram"] = "Edge:Planogram",
        ["--certs"] = "Edge:CertificateDirectory", ["--dev-certs"] = "Edge:DevelopmentCertificates", ["--trust-domain"] = "Edge:TrustDomain",
        ["--insecure"] = "Edge:Insecure", ["--signer"] = "Edge:SignerDirectory",
    };

    /// <summary>What each switch sets, for <c>--help</c>.</summary>
    public static readonly Dictionary<string, string> Descriptions = new()
    {
        ["--tier"] = "store, regional or cloud", ["--id"] = "the store's or region's id", ["--region"] = "a store's region",
        ["--parent"] = "the parent's tier-link URL, e.g. https://10.0.0.5:7100 (store and regional)",
        ["--silo-port"] = "Orleans silo-to-silo port", ["--gateway-port"] = "Orleans gateway port (store apps connect here)",
        ["--link-port"] = "tier-link port children dial in to (regional and cloud)",
        ["--data-dir"] = "embedded profile: keep grain state and outbox in SQLite here", ["--ops-port"] = "/healthz, /readyz, /metrics and /dashboard",
        ["--listen-address"] = "address to listen on (default 127.0.0.1)", ["--redis"] = "production profile: this Redis (e.g. redis:6379)",
        ["--advertised-address"] = "address other silos reach this one at (production profile; the pod IP)",
        ["--planogram"] = "store: provision the shelves of this planogram file at start (.json or .csv; see PlanogramFile)",
        ["--certs"] = "this node's tier-link credentials directory (node.crt.pem, node.key.pem, trust-bundle.pem; made with `certs`); required with --redis",
        ["--dev-certs"] = "embedded profile without --certs: where development certificates are made (default ~/.local/share/orleans-edge/dev-certs)",
        ["--trust-domain"] = $"trust domain of development certificates (default {TrustSettings.DefaultTrustDomain})",
        ["--insecure"] = "plaintext, unauthenticated tier links (a trusted lab only; refused with --redis)",
        ["--signer"] = "cloud: the document signer's directory (made with `certs issue-signer`); required with --redis",
    };

    // Values that did not convert (e.g. --gateway-port abc), worded like the other problems.
    private readonly List<string> _conversionProblems = [];

    /// <summary>
    /// Reads the <c>Edge</c> section. Unlike <c>ConfigurationBinder.Bind</c>, a value that is not a
    /// number does not throw: it becomes one of <see cref="Problems"/>.
    /// </summary>
    public static SiloSettings From(IConfiguration edge)
    {
        var settings = new SiloSettings
        {
            Tier = edge[nameof(Tier)], Id = edge[nameof(Id)], RegionId = edge[nameof(RegionId)], ParentAddress = edge[nameof(ParentAddress)],
            DataDirectory = edge[nameof(DataDirectory)], ListenAddress = edge[nameof(ListenAddress)], Redis = edge[nameof(Redis)],
            AdvertisedAddress = edge[nameof(AdvertisedAddress)], DashboardUser = edge[nameof(DashboardUser)], DashboardPassword = edge[nameof(DashboardPassword)],
            Planogram = edge[nameof(Planogram)], CertificateDirectory = edge[nameof(CertificateDirectory)],
            DevelopmentCertificates = edge[nameof(DevelopmentCertificates)], TrustDomain = edge[nameof(TrustDomain)],
            SignerDirectory = edge[nameof(SignerDirectory)],
        };
        settings.Insecure = settings.Flag(edge, nameof(Insecure));
        settings.SiloPort = settings.Port(edge, nameof(SiloPort)) ?? 0;
        settings.GatewayPort = settings.Port(edge, nameof(GatewayPort)) ?? 0;
        settings.LinkPort = settings.Port(edge, nameof(LinkPort)) ?? 0;
        settings.OpsPort = settings.Port(edge, nameof(OpsPort));
        return settings;
    }

    private int? Port(IConfiguration edge, string setting)
    {
        var text = edge[setting];
        if (string.IsNullOrEmpty(text)) return null;
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var port)) return port;
        _conversionProblems.Add($"{Name(setting)} must be a port number 1–65535, got '{text}'");
        return null;
    }

    private bool Flag(IConfiguration edge, string setting)
    {
        var text = edge[setting];
        if (string.IsNullOrEmpty(text)) return false;
        if (bool.TryParse(text, out var value)) return value;
        _conversionProblems.Add($"{Name(setting)} must be true or false, got '{text}'");
        return false;
    }

    /// <summary><c>Edge:GatewayPort (--gateway-port)</c>: a setting with its switch, as every problem names it.</summary>
    public static string Name(string setting) =>
        Switches.FirstOrDefault(kv => kv.Value == $"Edge:{setting}").Key is { } flag ? $"Edge:{setting} ({flag})" : $"Edge:{setting}";

    /// <summary>
    /// One sentence per bad or missing setting: first what each switch must look like, then, once
    /// they parse, what the tier itself requires of them together (<see cref="TierSettings.Problems"/>).
    /// </summary>
    public IEnumerable<string> Problems()
    {
        var syntax = _conversionProblems.Concat(SyntaxProblems()).Distinct().ToList();
        return syntax.Count > 0 ? syntax : ToTierSettings().Problems().Select(WithSwitches);
    }

    private static readonly System.Text.RegularExpressions.Regex SettingNames = new(
        $@"\b({string.Join('|', typeof(SiloSettings).GetProperties().Select(p => p.Name).Append(nameof(TierSettings.RedisConfiguration)))})\b");

    // TierSettings names a setting by its property ("SiloPort and GatewayPort must differ"); a person at
    // the command line needs the switch, as every other line gives it.
    private static string WithSwitches(string problem)
    {
        var named = SettingNames.Matches(problem).Select(m => m.Value == nameof(TierSettings.RedisConfiguration) ? nameof(Redis) : m.Value).Distinct().ToList();
        return named.Count == 0 ? problem : $"{problem}: {string.Join(", ", named.Select(Name))}";
    }

    private IEnumerable<string> SyntaxProblems()
    {
        if (_conversionProblems.Count > 0) yield break;   // a port that is no number reads as 0: one line for it, not two
        if (Tier is not ("store" or "regional" or "cloud")) { yield return $"Edge:Tier (--tier) must be store, regional or cloud, got '{Tier}'"; yield break; }
        if (Tier != "cloud" && EdgeId.Problem(Id, "Edge:Id (--id)") is { } idProblem) yield return idProblem;
        if (Tier == "store" && EdgeId.Problem(RegionId, "Edge:RegionId (--region)") is { } regionProblem) yield return regionProblem;
        if (Tier != "cloud" && !Uri.TryCreate(ParentAddress, UriKind.Absolute, out _))
            yield return $"Edge:ParentAddress (--parent) must be the parent's tier-link URL, e.g. https://10.0.0.5:7100, got '{ParentAddress}'";
        if (SiloPort is <= 0 or > 65535) yield return $"Edge:SiloPort (--silo-port) must be 1–65535, got {SiloPort}";
        if (GatewayPort is <= 0 or > 65535) yield return $"Edge:GatewayPort (--gateway-port) must be 1–65535, got {GatewayPort}";
        if (Tier != "store" && LinkPort is <= 0 or > 65535) yield return $"Edge:LinkPort (--link-port) must be 1–65535, got {LinkPort}";
        if (OpsPort is { } ops && ops is <= 0 or > 65535) yield return $"Edge:OpsPort (--ops-port) must be 1–65535, got {ops}";
        if (ListenAddress is not null && !System.Net.IPAddress.TryParse(ListenAddress, out _))
            yield return $"Edge:ListenAddress (--listen-address) must be an IP address such as 0.0.0.0 or 127.0.0.1, got '{ListenAddress}'";
        if (AdvertisedAddress is not null && !System.Net.IPAddress.TryParse(AdvertisedAddress, out _))
            yield return $"Edge:AdvertisedAddress (--advertised-address) must be an IP address, got '{AdvertisedAddress}'";
        foreach (var problem in TrustProblems()) yield return problem;
        if (Planogram is not null)
            foreach (var problem in PlanogramProblems()) yield return problem;
    }

    private IEnumerable<string> TrustProblems()
    {
        if (TrustDomain is not null && Trust.NodeIdentity.TrustDomainProblem(TrustDomain) is { } domainProblem)
            yield return $"Edge:TrustDomain (--trust-domain) '{TrustDomain}': {domainProblem}";
        if (Insecure && Redis is not null)
            yield return "Edge:Insecure (--insecure) is refused by the production profile (--redis): its tier links must authenticate their callers";
        else if (Insecure && CertificateDirectory is not null)
            yield return "Edge:Insecure (--insecure) and Edge:CertificateDirectory (--certs) contradict each other: give one";
        else if (Redis is not null && CertificateDirectory is null)
            yield return "Edge:CertificateDirectory (--certs) is required by the production profile (--redis): the node's tier-link credentials (made with `orleans-edge certs`, see docs/trust.md)";
        if (Tier == "cloud" && Redis is not null && SignerDirectory is null)
            yield return "Edge:SignerDirectory (--signer) is required by a production cloud (--redis): its key signs every policy and model assignment (made with `orleans-edge certs issue-signer`, see docs/trust.md)";
        if (Tier is "store" or "regional" && SignerDirectory is not null)
            yield return $"Edge:SignerDirectory (--signer) is for the cloud; a {Tier} verifies with its trust bundle and signs nothing";
        var scheme = Insecure ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        if (Tier != "cloud" && Uri.TryCreate(ParentAddress, UriKind.Absolute, out var parent) && parent.Scheme != scheme)
            yield return Insecure
                ? $"Edge:ParentAddress (--parent) must be an http:// URL with --insecure, got '{ParentAddress}'"
                : $"Edge:ParentAddress (--parent) must be an https:// URL: tier links use mutual TLS (http:// only with --insecure on both ends), got '{ParentAddress}'";
    }

    // A bad planogram file stops the silo before it starts: nothing is provisioned from it.
    private IEnumerable<string> PlanogramProblems()
    {
        const string name = "Edge:Planogram (--planogram)";
        if (Tier != "store") return [$"{name} is for a store; a {Tier} has no shelves"];
        PlanogramLoadResult loaded;
        try
        {
            loaded = PlanogramFile.Load(Planogram!);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return [$"{name} '{Planogram}': {ex.Message}"];
        }
        if (loaded.IsValid)
        {
            PlanogramShelves = loaded.Shelves;
            return [];
        }
        const int shown = 20;
        return [.. loaded.Problems.Take(shown).Select(p => $"{name} {Planogram}, {p}"),
            .. loaded.Problems.Count > shown ? [$"{name} {Planogram}: {loaded.Problems.Count - shown} more problems"] : Array.Empty<string>()];
    }

    /// <summary>The tier's settings (from settings whose syntax is valid).</summary>
    public TierSettings ToTierSettings()
    {
        TierSettings tier = Tier switch
        {
            "store" => new StoreTierSettings { StoreId = Id!, RegionId = RegionId!, ParentAddress = new Uri(ParentAddress!) },
            "regional" => new RegionalTierSettings { RegionId = Id!, ParentAddress = new Uri(ParentAddress!), LinkPort = LinkPort },
            _ => new CloudTierSettings { LinkPort = LinkPort },
        };
        tier.SiloPort = SiloPort;
        tier.GatewayPort = GatewayPort;
        tier.DataDirectory = DataDirectory;
        tier.OpsPort = OpsPort;
        tier.ListenAddress = ListenAddress is null ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(ListenAddress);
        tier.AdvertisedAddress = AdvertisedAddress is null ? null : System.Net.IPAddress.Parse(AdvertisedAddress);
        tier.DashboardUser = DashboardUser;
        tier.DashboardPassword = DashboardPassword;
        tier.RedisConfiguration = Redis;
        tier.Trust = new TrustSettings
        {
            CertificateDirectory = CertificateDirectory, DevelopmentDirectory = DevelopmentCertificates, Insecure = Insecure,
            TrustDomain = TrustDomain ?? TrustSettings.DefaultTrustDomain, SignerDirectory = SignerDirectory,
        };
        return tier;
    }

    /// <summary>The host for these settings (valid ones).</summary>
    public EdgeTierHost CreateHost() => ToTierSettings() switch
    {
        StoreTierSettings store => EdgeTierHost.CreateStore(store),
        RegionalTierSettings region => EdgeTierHost.CreateRegion(region),
        var cloud => EdgeTierHost.CreateCloud((CloudTierSettings)cloud),
    };
}
