using Microsoft.Extensions.Options;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;

namespace Orleans.Edge.StoreApp;

/// <summary>Provisions the planogram, if one is configured, then acknowledges every alert the store raises.</summary>
public sealed partial class AlertDesk(IEdgeStoreClient store, IOptions<StoreAppOptions> options, ILogger<AlertDesk> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.Planogram))
        {
            var shelves = await store.ProvisionPlanogramAsync(settings.Planogram, stoppingToken);
            LogProvisioned(store.StoreId, shelves, settings.Planogram);
        }

        LogWatching(store.StoreId);
        try
        {
            await foreach (var alert in store.WatchAlertsAsync(stoppingToken))
            {
                LogAlert(store.StoreId, alert.ShelfId.Value, alert.Type, alert.State, alert.AlertId);
                if (alert.State != AlertState.Raised) continue;
                try
                {
                    await store.AcknowledgeAsync(alert.AlertId, settings.AcknowledgeAs, stoppingToken);
                    LogAcknowledged(store.StoreId, alert.AlertId, settings.AcknowledgeAs);
                }
                catch (AlertAlreadyResolvedException)
                {
                    // Resolved (restocked) between the notification and the acknowledgement: nothing to do.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store}: provisioned {Shelves} shelves from {Planogram}")]
    private partial void LogProvisioned(string store, int shelves, string planogram);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store}: watching alerts")]
    private partial void LogWatching(string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store}, shelf {Shelf}: {Type} alert {State} ({AlertId})")]
    private partial void LogAlert(string store, string shelf, AlertType type, AlertState state, string alertId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store}: acknowledged {AlertId} as {By}")]
    private partial void LogAcknowledged(string store, string alertId, string by);
}
