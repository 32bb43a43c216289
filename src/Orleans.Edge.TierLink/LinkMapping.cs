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

    /// <summary>The wire form of an upward event.</summary>
    public static P.UpEvent ToWire(string origin, long sequence, UpEvent e)
    {
        var wire = new P.UpEvent { Origin = origin, Sequence = (ulong)sequence };
        switch (e)
        {
            case AlertEvent a: wire.Alert = ToWire(a.Alert); break;
            case ShelfSummaryEvent s: wire.ShelfSummary = ToWire(s.Summary); break;
            case StoreStateEvent st:
                wire.StoreState = new P.StoreState
                {
                    StoreId = st.StoreId.Value, RegionId = st.RegionId.Value, AppliedPolicyVersion = st.AppliedPolicyVersion,
                    Shelves = st.Shelves, AtUs = ToUs(st.At),
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

    /// <summary>The record form of an upward event; throws <see cref="FormatException"/> on a malformed one.</summary>
    public static UpEvent FromWire(P.UpEvent e) => e.PayloadCase switch
    {
        P.UpEvent.PayloadOneofCase.Alert => new AlertEvent(FromWire(e.Alert)),
        P.UpEvent.PayloadOneofCase.ShelfSummary => new ShelfSummaryEvent(FromWire(e.ShelfSummary)),
        P.UpEvent.PayloadOneofCase.StoreState => new StoreStateEvent(
            new StoreId(Id(e.StoreState.StoreId, "store id")), new RegionId(Id(e.StoreState.RegionId, "region id")),
            e.StoreState.AppliedPolicyVersion, e.StoreState.Shelves, FromUs(e.StoreState.AtUs)),
        P.UpEvent.PayloadOneofCase.RegionSummary => new RegionSummaryEvent(
            new RegionId(Id(e.RegionSummary.RegionId, "region id")), FromUs(e.RegionSummary.WindowStartUs), FromUs(e.RegionSummary.WindowEndUs),
            [.. e.RegionSummary.Stores.Select(h => new StoreHealth(new StoreId(Id(h.StoreId, "store id")),
                h.LastSeenUs == 0 ? null : FromUs(h.LastSeenUs), h.OpenAlerts,
                h.HasAvailability ? h.Availability : null, h.AppliedPolicyVersion))]),
        P.UpEvent.PayloadOneofCase.RawReading => throw new FormatException("raw readings never cross a tier link"),
        _ => throw new FormatException($"event {e.Origin}#{e.Sequence} has no payload"),
    };

    private static P.Alert ToWire(Alert a) => new()
    {
        AlertId = a.AlertId, StoreId = a.StoreId.Value, ShelfId = a.ShelfId.Value, SensorId = a.SensorId?.Value ?? "",
        Type = (P.AlertType)a.Type, State = (P.AlertState)a.State, Revision = a.Revision, Sku = a.Sku, Units = a.Units,
        Threshold = a.Threshold, Message = a.Message, TriggeredAtUs = ToUs(a.TriggeredAt), RaisedAtUs = ToUs(a.RaisedAt),
        ChangedAtUs = ToUs(a.ChangedAt), ChangedBy = a.ChangedBy, PolicyVersion = a.PolicyVersion,
    };

    private static Alert FromWire(P.Alert a)
    {
        if (string.IsNullOrEmpty(a.AlertId)) throw new FormatException("alert has no id");
        if (!Enum.IsDefined((AlertType)a.Type) || !Enum.IsDefined((AlertState)a.State) || a.Revision < 1)
            throw new FormatException($"alert {a.AlertId} has an unknown type, state or revision");
        return new Alert(a.AlertId, new StoreId(Id(a.StoreId, "store id")), new ShelfId(Id(a.ShelfId, "shelf id")),
            a.SensorId.Length == 0 ? null : new SensorId(Id(a.SensorId, "sensor id")), (AlertType)a.Type, (AlertState)a.State,
            a.Revision, a.Sku, a.Units, a.Threshold, a.Message, FromUs(a.TriggeredAtUs), FromUs(a.RaisedAtUs),
            FromUs(a.ChangedAtUs), a.ChangedBy, a.PolicyVersion);
    }

    private static P.ShelfSummary ToWire(ShelfSummary s) => new()
    {
        StoreId = s.StoreId.Value, ShelfId = s.ShelfId.Value, Sku = s.Sku, WindowStartUs = ToUs(s.WindowStart),
        WindowEndUs = ToUs(s.WindowEnd), UnitsMin = (float)s.UnitsMin, UnitsMax = (float)s.UnitsMax, UnitsLast = (float)s.UnitsLast,
        Readings = (uint)s.Readings, SalesEstimate = (float)s.SalesEstimate, RestockEstimate = (float)s.RestockEstimate,
        Availability = (float)s.Availability,
    };

    private static ShelfSummary FromWire(P.ShelfSummary s) => new(
        new StoreId(Id(s.StoreId, "store id")), new ShelfId(Id(s.ShelfId, "shelf id")), s.Sku, FromUs(s.WindowStartUs),
        FromUs(s.WindowEndUs), s.UnitsMin, s.UnitsMax, s.UnitsLast, (int)s.Readings, s.SalesEstimate, s.RestockEstimate, s.Availability);

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
        return new P.PolicyDocument
        {
            Level = (P.ScopeLevel)d.Scope.Level, RegionId = d.Scope.RegionId ?? "", StoreId = d.Scope.StoreId ?? "",
            ShelfId = d.Scope.ShelfId ?? "", Version = d.Version, Policy = policy, ChangedAtUs = ToUs(d.ChangedAt),
        };
    }

    /// <summary>The record form of a policy document; throws <see cref="FormatException"/> on an invalid one.</summary>
    public static PolicyDocument FromWire(P.PolicyDocument d)
    {
        var scope = new PolicyScope((ScopeLevel)d.Level, Empty(d.RegionId), Empty(d.StoreId), Empty(d.ShelfId));
        var p = d.Policy ?? throw new FormatException($"policy document v{d.Version} has no policy");
        var policy = new ReplenishmentPolicy(
            p.HasLowStockThresholdUnits ? p.LowStockThresholdUnits : null,
            p.HasLowStockThresholdFraction ? p.LowStockThresholdFraction : null,
            p.HysteresisUnits, TimeSpan.FromMilliseconds(p.SummaryWindowMs), p.MismatchToleranceFraction);
        var problems = scope.Problems().Concat(policy.Problems()).ToList();
        if (!Enum.IsDefined(scope.Level) || d.Version <= 0 || problems.Count > 0)
            throw new FormatException($"policy document v{d.Version} for {scope.Key} is invalid: {string.Join("; ", problems)}");
        return new PolicyDocument(scope, d.Version, policy, FromUs(d.ChangedAtUs));
    }

    /// <summary>Size in the link's encoding of a raw reading, were it sent as an upward event.</summary>
    public static int RawReadingSize(string origin, long sequence, SensorReading r)
    {
        var e = new P.UpEvent
        {
            Origin = origin, Sequence = (ulong)sequence,
            RawReading = new P.RawReading { SensorId = r.SensorId.Value, Value = r.Value, TimestampUs = ToUs(r.Timestamp) },
        };
        var size = e.CalculateSize();
        // Its framing inside a batch: field tag plus length prefix.
        return size + 1 + Google.Protobuf.CodedOutputStream.ComputeLengthSize(size);
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static string Id(string value, string what) =>
        EdgeId.Problem(value, what) is { } problem ? throw new FormatException(problem) : value;
}
