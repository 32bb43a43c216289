using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests;

/// <summary>
/// Every number and text an upward event carries has a range; out of it, the event is refused where
/// it enters with a message naming the field, and a valid event around it still maps.
/// </summary>
public sealed class WireRangeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static P.UpEvent AlertWire() => LinkMapping.ToWire(5, new AlertEvent(new Alert(Alert.IdOf(new ShelfId("s1"), AlertType.LowStock, 3),
        new StoreId("r1-s1"), new ShelfId("s1"), null, AlertType.LowStock, AlertState.Raised, 1, "sku-1", 2, 4, null, T0, T0, T0, "system", 3)), "r1-s1");

    private static P.UpEvent StateWire() => LinkMapping.ToWire(6, new StoreStateEvent(new StoreId("r1-s1"), new RegionId("r1"), 4, 10, T0), "r1-s1");

    private static P.UpEvent SummaryWire() => LinkMapping.ToWire(7, new ShelfSummaryEvent(
        new ShelfSummary(new StoreId("r1-s1"), new ShelfId("s1"), "sku-1", T0, T0.AddSeconds(10), 1, 2, 2, 10, 0, 0, 0.5)), "r1-s1");

    private static P.UpEvent RegionWire() => LinkMapping.ToWire(8, new RegionSummaryEvent(new RegionId("r1"), T0, T0.AddSeconds(10),
        [new StoreHealth(new StoreId("r1-s1"), T0, 1, 0.5, 2)]), "r1");

    public static TheoryData<string, string> Hostile() => new()
    {
        { "alert number", "alert.number=uint.max" },
        { "alert revision", "alert.revision=uint.max" },
        { "alert units", "alert.units=nan" },
        { "alert units", "alert.units=inf" },
        { "alert units", "alert.units=1e30" },
        { "alert threshold", "alert.threshold=-inf" },
        { "alert trigger time", "alert.triggered=long.max" },
        { "alert trigger time", "alert.triggered=long.min" },
        { "raise delay", "alert.raise_delay=ulong.max" },
        { "change delay", "alert.change_delay=ulong.max" },
        { "sku", "alert.sku=long" },
        { "alert detail", "alert.detail=long" },
        { "'by'", "alert.changed_by=long" },
        { "policy version", "alert.policy_version=-1" },
        { "source sequence", "alert.source_sequence=ulong.max" },
        { "store state time", "state.at=long.max" },
        { "applied policy version", "state.applied=-1" },
        { "shelf count", "state.shelves=-1" },
        { "policy rejection", "state.rejection=long" },
        { "applied model version", "state.model=bad id" },
        { "window end", "summary.end=0" },
        { "summary window", "summary.length=uint.max" },
        { "availability", "summary.availability=10001" },
        { "readings", "summary.readings=uint.max" },
        { "availability", "region.availability=nan" },
        { "open alerts", "region.open=-1" },
        { "window start", "region.start=long.min" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void OutOfRangeField_IsRefused_WithAMessageNamingIt(string named, string mutation)
    {
        var (wire, origin) = Mutate(mutation);
        var ex = Assert.Throws<FormatException>(() => LinkMapping.FromWire(wire, origin));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUnmutatedEvents_Map()
    {
        Assert.IsType<AlertEvent>(LinkMapping.FromWire(AlertWire(), "r1-s1"));
        Assert.IsType<StoreStateEvent>(LinkMapping.FromWire(StateWire(), "r1-s1"));
        Assert.IsType<ShelfSummaryEvent>(LinkMapping.FromWire(SummaryWire(), "r1-s1"));
        Assert.IsType<RegionSummaryEvent>(LinkMapping.FromWire(RegionWire(), "r1"));
    }

    private static (P.UpEvent Wire, string Origin) Mutate(string mutation)
    {
        var longText = new string('x', 5000);
        switch (mutation)
        {
            case var m when m.StartsWith("alert.", StringComparison.Ordinal):
                var e = AlertWire();
                var a = e.Alert;
                switch (m)
                {
                    case "alert.number=uint.max": a.Number = uint.MaxValue; break;
                    case "alert.revision=uint.max": a.Revision = uint.MaxValue; break;
                    case "alert.units=nan": a.Units = float.NaN; break;
                    case "alert.units=inf": a.Units = float.PositiveInfinity; break;
                    case "alert.units=1e30": a.Units = 1e30f; break;
                    case "alert.threshold=-inf": a.Threshold = float.NegativeInfinity; break;
                    case "alert.triggered=long.max": a.TriggeredAtUs = long.MaxValue; break;
                    case "alert.triggered=long.min": a.TriggeredAtUs = long.MinValue; break;
                    case "alert.raise_delay=ulong.max": a.RaiseDelayUs = ulong.MaxValue; break;
                    case "alert.change_delay=ulong.max": a.ChangeDelayUs = ulong.MaxValue; break;
                    case "alert.sku=long": a.Sku = longText; break;
                    case "alert.detail=long": a.Detail = longText; break;
                    case "alert.changed_by=long": a.ChangedBy = longText; break;
                    case "alert.policy_version=-1": a.PolicyVersion = -1; break;
                    case "alert.source_sequence=ulong.max": (e.SourceEpoch, e.SourceSequence) = (1, ulong.MaxValue); break;
                    default: throw new ArgumentException(m);
                }
                return (e, "r1-s1");
            case var m when m.StartsWith("state.", StringComparison.Ordinal):
                var s = StateWire();
                switch (m)
                {
                    case "state.at=long.max": s.StoreState.AtUs = long.MaxValue; break;
                    case "state.applied=-1": s.StoreState.AppliedPolicyVersion = -1; break;
                    case "state.shelves=-1": s.StoreState.Shelves = -1; break;
                    case "state.rejection=long": s.StoreState.PolicyRejection = longText; break;
                    case "state.model=bad id": s.StoreState.AppliedModelVersion = "bad id/.."; break;
                    default: throw new ArgumentException(m);
                }
                return (s, "r1-s1");
            case var m when m.StartsWith("summary.", StringComparison.Ordinal):
                var u = SummaryWire();
                switch (m)
                {
                    case "summary.end=0": u.ShelfSummary.WindowEndUs = 0; break;
                    case "summary.length=uint.max": u.ShelfSummary.WindowLengthMs = uint.MaxValue; break;
                    case "summary.availability=10001": u.ShelfSummary.AvailabilityBp = 10_001; break;
                    case "summary.readings=uint.max": u.ShelfSummary.Readings = uint.MaxValue; break;
                    default: throw new ArgumentException(m);
                }
                return (u, "r1-s1");
            default:
                var r = RegionWire();
                var h = r.RegionSummary.Stores[0];
                switch (mutation)
                {
                    case "region.availability=nan": h.Availability = float.NaN; break;
                    case "region.open=-1": h.OpenAlerts = -1; break;
                    case "region.start=long.min": r.RegionSummary.WindowStartUs = long.MinValue; break;
                    default: throw new ArgumentException(mutation);
                }
                return (r, "r1");
        }
    }
}
