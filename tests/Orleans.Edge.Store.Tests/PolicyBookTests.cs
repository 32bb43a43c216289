using Orleans.Edge.Domain;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Store.Tests;

public sealed class PolicyBookTests
{
    private static PolicyDocument Doc(PolicyScope scope, long version) =>
        new(scope, version, ReplenishmentPolicy.Default with { LowStockThresholdUnits = (int)version, LowStockThresholdFraction = null }, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Resolve_PicksTheMostSpecificScope()
    {
        var book = new PolicyBook();
        book.Apply(Doc(PolicyScope.Global, 1));
        book.Apply(Doc(PolicyScope.ForRegion("eu"), 2));
        book.Apply(Doc(PolicyScope.ForStore("eu", "s1"), 3));
        book.Apply(Doc(PolicyScope.ForShelf("eu", "s1", "a"), 4));

        Assert.Equal(4, book.Resolve("eu", "s1", "a").Version);
        Assert.Equal(3, book.Resolve("eu", "s1", "b").Version);
        Assert.Equal(2, book.Resolve("eu", "s2", "a").Version);
        Assert.Equal(1, book.Resolve("us", "s9", "a").Version);
        Assert.Equal(0, new PolicyBook().Resolve("eu", "s1", "a").Version);
    }

    [Fact]
    public void NewerFor_ReturnsOnlyTheLatestPerScope_ThatReachesTheChild()
    {
        var book = new PolicyBook();
        for (var v = 1; v <= 5; v++) book.Apply(Doc(PolicyScope.Global, v));   // five intermediate versions
        book.Apply(Doc(PolicyScope.ForStore("eu", "s1"), 6));
        book.Apply(Doc(PolicyScope.ForStore("us", "s7"), 7));

        var forS1 = book.NewerFor(0, "eu", "s1");
        Assert.Equal([5, 6], forS1.Select(d => d.Version));
        Assert.Equal([5, 6], book.NewerFor(0, "eu", null).Select(d => d.Version));
        Assert.Equal([6], book.NewerFor(5, "eu", "s1").Select(d => d.Version));
        Assert.Empty(book.NewerFor(7, "eu", "s1"));
    }

    [Fact]
    public void Apply_IgnoresSameOrOlderVersionOfAScope()
    {
        var book = new PolicyBook();
        Assert.True(book.Apply(Doc(PolicyScope.Global, 3)));
        Assert.False(book.Apply(Doc(PolicyScope.Global, 3)));
        Assert.False(book.Apply(Doc(PolicyScope.Global, 2)));
        Assert.Equal(3, book.MaxVersion);
    }

    [Theory]
    [InlineData(null, null, "exactly one")]
    [InlineData(2, 0.2, "exactly one")]
    [InlineData(-1, null, "0 or more")]
    [InlineData(null, 1.5, "within 0..1")]
    public void InvalidPolicy_ListsItsProblem(int? units, double? fraction, string phrase)
    {
        var policy = ReplenishmentPolicy.Default with { LowStockThresholdUnits = units, LowStockThresholdFraction = fraction };
        Assert.Contains(policy.Problems(), p => p.Contains(phrase, StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidScope_ListsItsProblem()
    {
        Assert.NotEmpty(new PolicyScope(ScopeLevel.Store, "eu").Problems());
        Assert.NotEmpty(new PolicyScope(ScopeLevel.Global, "eu").Problems());
        Assert.Empty(PolicyScope.ForShelf("eu", "s1", "a").Problems());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Upper", "contains 'U'")]
    [InlineData("a b", "contains ' '")]
    public void BadIds_AreExplained(string id, string phrase) =>
        Assert.Contains(phrase, EdgeId.Problem(id, "store id"), StringComparison.Ordinal);
}
