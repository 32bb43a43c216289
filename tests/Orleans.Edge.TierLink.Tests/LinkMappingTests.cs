using Google.Protobuf;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Policies;
using Orleans.Edge.TierLink;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests;

public sealed class LinkMappingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static Alert SampleAlert(string store = "r1-s1") => new(Alert.IdOf(new ShelfId("aisle1-shelf2"), AlertType.SensorFault, 7),
        new StoreId(store), new ShelfId("aisle1-shelf2"), new SensorId("aisle1-shelf2-lc"), AlertType.SensorFault, AlertState.Acknowledged, 2,
        "cola-330ml", 3.25, 4, "silent for 61 s", T0, T0.AddTicks(8_120), T0.AddSeconds(3), "ann", 12);

    [Fact]
    public void Alert_SurvivesTheRoundTrip_WithItsOriginElided()
    {
        var alert = SampleAlert();
        var wire = LinkMapping.ToWire(5, new AlertEvent(alert), "r1-s1");
        Assert.Equal("", wire.Origin);
        Assert.Equal("", wire.Alert.StoreId);   // it is the sender's own alert

        var back = Assert.IsType<AlertEvent>(LinkMapping.FromWire(P.UpEvent.Parser.ParseFrom(wire.ToByteArray()), "r1-s1")).Alert;

        Assert.Equal(alert with { Units = 3.25, Threshold = 4 }, back);
        Assert.Equal(alert.Message, back.Message);
    }

    [Fact]
    public void ForwardedAlert_KeepsItsStore()
    {
        var wire = LinkMapping.ToWire(9, new AlertEvent(SampleAlert("r1-s4")), "r1");
        Assert.Equal("r1-s4", wire.Alert.StoreId);
        var back = Assert.IsType<AlertEvent>(LinkMapping.FromWire(wire, "r1")).Alert;
        Assert.Equal("r1-s4", back.StoreId.Value);
    }

    [Fact]
    public void ShelfSummary_SurvivesTheRoundTrip_InFixedPoint()
    {
        var summary = new ShelfSummary(new StoreId("r1-s1"), new ShelfId("a1"), "rice-1kg", T0, T0.AddSeconds(10), 3.5, 12, 7.25, 100, 6, 1, 0.9876);
        var back = Assert.IsType<ShelfSummaryEvent>(LinkMapping.FromWire(LinkMapping.ToWire(1, new ShelfSummaryEvent(summary), "r1-s1"), "r1-s1")).Summary;
        Assert.Equal(summary, back);
    }

    [Fact]
    public void RegionSummary_SurvivesTheRoundTrip()
    {
        var e = new RegionSummaryEvent(new RegionId("r1"), T0, T0.AddSeconds(10),
            [new StoreHealth(new StoreId("r1-s1"), T0.AddSeconds(9), 2, 0.5, 3), new StoreHealth(new StoreId("r1-s2"), null, 0, null, 0)]);
        var back = Assert.IsType<RegionSummaryEvent>(LinkMapping.FromWire(LinkMapping.ToWire(1, e, "r1"), "r1"));
        Assert.Equal(e.Stores, back.Stores);
        Assert.Equal(e.WindowEnd, back.WindowEnd);
    }

    [Fact]
    public void PolicyDocument_SurvivesTheRoundTrip()
    {
        var doc = new PolicyDocument(PolicyScope.ForShelf("r1", "r1-s1", "a1"), 17,
            new ReplenishmentPolicy(5, null, 1.5, TimeSpan.FromSeconds(20), 0.25), T0);
        Assert.Equal(doc, LinkMapping.FromWire(LinkMapping.ToWire(doc)));
    }

    [Fact]
    public void InvalidPolicyDocument_IsRefusedWithItsProblem()
    {
        var wire = LinkMapping.ToWire(new PolicyDocument(PolicyScope.Global, 3, ReplenishmentPolicy.Default, T0));
        wire.Policy.LowStockThresholdUnits = 4;   // now both thresholds are set
        var ex = Assert.Throws<FormatException>(() => LinkMapping.FromWire(wire));
        Assert.Contains("exactly one", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad Shelf")]
    [InlineData("")]
    public void EventWithAMalformedId_IsRefused(string shelf)
    {
        var wire = LinkMapping.ToWire(1, new AlertEvent(SampleAlert()), "r1-s1");
        wire.Alert.ShelfId = shelf;
        Assert.Throws<FormatException>(() => LinkMapping.FromWire(wire, "r1-s1"));
    }

    [Fact]
    public void RawReading_NeverCrossesALink()
    {
        var raw = new P.UpEvent { Sequence = 1, RawReading = new P.RawReading { SensorId = "x", Value = 2 } };
        Assert.Contains("raw readings", Assert.Throws<FormatException>(() => LinkMapping.FromWire(raw, "r1-s1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawReadingSize_IsItsEncodedSizeInABatch()
    {
        var reading = new SensorReading(new SensorId("aisle1-shelf1-lc"), 1234.5, T0);
        var batch = new P.UpBatch();
        batch.Events.Add(new P.UpEvent { Sequence = 300, RawReading = new P.RawReading { SensorId = "aisle1-shelf1-lc", Value = 1234.5, TimestampUs = LinkMapping.ToUs(T0) } });
        Assert.Equal(batch.CalculateSize(), LinkMapping.RawReadingSize(300, reading));
    }

    [Fact]
    public void DenyList_CrossesTheLink_WithTheCloudsSignatureByteForByte()
    {
        var signature = new Signing.DocumentSignature([.. Enumerable.Range(0, 64).Select(i => (byte)i)], [0x30, 0x82, 0x01, 0x02]);
        var list = new Grains.PublishedRevocations(7, ["spiffe://fleet.test/store/eu/eu-s1", "0a1b"], signature);

        var back = LinkMapping.FromWire(P.RevocationUpdate.Parser.ParseFrom(LinkMapping.ToWire(list).ToByteArray()));

        Assert.Equal((list.Version, list.Signature), (back.Version, back.Signature));
        Assert.Equal(list.Entries, back.Entries);
        Assert.Null(LinkMapping.FromWire(LinkMapping.ToWire(list with { Signature = null })).Signature);
    }
}
