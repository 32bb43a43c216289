using Orleans.Edge.Cloud;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Policies;
using Orleans.Edge.Regional;
using Orleans.Edge.Store;
using Orleans.Edge.Store.Config;
using Orleans.Edge.Store.Sensors;
using Orleans.Edge.Store.Shelves;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;

namespace Orleans.Edge.Hosting.Tests;

/// <summary>One persisted type, filled as a running tier would fill it.</summary>
public abstract class PersistedSample(string name, Type stateType)
{
    public string Name { get; } = name;
    public Type StateType { get; } = stateType;

    /// <summary>A fresh instance of the state.</summary>
    public abstract object Create();

    public override string ToString() => Name;
}

public sealed class PersistedSample<T>(string name, Func<T> create) : PersistedSample(name, typeof(T)) where T : class
{
    public override object Create() => create();

    public T CreateState() => create();
}

/// <summary>
/// Every type a tier persists, with realistic values. Lists are built the way the code builds them:
/// collection expressions (single element, fixed length, spread of a query), so the compiler's
/// synthesized read-only list types are what the storage has to write and read back.
/// Add a type here when a grain gets a new <c>[PersistentState]</c>; <see cref="PersistedStateRoundTripTests"/>
/// fails until it is.
/// </summary>
public static class PersistedSamples
{
    // Store clocks are not UTC everywhere: keep an offset, which the storage must preserve.
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 9, 26, 53, 589, TimeSpan.FromHours(1));
    private static readonly DateTimeOffset T1 = new(2026, 3, 14, 3, 27, 10, 125, TimeSpan.FromHours(-5));

    private static readonly StoreId Store = new("s-0042");
    private static readonly RegionId Region = new("eu-west");
    private static readonly ShelfId Shelf = new("aisle-3-shelf-2");
    private static readonly SensorId Cell = new("aisle-3-shelf-2-lc");
    private static readonly SensorId Camera = new("aisle-3-shelf-2-cam");

    public static IReadOnlyList<PersistedSample> All { get; } =
    [
        new PersistedSample<StoreData>("store", () => new StoreData
        {
            Shelves = { [Shelf.Value] = Setup(), ["aisle-4-shelf-1"] = SetupWithSpread() },
            OpenAlerts = { [LowStock().AlertId] = LowStock(), [Fault().AlertId] = Fault() },
            AlertsRaised = 17,
        }),
        new PersistedSample<StoreLayout>("store-layout", () => new StoreLayout
        {
            Shelves = { [Shelf.Value] = Setup(), ["aisle-4-shelf-1"] = SetupWithSpread() },
        }),
        new PersistedSample<ShelfData>("shelf", () => new ShelfData
        {
            Setup = new ShelfSetup(Shelf, Planogram(), [new SensorSpec(Cell, Shelf, SensorKind.LoadCell, 20_000)]),
            TareGrams = 2291.5,
            Policy = new EffectivePolicy(new ReplenishmentPolicy(4, null, 1.5, TimeSpan.FromSeconds(45), 0.25), 12, "store:eu-west/s-0042"),
            Alerts = new AlertBook
            {
                Open = { ["LowStock"] = LowStock(), [AlertBook.KeyOf(AlertType.SensorFault, Camera)] = Fault() },
                Recent = [LowStock() with { State = AlertState.Resolved, Revision = 3, ChangedBy = "maria.k", ChangedAt = T1 }],
                Raised = 5,
                Latched = { "Mismatch" },
            },
            Unpublished = [LowStock() with { State = AlertState.Acknowledged, Revision = 2, ChangedBy = "maria.k" }],
        }),
        new PersistedSample<SensorData>("sensor", () => new SensorData { Spec = new SensorSpec(Camera, Shelf, SensorKind.Camera, 1), ProvisionedAt = T0 }),
        new PersistedSample<StoreConfigData>("store-config", () => new StoreConfigData
        {
            Documents = [.. Documents()],
            Shelves = { Shelf.Value, "aisle-4-shelf-1" },
            DenyListRefused = new PolicyRejection(4, "the fleet", "tampered: the signature does not match", T1, Unverified: true),
        }),
        new PersistedSample<RegionAggregatorData>("region-aggregator", () => new RegionAggregatorData
        {
            Stores =
            {
                [Store.Value] = new RegionStoreEntry
                {
                    LastSeen = T0,
                    OpenAlerts = { [LowStock().AlertId] = LowStock() },
                    ShelfAvailability = { [Shelf.Value] = 0.9375, ["aisle-4-shelf-1"] = 1 },
                    AppliedPolicyVersion = 12,
                    Events = 4410,
                },
                ["s-0043"] = new RegionStoreEntry(),
            },
            Applied = { [Store.Value] = new AppliedMark(639_077_000_000_000_000, 4410, Lanes.Bulk) },
            DuplicatesSkipped = 3,
        }),
        new PersistedSample<RegionConfigData>("region-config", () => new RegionConfigData { Documents = [.. Documents()] }),
        new PersistedSample<FleetData>("fleet", () => new FleetData
        {
            Stores =
            {
                [Store.Value] = new FleetStoreEntry
                {
                    Region = Region.Value, LastSeen = T1, Availability = 0.9375, AppliedPolicyVersion = 12,
                    LastAlertSource = new AppliedMark(639_077_000_000_000_000, 88), AlertsRaised = 17,
                    AppliedModelVersion = "shelf-v1", RejectedModelVersion = "shelf-v2", ModelRejection = "output shape [1,8] does not match [-1,8,3]",
                    Hardware = Hardware(), AppliedModelVariant = "fp32", ModelVariantFallback = "int8 is not registered for shelf-v1",
                    DenyListRejection = "deny-list v4: tampered: the signature does not match",
                },
                ["s-0043"] = new FleetStoreEntry { Region = Region.Value },
            },
            Alerts = { [$"{Store}/{LowStock().AlertId}"] = LowStock() },
            Applied = { ["region-eu-west"] = new AppliedMark(639_077_100_000_000_000, 912, Lanes.Priority) },
            RegionSummaries = { [Region.Value] = T0, ["us-east"] = null },
            UniqueRaised = 17,
            UniqueRevisions = 40,
            DuplicateRevisions = 2,
            ReplaysSkipped = 5,
            ReplayedForwards = 1,
            EventsApplied = { ["region-eu-west"] = 913 },
            OutOfOrderForwards = 0,
        }),
        new PersistedSample<PolicyData>("policies", () => new PolicyData { Documents = [.. Documents()], LastVersion = 12 }),
        new PersistedSample<LinkInboxData>("link-inbox", () => new LinkInboxData
        {
            Epoch = 639_077_000_000_000_000,
            Watermark = 912,
            BulkWatermark = 4410,
            Delivered = 910,
            BulkDelivered = 4402,
            Duplicates = 3,
            Accepted = 5322,
            Registered = true,
            Pending = [.. UpEvents().Select((e, i) => new InboundEvent("region-eu-west", 900 + i, e, T0.AddMilliseconds(i), 639_077_000_000_000_000))],
            Segments = [new InboxSegmentInfo { Number = 41, Count = 256, Bytes = 18_432, LastPriority = new AppliedMark(639_077_000_000_000_000, 912), LastBulk = new AppliedMark(639_077_000_000_000_000, 4410, Lanes.Bulk) }],
            NextSegment = 42,
            ConfirmedPriority = new AppliedMark(639_077_000_000_000_000, 700),
            ConfirmedBulk = null,
            Refusals = 2,
        }),
        // Written by the inbound log through its storage directly, one record per segment.
        new PersistedSample<InboxSegment>("link-inbox-segment-41", () => new InboxSegment
        {
            Events = [.. UpEvents().Select((e, i) => new InboundEvent("region-eu-west", 900 + i, e, T0.AddMilliseconds(i), 639_077_000_000_000_000))],
            Sizes = [.. UpEvents().Select((_, i) => 60 + i)],
        }),
        new PersistedSample<InboxDirectoryData>("inbox-directory", () => new InboxDirectoryData { Origins = { "region-eu-west", Store.Value } }),
        new PersistedSample<TierLink.Child.RevocationListData>("revocations", () => new TierLink.Child.RevocationListData
        {
            Version = 3, Entries = ["spiffe://edge.local/region/eu-west/store/eu-s1", "4BED08BA4AB25902A1737EB7C47CB7E4"],
            Signature = new Signing.DocumentSignature([.. Enumerable.Range(0, 64).Select(i => (byte)i)], [0x30, 0x82, 0x01, 0x0a]),
        }),
        new PersistedSample<Cloud.Models.ModelRegistryData>("model-registry", () => new Cloud.Models.ModelRegistryData
        {
            Manifests = [Manifest("shelf-v1"), Manifest("shelf-v2")],
            Assignments = [.. Assignments()],
            LastVersion = 7,
        }),
        new PersistedSample<Regional.Models.RegionModelRelayData>("region-models", () => new Regional.Models.RegionModelRelayData { Assignments = [.. Assignments()] }),
        new PersistedSample<Store.Models.StoreModelData>("store-models", () => new Store.Models.StoreModelData
        {
            Assignments = [.. Assignments()],
            AppliedVersion = "shelf-v1",
            RejectedVersion = "shelf-v2",
            Rejection = "artifact failed its SHA-256 check 2 times",
            RejectedSha256 = Manifest("shelf-v2").Sha256,
            AppliedVariant = "fp32",
            VariantFallback = "int8 is not registered for shelf-v1",
        }),
    ];

    private static Vision.ModelManifest Manifest(string version) => new(version, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(version))), 1_048_576, "int8", [-1, 3, 64, 96], [-1, 8, 3], [-1, 8, 4],
        new Dictionary<string, double> { ["lab"] = 0.91, ["store:s-0042"] = 0.74 });

    private static IEnumerable<Orleans.Edge.Models.ModelAssignment> Assignments() =>
    [
        new(PolicyScope.Global, 3, Manifest("shelf-v1"), T1.AddDays(-1)),
        new(PolicyScope.ForStore(Region.Value, Store.Value), 7, Manifest("shelf-v2"), T0,
            [Manifest("shelf-v2") with { Variant = "fp32" }, Manifest("shelf-v2")]),
    ];

    private static Vision.HardwareCapabilities Hardware() => new(2, 3906, ["avx2"], ["CPUExecutionProvider"], "fp32", 1, 5, false);

    /// <summary>One of every upward event, the region summary also as the tier link decodes it (the crash of the review).</summary>
    public static IReadOnlyList<UpEvent> UpEvents()
    {
        var summary = new RegionSummaryEvent(Region, T0.AddSeconds(-30), T0, [.. Health().Where(h => h.OpenAlerts >= 0)]);
        return
        [
            new AlertEvent(Fault()) { Source = new AppliedMark(639_077_000_000_000_000, 87) },
            new AlertEvent(LowStock()),
            new ShelfSummaryEvent(new ShelfSummary(Store, Shelf, "sku-oat-milk-1l", T0.AddSeconds(-30), T0, 3.4, 11, 4.2, 31, 6.8, 0, 0.9375)),
            new StoreStateEvent(Store, Region, 12, 24, T1),
            new StoreStateEvent(Store, Region, 12, 24, T1, 13, "store:eu-west/s-0042: bad", "shelf-v1", "shelf-v2", "hash", Hardware(),
                DenyListRejection: "deny-list v4: tampered: the signature does not match"),
            summary,
            new RegionSummaryEvent(Region, T0, T0.AddSeconds(30), [Health()[0], Health()[1]]),
            LinkMapping.FromWire(LinkMapping.ToWire("region-eu-west", 913, summary), "region-eu-west"),
        ];
    }

    private static StoreHealth[] Health() =>
    [
        new(Store, T0, 2, 0.9375, 12),
        new(new StoreId("s-0043"), null, 0, null, 11),
    ];

    private static PlanogramEntry Planogram() => new("sku-oat-milk-1l", 1040, 2300, 24);

    private static ShelfSetup Setup() => new(Shelf, Planogram(),
    [
        new SensorSpec(Cell, Shelf, SensorKind.LoadCell, 20_000),
        new SensorSpec(Camera, Shelf, SensorKind.Camera, 1),
    ]);

    private static ShelfSetup SetupWithSpread()
    {
        var shelf = new ShelfId("aisle-4-shelf-1");
        var specs = new[] { new SensorSpec(new SensorId("aisle-4-shelf-1-lc"), shelf, SensorKind.LoadCell, 15_000) };
        return new ShelfSetup(shelf, new PlanogramEntry("sku-rye-bread", 500, 1800, 12), [.. specs.Where(s => s.MaxValue > 0)]);
    }

    private static Alert LowStock() => new(Alert.IdOf(Shelf, AlertType.LowStock, 4), Store, Shelf, null, AlertType.LowStock,
        AlertState.Raised, 1, "sku-oat-milk-1l", 3.4, 4, null, T0.AddSeconds(-1), T0, T0, "system", 12);

    private static Alert Fault() => new(Alert.IdOf(Shelf, AlertType.SensorFault, 5), Store, Shelf, Camera, AlertType.SensorFault,
        AlertState.Acknowledged, 2, "sku-oat-milk-1l", 11, 0, "stuck at 0.42 for 600 s", T1.AddMinutes(-10), T1.AddMinutes(-9), T1, "maria.k", 12);

    private static IEnumerable<PolicyDocument> Documents() =>
    [
        new(PolicyScope.Global, 3, ReplenishmentPolicy.Default, T1.AddDays(-2)),
        new(PolicyScope.ForStore(Region.Value, Store.Value), 12, new ReplenishmentPolicy(4, null, 1.5, TimeSpan.FromSeconds(45), 0.25), T0),
        new(PolicyScope.ForShelf(Region.Value, Store.Value, Shelf.Value), 11, new ReplenishmentPolicy(null, 0.3, 2, TimeSpan.FromMinutes(5), 0.2), T1),
    ];
}
