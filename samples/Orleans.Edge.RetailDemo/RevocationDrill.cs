using System.Diagnostics;
using System.Text.Json.Serialization;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Trust;

namespace Orleans.Edge.RetailDemo;

/// <summary>The mid-run revocation of one store's identity, and how fast the fleet applied and then lifted it.</summary>
public sealed record RevocationEntry(
    [property: JsonPropertyName("identity")] string Identity,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("clusters")] int Clusters,
    [property: JsonPropertyName("clusters_applied")] int ClustersApplied,
    [property: JsonPropertyName("seconds_to_apply_fleet_wide")] double? SecondsToApplyFleetWide,
    [property: JsonPropertyName("seconds_until_its_link_was_refused")] double? SecondsUntilRefused,
    [property: JsonPropertyName("refusal")] string? Refusal,
    [property: JsonPropertyName("seconds_until_its_link_was_back_after_lift")] double? SecondsBackAfterLift);

/// <summary>
/// At 65 % of the run an operator at the cloud revokes the last store's SPIFFE ID, as for a stolen
/// device. We time how long until every other cluster holds the new deny-list (the revoked store
/// itself is cut off and need not), and until its region refuses the store's real uplink. Then the
/// entry is lifted, and we time the store's link coming back: its events waited in its outbox, so
/// the final drain still finds nothing lost.
/// </summary>
internal sealed class RevocationDrill(LocalFleet fleet)
{
    private static readonly TimeSpan ApplyWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RefusedWithin = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(30);

    public RevocationEntry? Result { get; private set; }

    public async Task RunAsync(TimeSpan after, CancellationToken ct)
    {
        try
        {
            await Task.Delay(after, ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var store = fleet.Stores[^1];
        var region = fleet.ParentOf(store);
        var identity = NodeIdentity.From(TrustSettings.DefaultTrustDomain, EdgeIdentity.Store(region.Id, store.Id)).ToString();
        var others = fleet.All.Where(h => h.Id != store.Id).ToList();
        var list = fleet.Cloud.Grains.GetGrain<IRevocationListGrain>(EdgeNames.CloudKey);

        var clock = Stopwatch.StartNew();
        var version = (await list.Revoke(identity, "retail demo: the store's device was reported stolen")).Version;
        Result = new RevocationEntry(identity, version, others.Count, 0, null, null, null, null);
        try
        {
            while (clock.Elapsed < ApplyWithin)
            {
                var applied = (await Task.WhenAll(others.Select(h => ListOf(h).Get()))).Count(l => l.Version >= version);
                Result = Result with { ClustersApplied = applied };
                if (applied == others.Count)
                {
                    Result = Result with { SecondsToApplyFleetWide = Seconds(clock) };
                    break;
                }
                await Task.Delay(20, CancellationToken.None);
            }
            // The store keeps serving its shelves; its next push is refused by the region.
            while (clock.Elapsed < RefusedWithin)
            {
                if (store.Uplink!.Status.LastError is { } error && error.StartsWith("PermissionDenied", StringComparison.Ordinal))
                {
                    Result = Result with { SecondsUntilRefused = Seconds(clock), Refusal = error };
                    break;
                }
                await Task.Delay(20, CancellationToken.None);
            }
        }
        finally
        {
            // Lifted whatever happened, so the run ends with every store delivering.
            await list.Lift(identity);
            clock.Restart();
            while (clock.Elapsed < BackWithin)
            {
                if (store.Uplink!.Status is { Connected: true, LastError: null })
                {
                    Result = Result with { SecondsBackAfterLift = Seconds(clock) };
                    break;
                }
                await Task.Delay(20, CancellationToken.None);
            }
        }

        IRevocationListGrain ListOf(EdgeTierHost host) =>
            host.Grains.GetGrain<IRevocationListGrain>(host.Tier == EdgeTier.Cloud ? EdgeNames.CloudKey : host.Id);
    }

    private static double Seconds(Stopwatch clock) => Math.Round(clock.Elapsed.TotalSeconds, 3);
}
