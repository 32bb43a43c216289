using Orleans.Edge.Hosting;

namespace Orleans.Edge.Silo;

/// <summary>
/// The block a silo prints once started: what runs, where it listens, where it keeps its data
/// and how its link stands. Its first line carries " ready: ", which scripts and tests wait for.
/// </summary>
public static class StartupSummary
{
    public static IEnumerable<string> Lines(SiloSettings settings, EdgeTierHost host)
    {
        var tier = host.Settings;
        yield return $"orleans-edge {settings.Tier} {host.Id} ready: cluster {host.ClusterId}, silo {tier.SiloPort}, gateway {tier.GatewayPort}" +
            (host.LinkAddress is { } link ? $", tier link {link}" : "") + (host.OpsAddress is { } ops ? $", ops {ops}" : "");
        yield return $"  profile   {(tier.IsProduction ? "production (Redis)" : "embedded (one silo, localhost clustering)")}";
        yield return $"  data      {(tier.IsProduction ? $"Redis {tier.RedisConfiguration}" : tier.DataDirectory is { } dir ? $"SQLite under {Path.GetFullPath(dir)}" : "in memory (lost on restart; set --data-dir to keep it)")}";
        yield return $"  listen    {tier.ListenAddress}" + (tier.AdvertisedAddress is { } advertised ? $", advertised {advertised}" : "");
        var parent = tier switch { StoreTierSettings s => s.ParentAddress, RegionalTierSettings r => r.ParentAddress, _ => null };
        if (parent is not null)
            yield return $"  parent    {parent} " + (host.Uplink?.Status is { Connected: true } ? "(link up)" : $"(link connecting{(host.Uplink?.Status.LastError is { } error ? $": {error.ReplaceLineEndings(" ")}" : "")})");
        if (host.LinkAddress is { } serves) yield return $"  children  dial in at {serves}";
        if (host.OpsCredentials is { } login)
            yield return login.File is { } file
                ? $"  ops       /metrics and /dashboard ask for user {login.User}, password in {file}; /healthz and /readyz are open"
                : $"  ops       /metrics and /dashboard ask for user {login.User} (Edge:DashboardUser/DashboardPassword); /healthz and /readyz are open";
        yield return tier.Trust.Insecure
            ? "  trust     INSECURE: tier links are plaintext and accept any caller as whoever it claims to be (--insecure)"
            : $"  trust     mutual TLS 1.3 as {host.LinkTrust?.Self}, credentials {host.CredentialsDirectory}{(tier.Trust.CertificateDirectory is null ? " (development certificates)" : "")}";
    }
}
