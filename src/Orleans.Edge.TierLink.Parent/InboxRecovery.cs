using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>
/// After start, wakes every origin's inbound log so it publishes again, in pages and at the
/// consumer's pace, what it accepted but its consumer had not confirmed: events acked to a child
/// before a crash are applied after it (the consumer drops what it had already applied). It runs
/// in the background: however much a log holds, start-up never waits for it, nor fails because of it.
/// </summary>
public sealed partial class InboxRecovery(IGrainFactory grains, EdgeIdentity identity, ILogger<InboxRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> origins;
        try
        {
            origins = await grains.GetGrain<IInboxDirectoryGrain>(identity.Origin).GetOrigins().WaitAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, "the inbox directory", ex.Message);
            return;
        }
        foreach (var origin in origins)
        {
            try
            {
                var held = await grains.GetGrain<ILinkInboxGrain>(origin).Replay().WaitAsync(stoppingToken);
                if (held > 0) LogReplaying(logger, origin, held);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // That log's own timer, or its child's next batch, wakes it later.
                LogFailed(logger, ex, origin, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound log of {Origin} holds {Count} unconfirmed events after a restart; publishing them again")]
    private static partial void LogReplaying(ILogger logger, string origin, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the inbound log of {Origin} after a restart: {Error}")]
    private static partial void LogFailed(ILogger logger, Exception ex, string origin, string error);
}
