namespace Orleans.Edge.Policies;

/// <summary>
/// The latest document per scope, as kept by the cloud, by a region's relay and by a store.
/// Only the newest version of each scope is kept, so a child that was away for hours gets the
/// current policy per scope, not every intermediate version.
/// </summary>
public sealed class PolicyBook
{
    private readonly Dictionary<string, PolicyDocument> _byScope = new(StringComparer.Ordinal);

    /// <summary>Highest version held.</summary>
    public long MaxVersion { get; private set; }

    /// <summary>All documents held.</summary>
    public IReadOnlyCollection<PolicyDocument> Documents => _byScope.Values;

    /// <summary>Stores <paramref name="doc"/> unless a document of the same scope at the same or a newer version is held.</summary>
    /// <returns>True when it changed the book.</returns>
    public bool Apply(PolicyDocument doc)
    {
        if (_byScope.TryGetValue(doc.Scope.Key, out var held) && held.Version >= doc.Version) return false;
        _byScope[doc.Scope.Key] = doc;
        MaxVersion = Math.Max(MaxVersion, doc.Version);
        return true;
    }

    /// <summary>Documents newer than <paramref name="afterVersion"/> that reach the given region (and store, if given).</summary>
    public IReadOnlyList<PolicyDocument> NewerFor(long afterVersion, string region, string? store) =>
        [.. _byScope.Values
            .Where(d => d.Version > afterVersion && (store is null ? d.Scope.Reaches(region) : d.Scope.Reaches(region, store)))
            .OrderBy(d => d.Version)];

    /// <summary>The most specific document that applies to the shelf, else the built-in default.</summary>
    public EffectivePolicy Resolve(string region, string store, string shelf)
    {
        PolicyDocument? best = null;
        foreach (var doc in _byScope.Values)
        {
            if (doc.Scope.AppliesTo(region, store, shelf) && (best is null || doc.Scope.Level > best.Scope.Level))
                best = doc;
        }
        return best is null
            ? new EffectivePolicy(ReplenishmentPolicy.Default, 0, "default")
            : new EffectivePolicy(best.Policy, best.Version, best.Scope.Key);
    }
}
