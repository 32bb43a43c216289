using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Shelves;

/// <summary>
/// A shelf's alerts: at most one open alert per condition, each with its lifecycle. A condition
/// resolved by hand stays quiet ("latched") until it clears by itself, so staff are not
/// re-alerted about a shelf they already dealt with.
/// </summary>
[GenerateSerializer]
public sealed class AlertBook
{
    private const int RecentLimit = 50;

    /// <summary>Open alerts by condition key.</summary>
    [Id(0)] public Dictionary<string, Alert> Open { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Recently resolved alerts, newest last.</summary>
    [Id(1)] public List<Alert> Recent { get; set; } = [];

    /// <summary>Alerts raised on this shelf so far; numbers new alert ids.</summary>
    [Id(2)] public int Raised { get; set; }

    /// <summary>Conditions resolved by hand that have not cleared yet.</summary>
    [Id(3)] public HashSet<string> Latched { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Condition key of an alert type (sensor faults are per sensor).</summary>
    public static string KeyOf(AlertType type, SensorId? sensor = null) =>
        type == AlertType.SensorFault ? $"SensorFault:{sensor}" : type.ToString();

    /// <summary>Raises a new alert for <paramref name="key"/> unless one is open or latched.</summary>
    public Alert? Raise(string key, Func<int, Alert> create)
    {
        if (Open.ContainsKey(key) || Latched.Contains(key)) return null;
        Raised++;
        var alert = create(Raised);
        Open[key] = alert;
        return alert;
    }

    /// <summary>The condition cleared: resolves its open alert (if any) and lifts its latch.</summary>
    public Alert? Clear(string key, double units, DateTimeOffset now)
    {
        Latched.Remove(key);
        if (!Open.Remove(key, out var open)) return null;
        var resolved = open with
        {
            State = AlertState.Resolved, Revision = open.Revision + 1, Units = units, ChangedAt = now, ChangedBy = "system",
        };
        Remember(resolved);
        return resolved;
    }

    /// <summary>Staff acknowledge an alert.</summary>
    public AlertCommandResult Acknowledge(string alertId, string by, DateTimeOffset now)
    {
        var (key, alert) = Find(alertId);
        if (alert is null) return Missing(alertId);
        if (key is null) return new(AlertCommandStatus.AlreadyResolved, alert, $"alert '{alertId}' is already resolved");
        if (alert.State == AlertState.Acknowledged) return new(AlertCommandStatus.Ok, alert, null);
        var acked = alert with { State = AlertState.Acknowledged, Revision = alert.Revision + 1, ChangedAt = now, ChangedBy = by };
        Open[key] = acked;
        return new(AlertCommandStatus.Ok, acked, null);
    }

    /// <summary>Staff resolve an alert; its condition stays latched until it clears.</summary>
    public AlertCommandResult Resolve(string alertId, string by, DateTimeOffset now)
    {
        var (key, alert) = Find(alertId);
        if (alert is null) return Missing(alertId);
        if (key is null) return new(AlertCommandStatus.AlreadyResolved, alert, $"alert '{alertId}' is already resolved");
        Open.Remove(key);
        Latched.Add(key);
        var resolved = alert with { State = AlertState.Resolved, Revision = alert.Revision + 1, ChangedAt = now, ChangedBy = by };
        Remember(resolved);
        return new(AlertCommandStatus.Ok, resolved, null);
    }

    private (string? Key, Alert? Alert) Find(string alertId)
    {
        foreach (var (key, alert) in Open)
            if (alert.AlertId == alertId) return (key, alert);
        return (null, Recent.FindLast(a => a.AlertId == alertId));
    }

    private static AlertCommandResult Missing(string alertId) =>
        new(AlertCommandStatus.UnknownAlert, null, $"no alert '{alertId}' on this shelf");

    private void Remember(Alert resolved)
    {
        Recent.Add(resolved);
        if (Recent.Count > RecentLimit) Recent.RemoveAt(0);
    }
}
