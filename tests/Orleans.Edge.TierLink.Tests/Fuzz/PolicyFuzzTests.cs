using CsCheck;
using Orleans.Edge.Domain;
using Orleans.Edge.Policies;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests.Fuzz;

/// <summary>
/// Hostile policy documents, as records (what the cloud's publish path validates) and as wire messages
/// (what a region or store reads off its downlink): thresholds NaN, negative or huge, windows of any
/// length, unknown scope levels, overlong and unicode ids. Each is valid within range or refused with
/// its problems named; nothing throws anything else.
/// </summary>
public sealed class PolicyFuzzTests
{
    // Mostly well-formed, so that valid documents come up too; then one field from the hostile end now and then.
    private static Gen<T> MostlyValid<T>(Gen<T> valid, Gen<T> hostile) => Gen.Frequency((4, valid), (1, hostile));

    /// <summary>Which of region, store and shelf ids a scope leaves out (a bit each): the right ones for its level, mostly.</summary>
    private static readonly Gen<(int Level, int Missing)> Shape = MostlyValid(
        Gen.Int[0, 3].Select(level => (level, level switch { 0 => 7, 1 => 6, 2 => 4, _ => 0 })),
        Gen.Select(Gen.Int[-1, 5], Gen.Int[0, 7]));

    private static readonly Gen<string> ScopeId = MostlyValid(Gen.String[Gen.Char["abcdefghij0123456789-"], 1, 20], Hostile.Id);

    private static readonly Gen<PolicyScope> Scope =
        from shape in Shape
        from ids in Gen.Select(ScopeId, ScopeId, ScopeId)
        select new PolicyScope((ScopeLevel)shape.Level,
            (shape.Missing & 1) == 0 ? ids.Item1 : null, (shape.Missing & 2) == 0 ? ids.Item2 : null, (shape.Missing & 4) == 0 ? ids.Item3 : null);

    private static readonly Gen<long> WindowMs = MostlyValid(Gen.Long[1000, 86_400_000], Hostile.Long);

    /// <summary>Which thresholds are set (bit 0: units, bit 1: fraction): exactly one, mostly.</summary>
    private static readonly Gen<int> Thresholds = MostlyValid(Gen.Int[1, 2], Gen.Int[0, 3]);

    private static readonly Gen<double> Hysteresis = MostlyValid(Gen.Double[0, 50], Hostile.Number);

    private static readonly Gen<double> Fraction = MostlyValid(Gen.Double[0.001, 1], Hostile.Number);

    private static readonly Gen<int> Units = MostlyValid(Gen.Int[0, 1000], Hostile.Int);

    private static readonly Gen<ReplenishmentPolicy> Policy =
        from which in Thresholds
        from thresholds in Gen.Select(Units, Fraction)
        from numbers in Gen.Select(Hysteresis, Fraction, MostlyValid(Gen.Long[1000, 86_400_000], Gen.Long[-1000, 1_000_000_000_000]))
        select new ReplenishmentPolicy((which & 1) != 0 ? thresholds.Item1 : null, (which & 2) != 0 ? thresholds.Item2 : null,
            numbers.Item1, TimeSpan.FromMilliseconds(numbers.Item3), numbers.Item2);

    [Fact]
    public void HostilePolicyRecords_HaveProblems_OrAreWithinRange()
    {
        var (valid, invalid) = (0, 0);
        Fuzzing.Check(Gen.Select(Scope, Policy), pair =>
        {
            var (scope, policy) = pair;
            var problems = scope.Problems().Concat(policy.Problems()).ToList();
            Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p)));
            if (problems.Count > 0 || !Enum.IsDefined(scope.Level)) { invalid++; return; }
            valid++;
            AssertWithinRange(scope, policy);
        });
        Assert.True(valid > 100 && invalid > 1000, $"{valid} valid, {invalid} invalid");
    }

    private static readonly Gen<P.PolicyDocument> WireDocument =
        from shape in Shape
        from ids in Gen.Select(ScopeId, ScopeId, ScopeId)
        from thresholds in Gen.Select(Thresholds, Units, Fraction)
        from numbers in Gen.Select(Hysteresis, WindowMs, Fraction, MostlyValid(Gen.Long[1, 1000], Hostile.Long), LinkMessages.Instant)
        from hasPolicy in Gen.Frequency((1, Gen.Const(false)), (10, Gen.Const(true)))
        select DocumentOf((shape.Level, ids.Item1, ids.Item2, ids.Item3, shape.Missing), thresholds, numbers, hasPolicy);

    private static P.PolicyDocument DocumentOf((int Level, string Region, string Store, string Shelf, int Missing) scope, (int Which, int Units, double Fraction) thresholds,
        (double Hysteresis, long WindowMs, double Mismatch, long Version, long At) numbers, bool hasPolicy)
    {
        var d = new P.PolicyDocument
        {
            Level = (P.ScopeLevel)scope.Level, Version = numbers.Version, ChangedAtUs = numbers.At,
            RegionId = (scope.Missing & 1) == 0 ? scope.Region : "", StoreId = (scope.Missing & 2) == 0 ? scope.Store : "", ShelfId = (scope.Missing & 4) == 0 ? scope.Shelf : "",
        };
        if (!hasPolicy) return d;
        d.Policy = new P.Policy { HysteresisUnits = numbers.Hysteresis, SummaryWindowMs = numbers.WindowMs, MismatchToleranceFraction = numbers.Mismatch };
        if ((thresholds.Which & 1) != 0) d.Policy.LowStockThresholdUnits = thresholds.Units;
        if ((thresholds.Which & 2) != 0) d.Policy.LowStockThresholdFraction = thresholds.Fraction;
        return d;
    }

    [Fact]
    public void HostileWireDocuments_AreTakenWithinRange_OrRefusedWithAFormatException()
    {
        var (accepted, refused) = (0, 0);
        Fuzzing.Check(WireDocument, wire =>
        {
            if (LinkMessages.TakenOrRefused(() => LinkMapping.FromWire(wire)) is not { } d)
            {
                // A refused document is still reported by its scope, which must not throw either.
                Assert.False(string.IsNullOrWhiteSpace(LinkMapping.ScopeOf(wire)));
                refused++;
                return;
            }
            accepted++;
            Assert.True(d.Version > 0);
            Assert.InRange(d.ChangedAt, WireRanges.Earliest, WireRanges.Latest);
            AssertWithinRange(d.Scope, d.Policy);
            // What the child would forward is what it read.
            Assert.Equal(d, LinkMapping.FromWire(LinkMapping.ToWire(d)));
        });
        Assert.True(accepted > 50 && refused > 1000, $"{accepted} accepted, {refused} refused");
    }

    /// <summary>Found by seed 20261128 (iterations 67 and 135): a window past TimeSpan's range threw ArgumentOutOfRangeException, then OverflowException.</summary>
    [Theory]
    [InlineData(2_603_008_104_615_672_799)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void SummaryWindowBeyondATimeSpan_IsRefusedWithAFormatException(long windowMs)
    {
        var wire = LinkMapping.ToWire(new PolicyDocument(PolicyScope.Global, 3, ReplenishmentPolicy.Default, WireRanges.Earliest));
        wire.Policy.SummaryWindowMs = windowMs;
        var ex = Assert.Throws<FormatException>(() => LinkMapping.FromWire(wire));
        Assert.Contains($"a summary window of {windowMs} ms is outside 1 s–1 day", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertWithinRange(PolicyScope scope, ReplenishmentPolicy p)
    {
        Assert.True(Enum.IsDefined(scope.Level));
        foreach (var id in new[] { scope.RegionId, scope.StoreId, scope.ShelfId })
            if (id is not null) Assert.Null(EdgeId.Problem(id, "id"));
        Assert.True(p.LowStockThresholdUnits is null != p.LowStockThresholdFraction is null);
        if (p.LowStockThresholdUnits is { } units) Assert.True(units >= 0);
        if (p.LowStockThresholdFraction is { } fraction) Assert.InRange(fraction, 0, 1);
        Assert.True(double.IsFinite(p.HysteresisUnits) && p.HysteresisUnits >= 0);
        Assert.InRange(p.SummaryWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Assert.True(p.MismatchToleranceFraction is > 0 and <= 1);
    }
}
