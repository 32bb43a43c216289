using CsCheck;
using Google.Protobuf;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests.Fuzz;

/// <summary>
/// Hostile upward events, every payload kind, mutated from valid ones and made of random bytes: the
/// mapping at a parent's entrance either gives a record within <see cref="WireRanges"/> or refuses with a
/// <see cref="FormatException"/> that says why; it never throws anything else and never lets a value out of range through.
/// </summary>
public sealed class LinkMessageFuzzTests
{
    private const string Child = LinkMessages.Child;

    [Fact]
    public void HostileUpEvents_AreMappedWithinRange_OrRefusedWithAFormatException()
    {
        var (accepted, refused) = (0, 0);
        Fuzzing.Check(LinkMessages.Event, e =>
        {
            if (Map(e) is { } record) { AssertWithinRange(record); accepted++; }
            else refused++;
        });
        // The generator must reach both outcomes, or the property proves little.
        Assert.True(accepted > 500 && refused > 500, $"{accepted} accepted, {refused} refused");
    }

    [Fact]
    public void RandomAndMutatedBytes_EitherFailToParse_OrMapLikeAnyOtherBatch()
    {
        var valid = LinkMessages.Event.Array[1, 4].Select(events =>
        {
            var batch = new P.UpBatch { ChildId = Child, Epoch = 1 };
            batch.Events.AddRange(events);
            return batch.ToByteArray();
        });
        var bytes = Gen.Frequency(
            (1, Gen.Byte.Array[0, 200]),
            (3, Gen.Select(valid, Gen.Int[0, 1 << 20], Gen.Byte, Gen.Int[1, 4], (b, at, value, count) =>
            {
                if (b.Length == 0) return b;
                for (var i = 0; i < count; i++) b[(at + i * 13) % b.Length] = value;
                return b;
            })),
            (1, Gen.Select(valid, Gen.Int[0, 1 << 20], (b, cut) => b[..(b.Length == 0 ? 0 : cut % b.Length)])));
        Fuzzing.Check(bytes, b =>
        {
            P.UpBatch batch;
            try
            {
                batch = P.UpBatch.Parser.ParseFrom(b);
            }
            catch (InvalidProtocolBufferException)
            {
                return;   // gRPC answers this itself before any of our code runs
            }
            foreach (var e in batch.Events)
                if (Map(e) is { } record) AssertWithinRange(record);
        }, print: Convert.ToHexString);
    }

    /// <summary>The record, or null when refused with a <see cref="FormatException"/> that says something.</summary>
    internal static UpEvent? Map(P.UpEvent e) => LinkMessages.TakenOrRefused(() => LinkMapping.FromWire(e, Child));

    internal static void AssertWithinRange(UpEvent record)
    {
        switch (record)
        {
            case AlertEvent { Alert: var a } alert:
                AssertIds(a.StoreId.Value, a.ShelfId.Value, a.SensorId?.Value);
                Assert.InRange(a.Units, -WireRanges.MaxUnits, WireRanges.MaxUnits);
                Assert.InRange(a.Threshold, -WireRanges.MaxUnits, WireRanges.MaxUnits);
                AssertInstant(a.TriggeredAt);
                Assert.InRange(a.RaisedAt, a.TriggeredAt, a.TriggeredAt.AddYears(11));
                Assert.InRange(a.ChangedAt, a.RaisedAt, a.RaisedAt.AddYears(11));
                Assert.True(a.Revision >= 1 && a.PolicyVersion >= 0 && Enum.IsDefined(a.Type) && Enum.IsDefined(a.State));
                Assert.True(a.Sku.Length <= WireRanges.MaxSkuLength && (a.Detail?.Length ?? 0) <= WireRanges.MaxTextLength);
                Assert.True(a.ChangedBy == "system" || ActorName.Problem(a.ChangedBy) is null);
                Assert.True(alert.Source is null || alert.Source.Epoch >= 0 && alert.Source.Sequence > 0);
                break;
            case ShelfSummaryEvent { Summary: var s }:
                AssertIds(s.StoreId.Value, s.ShelfId.Value);
                AssertInstant(s.WindowEnd);
                Assert.InRange(s.WindowEnd - s.WindowStart, TimeSpan.Zero, TimeSpan.FromDays(7));
                Assert.InRange(s.Availability, 0, 1);
                Assert.True(s.Readings >= 0 && s.Sku.Length <= WireRanges.MaxSkuLength);
                break;
            case StoreStateEvent st:
                AssertIds(st.StoreId.Value, st.RegionId.Value, st.AppliedModelVersion, st.RejectedModelVersion);
                AssertInstant(st.At);
                Assert.True(st.AppliedPolicyVersion >= 0 && st.RejectedPolicyVersion >= 0 && st.Shelves >= 0);
                Assert.True((st.PolicyRejection?.Length ?? 0) <= WireRanges.MaxTextLength && (st.ModelRejection?.Length ?? 0) <= WireRanges.MaxTextLength);
                Assert.True((st.AppliedModelVariant?.Length ?? 0) <= 16 && (st.ModelVariantFallback?.Length ?? 0) <= WireRanges.MaxTextLength);
                if (st.Hardware is { } hw) ModelFuzzTests.AssertWithinRange(hw);
                break;
            case RegionSummaryEvent r:
                AssertIds(r.RegionId.Value);
                AssertInstant(r.WindowStart);
                AssertInstant(r.WindowEnd);
                foreach (var h in r.Stores)
                {
                    AssertIds(h.StoreId.Value);
                    if (h.LastSeen is { } seen) AssertInstant(seen);
                    Assert.True(h.OpenAlerts >= 0 && h.AppliedPolicyVersion >= 0);
                    if (h.Availability is { } availability) Assert.InRange(availability, 0, 1);
                }
                break;
            default:
                Assert.Fail($"{record.GetType().Name} is not an upward event a parent takes");
                break;
        }
    }

    private static void AssertInstant(DateTimeOffset t) => Assert.InRange(t, WireRanges.Earliest, WireRanges.Latest);

    private static void AssertIds(params string?[] ids)
    {
        foreach (var id in ids)
            if (id is not null) Assert.Null(EdgeId.Problem(id, "id"));
    }
}
