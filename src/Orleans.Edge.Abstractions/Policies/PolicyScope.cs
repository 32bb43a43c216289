using Orleans.Edge.Domain;

namespace Orleans.Edge.Policies;

/// <summary>How widely a policy applies; a more specific level wins.</summary>
public enum ScopeLevel
{
    /// <summary>Every store.</summary>
    Global = 0,
    /// <summary>Every store of one region.</summary>
    Region = 1,
    /// <summary>One store.</summary>
    Store = 2,
    /// <summary>One shelf of one store.</summary>
    Shelf = 3,
}

/// <summary>Where a policy applies. Narrower scopes name their region so that routing needs no lookup.</summary>
[GenerateSerializer, Immutable]
public sealed record PolicyScope(
    [property: Id(0)] ScopeLevel Level,
    [property: Id(1)] string? RegionId = null,
    [property: Id(2)] string? StoreId = null,
    [property: Id(3)] string? ShelfId = null)
{
    /// <summary>The scope of every store.</summary>
    public static PolicyScope Global { get; } = new(ScopeLevel.Global);

    /// <summary>One region.</summary>
    public static PolicyScope ForRegion(string region) => new(ScopeLevel.Region, region);

    /// <summary>One store of a region.</summary>
    public static PolicyScope ForStore(string region, string store) => new(ScopeLevel.Store, region, store);

    /// <summary>One shelf of a store.</summary>
    public static PolicyScope ForShelf(string region, string store, string shelf) => new(ScopeLevel.Shelf, region, store, shelf);

    /// <summary>A stable text key, e.g. <c>store:eu/s1</c>.</summary>
    public string Key => Level switch
    {
        ScopeLevel.Global => "global",
        ScopeLevel.Region => $"region:{RegionId}",
        ScopeLevel.Store => $"store:{RegionId}/{StoreId}",
        _ => $"shelf:{RegionId}/{StoreId}/{ShelfId}",
    };

    /// <summary>True when the scope reaches stores of <paramref name="region"/>.</summary>
    public bool Reaches(string region) => Level == ScopeLevel.Global || RegionId == region;

    /// <summary>True when the scope reaches <paramref name="store"/> of <paramref name="region"/>.</summary>
    public bool Reaches(string region, string store) =>
        Reaches(region) && (Level <= ScopeLevel.Region || StoreId == store);

    /// <summary>True when the scope applies to <paramref name="shelf"/> of that store.</summary>
    public bool AppliesTo(string region, string store, string shelf) =>
        Reaches(region, store) && (Level != ScopeLevel.Shelf || ShelfId == shelf);

    /// <summary>Every problem with this scope; empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Need(string? id, string what, bool needed)
        {
            if (needed) { if (EdgeId.Problem(id, what) is { } p) problems.Add(p); }
            else if (id is not null) problems.Add($"a {Level} scope takes no {what}");
        }
        Need(RegionId, "region id", Level >= ScopeLevel.Region);
        Need(StoreId, "store id", Level >= ScopeLevel.Store);
        Need(ShelfId, "shelf id", Level >= ScopeLevel.Shelf);
        return problems;
    }

    /// <inheritdoc />
    public override string ToString() => Key;
}

/// <summary>A policy as published by the cloud: one scope, one version (cloud-wide, increasing).</summary>
/// <param name="Scope">Where it applies.</param>
/// <param name="Version">Cloud-wide, increasing.</param>
/// <param name="Policy">The policy.</param>
/// <param name="ChangedAt">Cloud clock when it was set.</param>
/// <param name="Signature">The cloud's signature over <see cref="Signing.SignedContent.Of(PolicyDocument)"/>; relayed untouched.</param>
[GenerateSerializer, Immutable]
public sealed record PolicyDocument(
    [property: Id(0)] PolicyScope Scope,
    [property: Id(1)] long Version,
    [property: Id(2)] ReplenishmentPolicy Policy,
    [property: Id(3)] DateTimeOffset ChangedAt,
    [property: Id(4)] Signing.DocumentSignature? Signature = null) : IScopedDocument;

/// <summary>The policy that applies to a shelf and the document version it came from (0 = built-in default).</summary>
[GenerateSerializer, Immutable]
public sealed record EffectivePolicy(
    [property: Id(0)] ReplenishmentPolicy Policy,
    [property: Id(1)] long Version,
    [property: Id(2)] string ScopeKey);
