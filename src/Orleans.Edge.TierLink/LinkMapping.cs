using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Policies;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink;

/// <summary>Translates between the grains' records and the link's protobuf messages.</summary>
public static class LinkMapping
{
    /// <summary>Microseconds since the Unix epoch.</summary>
    public static long ToUs(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>From microseconds since the Unix epoch.</summary>
    public static DateTimeOffset FromUs(long us) => DateTimeOffset.UnixEpoch.AddTicks(us * 10);

    /// <summary>
    /// The wire form of a child's own event. The origin is left out (it is the batch's child) and
    /// so is a store id equal to it; the receiver puts both back.
    /// </summary>
    public static P.UpEvent ToWire(long sequence, UpEvent e, string sender) => ToWire(sender, sequence, e, elideOrigin: true);

    /// <summary>The wire form of an upward event with an explicit origin.</summary>
    public static P.UpEvent ToWire(string origin, long sequence, UpEvent e) => ToWire(origin, sequence, e, elideOrigin: false);

    private static P.UpEvent ToWire(string origin, long sequence, UpEvent e, bool elideOrigin)
    {
        var wire = new P.UpEvent { Origin = elideOrigin ? "" : origin, Sequence = (ulong)sequence };
        switch (e)
        {
            case AlertEvent a:
                wire.Alert = ToWire(a.Alert, origin);
                if (a.Source is { } source) (wire.SourceEpoch, wire.SourceSequence) = ((ulong)source.Epoch, (ulong)source.Sequence);
                break;
            case ShelfSummaryEvent s: wire.ShelfSummary = ToWire(s.Summary, origin); break;
            case StoreStateEvent st:
                wire.StoreState = new P.StoreState
                {
                    StoreId = st.StoreId.Value, RegionId = st.RegionId.Value, AppliedPolicyVersion = st.AppliedPolicyVersion,
                    Shelves = st.Shelves, AtUs = ToUs(st.At), RejectedPolicyVersion = st.RejectedPolicyVersion,
                    PolicyRejection = st.PolicyRejection ?? "", AppliedModelVersion = st.AppliedModelVersion ?? "",
                    RejectedModelVersion = st.RejectedModelVersion ?? "", ModelRejection = st.ModelRejection ?? "",
                    Hardware = st.Hardware is { } hw ? ModelMapping.ToWire(hw) : null,
                    AppliedModelVariant = st.AppliedModelVariant ?? "", ModelVariantFallback = st.ModelVariantFallback ?? "",
                    DenyListRejection = st.DenyListRejection ?? "",
                };
                break;
            case RegionSummaryEvent r:
                var region = new P.RegionSummary { RegionId = r.RegionId.Value, WindowStartUs = ToUs(r.WindowStart), WindowEndUs = ToUs(r.WindowEnd) };
                region.Stores.AddRange(r.Stores.Select(h => new P.StoreHealth
                {
                    StoreId = h.StoreId.Value, LastSeenUs = h.LastSeen is { } seen ? ToUs(seen) : 0, OpenAlerts = h.OpenAlerts,
                    Availability = (float)(h.Availability ?? 0), HasAvailability = h.Availability is not null,
                    AppliedPolicyVersion = h.AppliedPolicyVersion,
                }));
                wire.RegionSummary = region;
                break;
            default:
                throw new ArgumentException($"{e.GetType().Name} cannot cross a tier link", nameof(e));
        }
        return wire;
    }

    /// <summary>
    /// The record form of an upward event sent by <paramref name="origin"/>; throws
    /// <see cref="FormatException"/> on a malformed one.
    /// </summary>
    public static UpEvent FromWire(P.UpEvent e, string origin) => e.PayloadCase switch
    {
        P.UpEvent.PayloadOneofCase.Alert => new AlertEvent(FromWire(e.Alert, origin))
        {
            Source = e.SourceSequence == 0 ? null
                : new AppliedMark(WireRanges.Int64Of(e.SourceEpoch, "source epoch"), WireRanges.Int64Of(e.SourceSequence, "source sequence")),
        },
        P.UpEvent.PayloadOneofCase.ShelfSummary => new ShelfSummaryEvent(FromWire(e.ShelfSummary, origin)),
        P.UpEvent.PayloadOneofCase.StoreState => new StoreStateEvent(
            new StoreId(Id(e.StoreState.StoreId, "store id")), new RegionId(Id(e.StoreState.RegionId, "region id")),
            WireRanges.NotNegative(e.StoreState.AppliedPolicyVersion, "applied policy version"),
            (int)WireRanges.NotNegative(e.StoreState.Shelves, "shelf count"), WireRanges.Instant(e.StoreState.AtUs, "store state time"),
            WireRanges.NotNegative(e.StoreState.RejectedPolicyVersion, "rejected policy version"),
            Empty(WireRanges.Text(e.StoreState.PolicyRejection, WireRanges.MaxTextLength, "policy rejection")),
            OptionalId(e.StoreState.AppliedModelVersion, "applied model version"), OptionalId(e.StoreState.RejectedModelVersion, "rejected model version"),
            Empty(WireRanges.Text(e.StoreState.ModelRejection, WireRanges.MaxTextLength, "model rejection")),
            e.StoreState.Hardware is { } hw ? ModelMapping.FromWire(hw) : null,
            OptionalVariant(e.StoreState.AppliedModelVariant, "applied model variant"),
            Empty(WireRanges.Text(e.StoreState.ModelVariantFallback, WireRanges.MaxTextLength, "model variant fallback")),
            Empty(WireRanges.Text(e.StoreState.DenyListRejection, WireRanges.MaxTextLength, "deny-list rejection"))),
        P.UpEvent.PayloadOneofCase.RegionSummary => FromWire(e.RegionSummary),
        P.UpEvent.PayloadOneofCase.RawReading => throw new FormatException("raw readings never cross a tier link"),
        _ => throw new FormatException($"event #{e.Sequence} has no payload"),
    };

    private static RegionSummaryEvent FromWire(P.RegionSummary r)
    {
        if (r.Stores.Count > WireRanges.MaxStoresPerSummary)
            throw new FormatException($"a region summary lists {r.Stores.Count:N0} stores; at most {WireRanges.MaxStoresPerSummary:N0} are taken");
        return new RegionSummaryEvent(
            new RegionId(Id(r.RegionId, "region id")), WireRanges.Instant(r.WindowStartUs, "window start"), WireRanges.Instant(r.WindowEndUs, "window end"),
            [.. r.Stores.Select(h => new StoreHealth(new StoreId(Id(h.StoreId, "store id")),
                h.LastSeenUs == 0 ? null : WireRanges.Instant(h.LastSeenUs, "last seen"), (int)WireRanges.NotNegative(h.OpenAlerts, "open alerts"),
                h.HasAvailability ? WireRanges.Fraction(h.Availability, "availability") : null,
                WireRanges.NotNegative(h.AppliedPolicyVersion, "applied policy version")))]);
    }

    private static P.Alert ToWire(Alert a, string origin)
    {
        var number = a.AlertId.AsSpan(a.AlertId.LastIndexOf('/') + 1);
        return new P.Alert
        {
            StoreId = a.StoreId.Value == origin ? "" : a.StoreId.Value, ShelfId = a.ShelfId.Value, Type = (P.AlertType)a.Type,
            Number = uint.TryParse(number, out var n) && a.AlertId == Alert.IdOf(a.ShelfId, a.Type, (int)n)
                ? n : throw new ArgumentException($"alert id '{a.AlertId}' is not of the form shelf/Type/number", nameof(a)),
            State = (P.AlertState)a.State, Revision = (uint)a.Revision, SensorId = a.SensorId?.Value ?? "", Sku = a.Sku,
            Units = (float)a.Units, Threshold = (float)a.Threshold, Detail = a.Detail ?? "", TriggeredAtUs = ToUs(a.TriggeredAt),
            RaiseDelayUs = (ulong)Math.Max(0, ToUs(a.RaisedAt) - ToUs(a.TriggeredAt)),
            ChangeDelayUs = (ulong)Math.Max(0, ToUs(a.ChangedAt) - ToUs(a.RaisedAt)),
            ChangedBy = a.ChangedBy == "system" ? "" : a.ChangedBy, PolicyVersion = a.PolicyVersion,
        };
    }

    private static Alert FromWire(P.Alert a, string origin)
    {
        var shelf = new ShelfId(Id(a.ShelfId, "shelf id"));
        if (!Enum.IsDefined((AlertType)a.Type) || !Enum.IsDefined((AlertState)a.State) || a.Revision < 1 || a.Number < 1)
            throw new FormatException($"alert {a.Number} of shelf {a.ShelfId} has an unknown type, state, number or revision");
        var number = WireRanges.Int32Of(a.Number, "alert number");
        var triggered = WireRanges.Instant(a.TriggeredAtUs, "alert trigger time");
        var raised = triggered.AddTicks(WireRanges.Delay(a.RaiseDelayUs, "raise delay") * 10);
        if (a.ChangedBy.Length > 0 && ActorName.Problem(a.ChangedBy) is { } actorProblem) throw new FormatException(actorProblem);
        return new Alert(Alert.IdOf(shelf, (AlertType)a.Type, number), new StoreId(Id(a.StoreId.Length == 0 ? origin : a.StoreId, "store id")), shelf,
            a.SensorId.Length == 0 ? null : new SensorId(Id(a.SensorId, "sensor id")), (AlertType)a.Type, (AlertState)a.State,
            WireRanges.Int32Of(a.Revision, "alert revision"), WireRanges.Text(a.Sku, WireRanges.MaxSkuLength, "sku"),
            WireRanges.Finite(a.Units, WireRanges.MaxUnits, "alert units"), WireRanges.Finite(a.Threshold, WireRanges.MaxUnits, "alert threshold"),
            a.Detail.Length == 0 ? null : WireRanges.Text(a.Detail, WireRanges.MaxTextLength, "alert detail"), triggered, raised,
            raised.AddTicks(WireRanges.Delay(a.ChangeDelayUs, "change delay") * 10), a.ChangedBy.Length == 0 ? "system" : a.ChangedBy,
            WireRanges.NotNegative(a.PolicyVersion, "policy version"));
    }

    private static P.ShelfSummary ToWire(ShelfSummary s, string origin) => new()
    {
        StoreId = s.StoreId.Value == origin ? "" : s.StoreId.Value, ShelfId = s.ShelfId.Value, Sku = s.Sku,
        WindowEndUs = ToUs(s.WindowEnd), WindowLengthMs = (uint)Math.Max(0, (s.WindowEnd - s.WindowStart).TotalMilliseconds),
        UnitsMinCenti = Centi(s.UnitsMin), UnitsMaxCenti = Centi(s.UnitsMax), UnitsLastCenti = Centi(s.UnitsLast),
        Readings = (uint)s.Readings, SalesCenti = Centi(s.SalesEstimate), RestockCenti = Centi(s.RestockEstimate),
        AvailabilityBp = (uint)Math.Round(Math.Clamp(s.Availability, 0, 1) * 10_000),
    };

    private static ShelfSummary FromWire(P.ShelfSummary s, string origin)
    {
        var end = WireRanges.Instant(s.WindowEndUs, "window end");
        if (s.WindowLengthMs > WireRanges.MaxWindowMs) throw new FormatException($"a summary window of {s.WindowLengthMs} ms is longer than a week");
        if (s.AvailabilityBp > 10_000) throw new FormatException($"availability of {s.AvailabilityBp} basis points is above 10,000");
        WireRanges.Int32Of(s.Readings, "readings");
        WireRanges.Text(s.Sku, WireRanges.MaxSkuLength, "sku");
        return new(new StoreId(Id(s.StoreId.Length == 0 ? origin : s.StoreId, "store id")), new ShelfId(Id(s.ShelfId, "shelf id")), s.Sku,
            end.AddMilliseconds(-s.WindowLengthMs), end, s.UnitsMinCenti / 100.0, s.UnitsMaxCenti / 100.0, s.UnitsLastCenti / 100.0,
            (int)s.Readings, s.SalesCenti / 100.0, s.RestockCenti / 100.0, s.AvailabilityBp / 10_000.0);
    }

    private static int Centi(double units) => (int)Math.Round(units * 100);

    /// <summary>The wire form of a policy document.</summary>
    public static P.PolicyDocument ToWire(PolicyDocument d)
    {
        var policy = new P.Policy
        {
            HysteresisUnits = d.Policy.HysteresisUnits, SummaryWindowMs = (long)d.Policy.SummaryWindow.TotalMilliseconds,
            MismatchToleranceFraction = d.Policy.MismatchToleranceFraction,
        };
        if (d.Policy.LowStockThresholdUnits is { } units) policy.LowStockThresholdUnits = units;
        if (d.Policy.LowStockThresholdFraction is { } fraction) policy.LowStockThresholdFraction = fraction;
        var wire = new P.PolicyDocument
        {
            Level = (P.ScopeLevel)d.Scope.Level, RegionId = d.Scope.RegionId ?? "", StoreId = d.Scope.StoreId ?? "",
            ShelfId = d.Scope.ShelfId ?? "", Version = d.Version, Policy = policy, ChangedAtUs = ToUs(d.ChangedAt),
        };
        (wire.Signature, wire.SignerCertificate) = SignatureToWire(d.Signature);
        return wire;
    }

    /// <summary>The signature's two wire fields (empty when unsigned).</summary>
    public static (Google.Protobuf.ByteString Signature, Google.Protobuf.ByteString Certificate) SignatureToWire(Signing.DocumentSignature? s) =>
        s is null ? (Google.Protobuf.ByteString.Empty, Google.Protobuf.ByteString.Empty)
            : (Google.Protobuf.ByteString.CopyFrom(s.Value), Google.Protobuf.ByteString.CopyFrom(s.SignerCertificate));

    /// <summary>The signature from its two wire fields; null when both are empty (unsigned). Checked by the receiver's verifier, not here.</summary>
    public static Signing.DocumentSignature? SignatureFromWire(Google.Protobuf.ByteString signature, Google.Protobuf.ByteString certificate) =>
        signature.IsEmpty && certificate.IsEmpty ? null : new Signing.DocumentSignature(signature.ToByteArray(), certificate.ToByteArray());

    /// <summary>The deny-list as the downlink carries it, with the cloud's signature untouched.</summary>
    public static P.RevocationUpdate ToWire(Grains.PublishedRevocations list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var wire = new P.RevocationUpdate { Version = list.Version, Entries = { list.Entries } };
        (wire.Signature, wire.SignerCertificate) = SignatureToWire(list.Signature);
        return wire;
    }

    /// <summary>The record form of a deny-list update; its entries and signature are checked by the receiver, not here.</summary>
    public static Grains.PublishedRevocations FromWire(P.RevocationUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new Grains.PublishedRevocations(update.Version, [.. update.Entries], SignatureFromWire(update.Signature, update.SignerCertificate));
    }

    /// <summary>The record form of a policy document; throws <see cref="FormatException"/> on an invalid one.</summary>
    public static PolicyDocument FromWire(P.PolicyDocument d)
    {
        var scope = new PolicyScope((ScopeLevel)d.Level, Empty(d.RegionId), Empty(d.StoreId), Empty(d.ShelfId));
        var p = d.Policy ?? throw new FormatException($"policy document v{d.Version} has no policy");
        // Past about 29,000 years a window is no TimeSpan at all; Problems() below words every other bad length.
        if (p.SummaryWindowMs < -MaxWindowMs || p.SummaryWindowMs > MaxWindowMs)
            throw new FormatException($"policy document v{d.Version} for {ScopeOf(d)} is invalid: a summary window of {p.SummaryWindowMs} ms is outside 1 s–1 day");
        var policy = new ReplenishmentPolicy(
            p.HasLowStockThresholdUnits ? p.LowStockThresholdUnits : null,
            p.HasLowStockThresholdFraction ? p.LowStockThresholdFraction : null,
            p.HysteresisUnits, TimeSpan.FromMilliseconds(p.SummaryWindowMs), p.MismatchToleranceFraction);
        var problems = scope.Problems().Concat(policy.Problems()).ToList();
        if (!Enum.IsDefined(scope.Level) || d.Version <= 0 || problems.Count > 0)
            throw new FormatException($"policy document v{d.Version} for {scope.Key} is invalid: {string.Join("; ", problems)}");
        return new PolicyDocument(scope, d.Version, policy, WireRanges.Instant(d.ChangedAtUs, "policy change time"),
            SignatureFromWire(d.Signature, d.SignerCertificate));
    }

    /// <summary>
    /// The scope of a wire document for logs and rejection reports; never throws, since it is
    /// used on documents <see cref="FromWire(P.PolicyDocument)"/> refused.
    /// </summary>
    public static string ScopeOf(P.PolicyDocument d) => Enum.IsDefined((ScopeLevel)d.Level)
        ? new PolicyScope((ScopeLevel)d.Level, Empty(d.RegionId), Empty(d.StoreId), Empty(d.ShelfId)).Key
        : $"level {(int)d.Level} ({d.RegionId}/{d.StoreId}/{d.ShelfId})";

    /// <summary>Size in the link's encoding of a raw reading, were it sent as an upward event.</summary>
    public static int RawReadingSize(long sequence, SensorReading r)
    {
        var e = new P.UpEvent
        {
            Sequence = (ulong)sequence,
            RawReading = new P.RawReading { SensorId = r.SensorId.Value, Value = r.Value, TimestampUs = ToUs(r.Timestamp) },
        };
        var size = e.CalculateSize();
        // Its framing inside a batch: field tag plus length prefix.
        return size + 1 + Google.Protobuf.CodedOutputStream.ComputeLengthSize(size);
    }

    private static readonly long MaxWindowMs = (long)TimeSpan.MaxValue.TotalMilliseconds;

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static string? OptionalId(string value, string what) => value.Length == 0 ? null : Id(value, what);

    private static string? OptionalVariant(string value, string what) =>
        value.Length == 0 ? null : WireRanges.Text(value, WireRanges.MaxVariantLength, what);

    private static string Id(string value, string what) =>
        EdgeId.Problem(value, what) is { } problem ? throw new FormatException(problem) : value;
}
