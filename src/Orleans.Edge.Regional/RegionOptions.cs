namespace Orleans.Edge.Regional;

/// <summary>Settings of a regional cluster's grains.</summary>
public sealed class RegionOptions : IValidatedOptions
{
    /// <summary>Length of the regional summary window sent to the cloud.</summary>
    public TimeSpan SummaryWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(OptionRules.Positive(SummaryWindow, nameof(SummaryWindow)));
}
