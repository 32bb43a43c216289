using Orleans.Edge.Domain;

namespace Orleans.Edge.Client;

/// <summary>Base of every error the store SDK raises for misuse or an unreachable store.</summary>
public class EdgeClientException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The store has no shelf with this id.</summary>
public sealed class UnknownShelfException(string storeId, string shelfId)
    : EdgeClientException($"store '{storeId}' has no shelf '{shelfId}'; provision it first or check the id")
{
    /// <summary>The shelf asked for.</summary>
    public string ShelfId { get; } = shelfId;
}

/// <summary>The store has no alert with this id.</summary>
public sealed class UnknownAlertException(string storeId, string alertId, string? detail = null)
    : EdgeClientException(detail ?? $"store '{storeId}' has no alert '{alertId}'")
{
    /// <summary>The alert asked for.</summary>
    public string AlertId { get; } = alertId;
}

/// <summary>The alert was already resolved; nothing changed.</summary>
public sealed class AlertAlreadyResolvedException(Alert alert)
    : EdgeClientException($"alert '{alert.AlertId}' was already resolved by {alert.ChangedBy} at {alert.ChangedAt:O}")
{
    /// <summary>The alert as it stands.</summary>
    public Alert Alert { get; } = alert;
}

/// <summary>The store rejected a reading; nothing was stored.</summary>
public sealed class InvalidReadingException(SensorReading reading, ReadingRejection reason, string message)
    : EdgeClientException(message)
{
    /// <summary>The rejected reading.</summary>
    public SensorReading Reading { get; } = reading;

    /// <summary>Why it was rejected.</summary>
    public ReadingRejection Reason { get; } = reason;
}

/// <summary>A shelf set-up was refused; nothing changed.</summary>
public sealed class InvalidSetupException(string shelfId, IReadOnlyList<string> problems)
    : EdgeClientException($"shelf '{shelfId}' cannot be provisioned: {string.Join("; ", problems)}")
{
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// An alert watch can no longer account for every change: the store's journal does not reach
/// back to the last change the watch delivered (it was trimmed while the watcher was away, or the
/// store's storage was reset), or the store no longer has that change at all (its silo was killed
/// after sending the change out but before saving it, and the number now names another change or
/// none). The watch ends; what it delivered since the last change the store kept may not be in the
/// store's history. <see cref="OpenAlerts"/> is the store's open alerts
/// as of change <see cref="ResumeAfter"/>: reconcile with them, then watch again with
/// <see cref="EdgeStoreClient.WatchAlertsAsync(long, CancellationToken)"/> from <see cref="ResumeAfter"/>
/// to miss nothing after the snapshot.
/// </summary>
public sealed class AlertWatchGapException(string storeId, long lastDelivered, long resumeAfter, IReadOnlyList<Alert> openAlerts)
    : EdgeClientException($"store '{storeId}' no longer has the alert changes after #{lastDelivered}; reconcile with its {openAlerts.Count} open alerts and watch again from change #{resumeAfter}")
{
    /// <summary>The last change number the watch delivered.</summary>
    public long LastDelivered { get; } = lastDelivered;

    /// <summary>The store's change number at the snapshot.</summary>
    public long ResumeAfter { get; } = resumeAfter;

    /// <summary>The store's open alerts at the snapshot, oldest first.</summary>
    public IReadOnlyList<Alert> OpenAlerts { get; } = openAlerts;
}

/// <summary>
/// An alert watch could not renew its registration with the store
/// <see cref="AlertWatchOptions.MaxRenewFailures"/> times in a row (store silo down, unreachable):
/// changes may be passing it by, so the watch ends rather than wait silently.
/// </summary>
public sealed class AlertWatchFailedException(string storeId, int failures, Exception lastError)
    : EdgeClientException($"alert watch of store '{storeId}' lost: {failures} renewals in a row failed, the last with {lastError.GetType().Name}: {lastError.Message}", lastError)
{
    /// <summary>Renewals that failed in a row.</summary>
    public int Failures { get; } = failures;
}

/// <summary>
/// A planogram (a file, or a list of shelf set-ups) was refused. Checking covers the whole
/// planogram before anything is sent; a batch the store refuses changes nothing, but batches
/// before it stay provisioned (<see cref="ShelvesProvisioned"/>), and provisioning the planogram
/// again once fixed finishes the job.
/// </summary>
public sealed class InvalidPlanogramException(string source, IReadOnlyList<string> problems, int shelvesProvisioned = 0)
    : EdgeClientException(Describe(source, problems, shelvesProvisioned))
{
    /// <summary>Every problem found, e.g. "line 7, field max_value: ...".</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>Shelves provisioned before the refused batch (0 when the check failed up front).</summary>
    public int ShelvesProvisioned { get; } = shelvesProvisioned;

    private static string Describe(string source, IReadOnlyList<string> problems, int done)
    {
        const int Shown = 20;
        var text = $"planogram {source} cannot be provisioned ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}"
            + (done > 0 ? $"; {done} shelves before the refused batch were provisioned" : "; nothing was provisioned") + "): "
            + string.Join("; ", problems.Take(Shown));
        return problems.Count > Shown ? $"{text}; and {problems.Count - Shown} more" : text;
    }
}

/// <summary>Why a store could not be reached; see <see cref="StoreUnreachableException"/>.</summary>
public enum StoreUnreachableReason
{
    /// <summary>The gateway answered, but it belongs to another cluster (another store, or a region): the store id or gateway is wrong.</summary>
    WrongCluster,

    /// <summary>Nothing listens at the gateway (the store's silo is not running, or the port is wrong).</summary>
    Refused,

    /// <summary>No gateway answered within <see cref="StoreClientOptions.ConnectTimeout"/>.</summary>
    Timeout,
}

/// <summary>
/// A store app could not connect to its store. Wrong-cluster and refused connections are reported
/// at the first attempt, not after the connect timeout; the message names the store, the gateways
/// and the cause.
/// </summary>
public sealed class StoreUnreachableException(string storeId, IReadOnlyList<string> gateways, StoreUnreachableReason reason, string cause, Exception? inner = null)
    : EdgeClientException($"could not connect to store '{storeId}' at {string.Join(", ", gateways)}: {Describe(reason)}: {cause}", inner)
{
    /// <summary>The store asked for.</summary>
    public string StoreId { get; } = storeId;

    /// <summary>The gateways tried.</summary>
    public IReadOnlyList<string> Gateways { get; } = gateways;

    /// <summary>Why it failed.</summary>
    public StoreUnreachableReason Reason { get; } = reason;

    private static string Describe(StoreUnreachableReason reason) => reason switch
    {
        StoreUnreachableReason.WrongCluster => "the gateway belongs to another cluster (check the store id and the gateway address)",
        StoreUnreachableReason.Refused => "connection refused (is the store's silo running, is the port right?)",
        _ => "timed out",
    };
}
