namespace Orleans.Edge.Cloud;

/// <summary>Settings of the cloud's fleet view.</summary>
public sealed class FleetOptions : IValidatedOptions
{
    /// <summary>
    /// Resolved alerts the fleet keeps to recognise a repeated revision; beyond this the ones
    /// resolved longest ago are forgotten, so the state stays bounded.
    /// </summary>
    public int ResolvedAlertsKept { get; set; } = 10_000;

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(OptionRules.Between(ResolvedAlertsKept, 1, int.MaxValue, nameof(ResolvedAlertsKept)));
}
