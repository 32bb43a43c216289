using Orleans.Edge.Domain;

namespace Orleans.Edge.Cloud;

/// <summary>What the fleet grain checkpoints.</summary>
[GenerateSerializer]
public sealed class FleetData
{
    [Id(0)] public Dictionary<string, FleetStoreEntry> Stores { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Latest revision of every open alert and of recently resolved ones, by "store/alert".</summary>
    [Id(1)] public Dictionary<string, Alert> Alerts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Highest inbound sequence applied, by origin (region).</summary>
    [Id(2)] public Dictionary<string, Events.AppliedMark> Applied { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public Dictionary<string, DateTimeOffset?> RegionSummaries { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public long UniqueRaised { get; set; }
    [Id(5)] public long UniqueRevisions { get; set; }
    [Id(6)] public long DuplicateRevisions { get; set; }
    [Id(7)] public long ReplaysSkipped { get; set; }
    [Id(8)] public long ReplayedForwards { get; set; }

    /// <summary>Inbound events applied, by origin.</summary>
    [Id(9)] public Dictionary<string, long> EventsApplied { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Forwarded alerts that came behind a later one of their store: must stay 0.</summary>
    [Id(10)] public long OutOfOrderForwards { get; set; }

    /// <summary>
    /// Events in which a region spoke for a store the fleet knows in another region: ignored. A store's
    /// certificate names its region, so a store moves only with a new certificate and an operator's move.
    /// </summary>
    [Id(11)] public long ForeignStoreClaims { get; set; }
}

/// <summary>The cloud's view of one store.</summary>
[GenerateSerializer]
public sealed class FleetStoreEntry
{
    [Id(0)] public string Region { get; set; } = "";
    [Id(1)] public DateTimeOffset? LastSeen { get; set; }
    // Id 2 was OpenAlerts, copied from region summaries and never read: the view counts open
    // alerts from the fleet's own Alerts. Old checkpoints still carry it (skipped); do not reuse 2.
    [Id(3)] public double? Availability { get; set; }
    [Id(4)] public long AppliedPolicyVersion { get; set; }

    /// <summary>The store-link (epoch, sequence) of the last alert applied: the store's order, and the dedupe of repeated forwards.</summary>
    [Id(5)] public Events.AppliedMark? LastAlertSource { get; set; }

    /// <summary>Distinct alerts of the store the cloud has received.</summary>
    [Id(6)] public long AlertsRaised { get; set; }

    /// <summary>Newest policy version the store reported as rejected (0: none).</summary>
    [Id(7)] public long RejectedPolicyVersion { get; set; }

    /// <summary>Why the store rejected it.</summary>
    [Id(8)] public string? PolicyRejection { get; set; }

    /// <summary>The model version the store last reported serving.</summary>
    [Id(9)] public string? AppliedModelVersion { get; set; }

    /// <summary>The newest model version the store reported refusing, and why.</summary>
    [Id(10)] public string? RejectedModelVersion { get; set; }

    [Id(11)] public string? ModelRejection { get; set; }

    /// <summary>The store's hardware as last reported.</summary>
    [Id(12)] public Vision.HardwareCapabilities? Hardware { get; set; }

    /// <summary>The variant of the applied model, and why it is not the one the store's hardware names.</summary>
    [Id(13)] public string? AppliedModelVariant { get; set; }

    [Id(14)] public string? ModelVariantFallback { get; set; }

    /// <summary>The latest deny-list the store reported refusing, and why.</summary>
    [Id(15)] public string? DenyListRejection { get; set; }
}
