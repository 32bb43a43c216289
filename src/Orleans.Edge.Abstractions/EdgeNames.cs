namespace Orleans.Edge;

/// <summary>
/// The one place for provider names and stream namespaces, so that producers and
/// subscribers in every tier agree without magic strings.
/// </summary>
public static class EdgeNames
{
    /// <summary>Orleans service id shared by every Orleans.Edge cluster.</summary>
    public const string ServiceId = "orleans-edge";

    /// <summary>Name of the stream provider every tier registers.</summary>
    public const string StreamProvider = "edge";

    /// <summary>
    /// Name of the stream provider of the <see cref="EdgeStreams.Uplink"/> stream. In a tier with a
    /// parent its queue is the tier link's durable outbox: publishing returns once the event is committed.
    /// </summary>
    public const string UplinkProvider = "edge-uplink";

    /// <summary>Grain storage used by the stream pub-sub system.</summary>
    public const string PubSubStore = "PubSubStore";

    /// <summary>Grain storage for the tier's own grain state.</summary>
    public const string StateStore = "edge-state";

    /// <summary>
    /// Service key of the <see cref="System.TimeProvider"/> the edge grains read. Kept apart from
    /// Orleans' own clock so tests can move the domain's time without freezing the runtime.
    /// </summary>
    public const string Clock = "edge-clock";

    /// <summary>Key of the singleton grains of the cloud tier.</summary>
    public const string CloudKey = "cloud";
}

/// <summary>Stream namespaces. Each names one direction of flow inside one tier.</summary>
public static class EdgeStreams
{
    /// <summary>Events a tier sends to its parent; keyed by the origin (store or region id).</summary>
    public const string Uplink = "edge.uplink";

    /// <summary>Events a region received from its stores; keyed by the region id.</summary>
    public const string RegionInbound = "edge.region.inbound";

    /// <summary>Events the cloud received from its regions; keyed by <see cref="EdgeNames.CloudKey"/>.</summary>
    public const string CloudInbound = "edge.cloud.inbound";

    /// <summary>Policy documents arriving at a store from its downlink; keyed by the store id.</summary>
    public const string StoreConfig = "edge.store.config";
}
