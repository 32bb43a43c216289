using System.ComponentModel.DataAnnotations;

namespace Orleans.Edge.Regional;

/// <summary>Settings of a regional cluster's grains.</summary>
public sealed class RegionOptions
{
    /// <summary>This region's id.</summary>
    [Required] public string RegionId { get; set; } = "";

    /// <summary>Length of the regional summary window sent to the cloud.</summary>
    public TimeSpan SummaryWindow { get; set; } = TimeSpan.FromSeconds(30);
}
