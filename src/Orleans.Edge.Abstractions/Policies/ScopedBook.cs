namespace Orleans.Edge.Policies;

/// <summary>A versioned document that travels down the tier links to a scope (policies, model assignments).</summary>
public interface IScopedDocument
{
    /// <summary>Where it applies.</summary>
    PolicyScope Scope { get; }

    /// <summary>Its version: one counter per kind of document, increasing with every change.</summary>
    long Version { get; }
}

/// <summary>
/// The latest document per scope, as kept by the cloud, by a region's relay and by a store. Only
/// the newest version of each scope is kept, so a child that was away for hours gets the current
/// document per scope, not every intermediate version.
/// </summary>
public abstract class ScopedBook<T> where T : class, IScopedDocument
{
    private readonly Dictionary<string, T> _byScope = new(StringComparer.Ordinal);
    private readonly VersionSignal _announced = new();

    /// <summary>Highest version held.</summary>
    public long MaxVersion { get; private set; }

    /// <summary>Everything held, one per scope.</summary>
    protected IReadOnlyCollection<T> Held => _byScope.Values;

    /// <summary>Keeps <paramref name="doc"/> unless its scope holds the same or a newer version.</summary>
    /// <returns>True when it changed the book.</returns>
    public bool Apply(T doc)
    {
        if (_byScope.TryGetValue(doc.Scope.Key, out var held) && held.Version >= doc.Version) return false;
        _byScope[doc.Scope.Key] = doc;
        MaxVersion = Math.Max(MaxVersion, doc.Version);
        return true;
    }

    /// <summary>Keeps each of <paramref name="docs"/>, oldest version first (see <see cref="Apply"/>).</summary>
    /// <returns>True when any of them changed the book.</returns>
    public bool ApplyAll(IEnumerable<T> docs)
    {
        var changed = false;
        foreach (var doc in docs.OrderBy(d => d.Version)) changed |= Apply(doc);
        return changed;
    }

    /// <summary>Wakes the callers of <see cref="WaitForChange"/>: call it once what was applied is saved.</summary>
    public void Announce() => _announced.Advance(MaxVersion);

    /// <summary>Returns once an announced version passes <paramref name="knownMaxVersion"/>, or <paramref name="maxWait"/> passes.</summary>
    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _announced.WaitPast(knownMaxVersion, maxWait, cancellationToken);

    /// <summary>Documents newer than <paramref name="afterVersion"/> that reach the given region (and store, if given).</summary>
    public IReadOnlyList<T> NewerFor(long afterVersion, string region, string? store) =>
        [.. _byScope.Values
            .Where(d => d.Version > afterVersion && (store is null ? d.Scope.Reaches(region) : d.Scope.Reaches(region, store)))
            .OrderBy(d => d.Version)];

    /// <summary>The most specific document for which <paramref name="applies"/> holds; null when none does.</summary>
    protected T? MostSpecific(Func<PolicyScope, bool> applies)
    {
        T? best = null;
        foreach (var doc in _byScope.Values)
            if (applies(doc.Scope) && (best is null || doc.Scope.Level > best.Scope.Level)) best = doc;
        return best;
    }
}
