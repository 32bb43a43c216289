using Orleans.Edge.Domain;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Store.Shelves;

/// <summary>What a shelf grain persists: setup, recalibrated tare, policy and alerts.</summary>
[GenerateSerializer]
public sealed class ShelfData
{
    /// <summary>Setup; null until provisioned.</summary>
    [Id(0)] public ShelfSetup? Setup { get; set; }

    /// <summary>Tare after manual counts (starts as the planogram's).</summary>
    [Id(1)] public double TareGrams { get; set; }

    /// <summary>Policy in force.</summary>
    [Id(2)] public EffectivePolicy? Policy { get; set; }

    /// <summary>Alerts.</summary>
    [Id(3)] public AlertBook Alerts { get; set; } = new();

    /// <summary>
    /// Alert changes saved but not yet handed to the uplink and the store's index. Saved with the
    /// change itself, so a crash in between publishes them again on the next activation instead
    /// of losing them (receivers drop what they already have by alert revision).
    /// </summary>
    [Id(4)] public List<Alert> Unpublished { get; set; } = [];
}
