using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// What a child may say in its events: a store speaks only of itself (its alerts, summaries and state,
/// in this region); a region of its own stores' state and its own summaries. A child that speaks for
/// another is refused (PermissionDenied), whatever it is authenticated as.
/// </summary>
internal static class ChildScope
{
    /// <summary>Why <paramref name="e"/>, sent by <paramref name="child"/> to <paramref name="parent"/>, speaks for someone else; null when it does not.</summary>
    public static string? Problem(EdgeIdentity parent, string child, UpEvent e) => parent.IsCloud()
        ? e switch
        {
            StoreStateEvent s when s.RegionId.Value != child =>
                $"region '{child}' reported store '{s.StoreId}' as a store of region '{s.RegionId}'; a region reports its own stores",
            RegionSummaryEvent r when r.RegionId.Value != child =>
                $"region '{child}' sent the summary of region '{r.RegionId}'",
            RegionSummaryEvent r when r.Stores.Count > 0 && r.Stores.Select(h => h.StoreId).Distinct().Count() != r.Stores.Count =>
                $"region '{child}' sent a summary naming a store twice",
            _ => null,
        }
        : e switch
        {
            AlertEvent a when a.Alert.StoreId.Value != child => $"store '{child}' sent an alert of store '{a.Alert.StoreId}'; a store sends its own",
            ShelfSummaryEvent s when s.Summary.StoreId.Value != child => $"store '{child}' sent a shelf summary of store '{s.Summary.StoreId}'",
            StoreStateEvent s when s.StoreId.Value != child || s.RegionId.Value != parent.RegionId =>
                $"store '{child}' reported the state of store '{s.StoreId}' in region '{s.RegionId}'; this is region '{parent.RegionId}'",
            RegionSummaryEvent => $"store '{child}' sent a region summary; only regions do",
            _ => null,
        };
}
