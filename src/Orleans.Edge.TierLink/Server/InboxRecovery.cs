using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;

namespace Orleans.Edge.TierLink.Server;

/// <summary>
/// At start, publishes again what every origin's inbound log accepted but its consumer had not
/// confirmed: events acked to a child before a crash are applied after it (the consumer drops
/// what it had already applied).
/// </summary>
public sealed partial class InboxRecovery(IGrainFactory grains, IOptions<TierLinkServerOptions> options, ILogger<InboxRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var origins = await grains.GetGrain<IInboxDirectoryGrain>(options.Value.InboundKey).GetOrigins();
        foreach (var origin in origins)
        {
            var replayed = await grains.GetGrain<ILinkInboxGrain>(origin).Replay();
            if (replayed > 0) LogReplayed(logger, origin, replayed);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} unconfirmed events of {Origin} after a restart")]
    private static partial void LogReplayed(ILogger logger, string origin, int count);
}
