namespace Orleans.Edge.Policies;

/// <summary>The latest policy document per scope (see <see cref="ScopedBook{T}"/>).</summary>
public sealed class PolicyBook : ScopedBook<PolicyDocument>
{
    /// <summary>All documents held.</summary>
    public IReadOnlyCollection<PolicyDocument> Documents => Held;

    /// <summary>The most specific document that applies to the shelf, else the built-in default.</summary>
    public EffectivePolicy Resolve(string region, string store, string shelf) =>
        MostSpecific(scope => scope.AppliesTo(region, store, shelf)) is { } best
            ? new EffectivePolicy(best.Policy, best.Version, best.Scope.Key)
            : new EffectivePolicy(ReplenishmentPolicy.Default, 0, "default");
}
