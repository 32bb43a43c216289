using CsCheck;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests.Fuzz;

/// <summary>
/// Generators of hostile upward events of every payload kind: mostly valid fields with, now and then,
/// one from the hostile end (out of range, NaN, huge, negative, overlong, unicode, control characters).
/// Shared by the in-process mapping fuzz and the end-to-end push over gRPC (linked into that project).
/// </summary>
internal static class LinkMessages
{
    /// <summary>
    /// What <paramref name="map"/> made of a wire message, or null when it refused it with a
    /// <see cref="FormatException"/> that says something; any other exception fails the property.
    /// </summary>
    public static T? TakenOrRefused<T>(Func<T> map) where T : class
    {
        try
        {
            return map();
        }
        catch (FormatException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return null;
        }
    }

    /// <summary>The batch's child in the in-process tests.</summary>
    public const string Child = "s1";

    internal static readonly Gen<long> Instant = Gen.Frequency(
        (4, Gen.Long[LinkMapping.ToUs(WireRanges.Earliest), LinkMapping.ToUs(WireRanges.Latest)]),
        (1, Hostile.Long));

    internal static readonly Gen<ulong> Delay = Gen.Frequency((3, Gen.ULong[0, WireRanges.MaxDelayUs]), (1, Gen.ULong));

    internal static readonly Gen<uint> Count = Gen.Frequency((3, Gen.UInt[0, 100]), (1, Gen.UInt));

    internal static readonly Gen<string> Text = Gen.Frequency((4, Gen.String[0, 40]), (1, Gen.String[Gen.Char['a', 'z'], 2000, 2100]), (1, Hostile.Id));

    internal static readonly Gen<P.Alert> Alert =
        from ids in Gen.Select(Hostile.Id, Hostile.Id, Gen.Frequency((3, Gen.Const("")), (1, Hostile.Id)), Gen.Frequency((1, Gen.Const("")), (1, Hostile.Id)))
        from kind in Gen.Select(Gen.Int[-1, 5], Gen.Int[-1, 4], Count, Count)
        from values in Gen.Select(Hostile.Number, Hostile.Number, Text, Text)
        from times in Gen.Select(Instant, Delay, Delay, Hostile.Long)
        select new P.Alert
        {
            StoreId = ids.Item3, ShelfId = ids.Item1, SensorId = ids.Item4, ChangedBy = ids.Item2.Length % 3 == 0 ? "" : ids.Item2,
            Type = (P.AlertType)kind.Item1, State = (P.AlertState)kind.Item2, Number = kind.Item3, Revision = kind.Item4,
            Units = (float)values.Item1, Threshold = (float)values.Item2, Sku = values.Item3, Detail = values.Item4,
            TriggeredAtUs = times.Item1, RaiseDelayUs = times.Item2, ChangeDelayUs = times.Item3, PolicyVersion = times.Item4,
        };

    internal static readonly Gen<P.ShelfSummary> Summary =
        from ids in Gen.Select(Gen.Frequency((3, Gen.Const("")), (1, Hostile.Id)), Hostile.Id, Text)
        from window in Gen.Select(Instant, Gen.Frequency((3, Gen.UInt[0, WireRanges.MaxWindowMs]), (1, Gen.UInt)), Gen.Frequency((3, Gen.UInt[0, 10_000]), (1, Gen.UInt)), Count)
        from units in Gen.Select(Gen.Int, Gen.Int, Gen.Int, Gen.Int, Gen.Int)
        select new P.ShelfSummary
        {
            StoreId = ids.Item1, ShelfId = ids.Item2, Sku = ids.Item3, WindowEndUs = window.Item1, WindowLengthMs = window.Item2,
            AvailabilityBp = window.Item3, Readings = window.Item4, UnitsMinCenti = units.Item1, UnitsMaxCenti = units.Item2,
            UnitsLastCenti = units.Item3, SalesCenti = units.Item4, RestockCenti = units.Item5,
        };

    internal static readonly Gen<P.HardwareCapabilities> Hardware =
        from numbers in Gen.Select(Hostile.Int, Hostile.Long, Hostile.Int, Hostile.Number, Gen.Bool)
        from texts in Gen.Select(Text.Array[0, 4], Text.Array[0, 4], Gen.Frequency((3, Gen.OneOf("fp32", "int8", "")), (1, Text)))
        select Hw(numbers, texts);

    internal static P.HardwareCapabilities Hw((int Cores, long Memory, int Threads, double Hz, bool Train) n, (string[] Simd, string[] Providers, string Variant) t)
    {
        var hw = new P.HardwareCapabilities { Cores = n.Cores, MemoryMb = n.Memory, IntraOpThreads = n.Threads, FrameHzPerCamera = n.Hz, CanTrain = n.Train, ModelVariant = t.Variant };
        hw.Simd.AddRange(t.Simd);
        hw.ExecutionProviders.AddRange(t.Providers);
        return hw;
    }

    internal static readonly Gen<P.StoreState> State =
        from ids in Gen.Select(Hostile.Id, Hostile.Id, Gen.Frequency((2, Gen.Const("")), (1, Hostile.Id)), Gen.Frequency((2, Gen.Const("")), (1, Hostile.Id)))
        from numbers in Gen.Select(Hostile.Long, Hostile.Int, Instant, Hostile.Long)
        from texts in Gen.Select(Text, Text, Text, Gen.Frequency((2, Gen.OneOf("", "fp32", "int8")), (1, Text)))
        from hardware in Gen.Frequency((1, Gen.Const((P.HardwareCapabilities?)null)), (2, Hardware.Select(h => (P.HardwareCapabilities?)h)))
        select new P.StoreState
        {
            StoreId = ids.Item1, RegionId = ids.Item2, AppliedModelVersion = ids.Item3, RejectedModelVersion = ids.Item4,
            AppliedPolicyVersion = numbers.Item1, Shelves = numbers.Item2, AtUs = numbers.Item3, RejectedPolicyVersion = numbers.Item4,
            PolicyRejection = texts.Item1, ModelRejection = texts.Item2, ModelVariantFallback = texts.Item3, AppliedModelVariant = texts.Item4,
            Hardware = hardware,
        };

    internal static readonly Gen<P.StoreHealth> Health =
        from id in Hostile.Id
        from numbers in Gen.Select(Gen.Frequency((1, Gen.Const(0L)), (3, Instant)), Hostile.Int, Hostile.Number, Gen.Bool, Hostile.Long)
        select new P.StoreHealth
        {
            StoreId = id, LastSeenUs = numbers.Item1, OpenAlerts = numbers.Item2, Availability = (float)numbers.Item3,
            HasAvailability = numbers.Item4, AppliedPolicyVersion = numbers.Item5,
        };

    internal static readonly Gen<P.RegionSummary> Region =
        from id in Hostile.Id
        from window in Gen.Select(Instant, Instant)
        from stores in Health.Array[0, 5]
        select RegionOf(id, window, stores);

    internal static P.RegionSummary RegionOf(string id, (long Start, long End) window, P.StoreHealth[] stores)
    {
        var region = new P.RegionSummary { RegionId = id, WindowStartUs = window.Start, WindowEndUs = window.End };
        region.Stores.AddRange(stores);
        return region;
    }

    /// <summary>An upward event of every kind, including none and a raw reading (never sent), with hostile envelope numbers.</summary>
    internal static readonly Gen<P.UpEvent> Event =
        from envelope in Gen.Select(Gen.Frequency((4, Gen.Const("")), (1, Gen.Const(Child)), (1, Hostile.Id)), Gen.Frequency((3, Gen.ULong[0, 100]), (1, Gen.ULong)),
            Gen.Frequency((3, Gen.Const(0UL)), (1, Gen.ULong)), Gen.Frequency((3, Gen.Const(0UL)), (1, Gen.ULong)))
        from kind in Gen.Int[0, 9]
        from alert in Alert
        from summary in Summary
        from state in State
        from region in Region
        select Wrap(envelope, kind, alert, summary, state, region);

    internal static P.UpEvent Wrap((string Origin, ulong Sequence, ulong SourceEpoch, ulong SourceSequence) envelope, int kind,
        P.Alert alert, P.ShelfSummary summary, P.StoreState state, P.RegionSummary region)
    {
        var e = new P.UpEvent { Origin = envelope.Origin, Sequence = envelope.Sequence, SourceEpoch = envelope.SourceEpoch, SourceSequence = envelope.SourceSequence };
        switch (kind)
        {
            case 0 or 1 or 2: e.Alert = alert; break;
            case 3 or 4: e.ShelfSummary = summary; break;
            case 5 or 6: e.StoreState = state; break;
            case 7: e.RegionSummary = region; break;
            case 8: e.RawReading = new P.RawReading { SensorId = alert.SensorId, Value = alert.Units, TimestampUs = alert.TriggeredAtUs }; break;
            default: break;   // no payload
        }
        return e;
    }
}
