using System.ComponentModel.DataAnnotations;

namespace Orleans.Edge.Cloud;

/// <summary>Settings of the cloud's fleet view.</summary>
public sealed class FleetOptions
{
    /// <summary>
    /// Resolved alerts the fleet keeps to recognise a repeated revision; beyond this the ones
    /// resolved longest ago are forgotten, so the state stays bounded.
    /// </summary>
    [Range(1, int.MaxValue)] public int ResolvedAlertsKept { get; set; } = 10_000;
}
