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
