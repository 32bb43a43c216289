using Orleans.Edge.Domain;

namespace Orleans.Edge.Regional;

/// <summary>What the region aggregator checkpoints: its view of each store and how far it applied each origin's events.</summary>
[GenerateSerializer]
public sealed class RegionAggregatorData
{
    /// <summary>Per-store state by store id.</summary>
    [Id(0)] public Dictionary<string, RegionStoreEntry> Stores { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Highest inbound sequence applied, by origin.</summary>
    [Id(1)] public Dictionary<string, Events.AppliedMark> Applied { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Events dropped because they had been applied already (replays after a restart).</summary>
    [Id(2)] public long DuplicatesSkipped { get; set; }

    /// <summary>Events dropped for now because an earlier one of their origin failed to apply; the inbound log sends them again.</summary>
    [Id(3)] public long Deferred { get; set; }
}

/// <summary>The region's view of one store.</summary>
[GenerateSerializer]
public sealed class RegionStoreEntry
{
    [Id(0)] public DateTimeOffset? LastSeen { get; set; }
    [Id(1)] public Dictionary<string, Alert> OpenAlerts { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, double> ShelfAvailability { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public long AppliedPolicyVersion { get; set; }
    [Id(4)] public long Events { get; set; }

    /// <summary>Mean availability of the store's shelves in their last windows.</summary>
    public double? Availability => ShelfAvailability.Count == 0 ? null : Math.Round(ShelfAvailability.Values.Average(), 4);
}
