namespace Orleans.Edge;

/// <summary>
/// Who this cluster is: the one place its ids live. A store has a region and a store id, a region
/// only a region id, the cloud neither. Registered once per tier host; grains, the link and the
/// metrics read it instead of carrying their own copies.
/// </summary>
public sealed record EdgeIdentity
{
    private EdgeIdentity(string? regionId, string? storeId) => (RegionId, StoreId) = (regionId, storeId);

    /// <summary>The cloud cluster.</summary>
    public static EdgeIdentity Cloud { get; } = new(null, null);

    /// <summary>The cluster of region <paramref name="regionId"/>.</summary>
    public static EdgeIdentity Region(string regionId) => new(regionId, null);

    /// <summary>The cluster of store <paramref name="storeId"/> in region <paramref name="regionId"/>.</summary>
    public static EdgeIdentity Store(string regionId, string storeId) => new(regionId, storeId);

    /// <summary>The region this cluster is or belongs to; null for the cloud.</summary>
    public string? RegionId { get; }

    /// <summary>The store this cluster is; null for a region or the cloud.</summary>
    public string? StoreId { get; }

    /// <summary>This cluster's id as its parent knows it, and the origin of its upward events.</summary>
    public string Origin => StoreId ?? RegionId ?? EdgeNames.CloudKey;

    /// <summary>The Orleans cluster id: <c>store-{id}</c>, <c>region-{id}</c> or <c>cloud</c>.</summary>
    public string ClusterId => StoreId is not null ? $"store-{StoreId}" : RegionId is not null ? $"region-{RegionId}" : "cloud";

    /// <summary>The store id; for code that only runs in a store.</summary>
    public string RequireStore() => StoreId ?? throw new InvalidOperationException($"{ClusterId} is not a store");

    /// <summary>The region id; for code that only runs in a store or a region.</summary>
    public string RequireRegion() => RegionId ?? throw new InvalidOperationException($"{ClusterId} has no region");
}
