using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Keeps the cluster's uplink owned: every few seconds every silo claims the
/// <see cref="IUplinkOwnerGrain"/>, which activates it (here, if nowhere else) after its silo died.
/// On a graceful stop it gives up the uplink this silo holds, so another can take it at once.
/// </summary>
internal sealed partial class UplinkClaimer(
    IGrainFactory grains,
    UplinkOwnership ownership,
    EdgeIdentity identity,
    TimeProvider time,
    ILogger<UplinkClaimer> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var owner = grains.GetGrain<IUplinkOwnerGrain>(identity.Origin);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var at = await owner.Claim().WaitAsync(TimeSpan.FromSeconds(10), stoppingToken);
                LogClaimed(logger, identity.Origin, at);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The owner's silo just died and the cluster has not declared it dead yet: try again shortly.
                LogClaimFailed(logger, identity.Origin, ex.Message);
            }
            try
            {
                await Task.Delay(Period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ownership.ReleaseAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Uplink of {Child} is owned by silo {Silo}")]
    private static partial void LogClaimed(ILogger logger, string child, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not claim the uplink of {Child} yet: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string child, string error);
}
