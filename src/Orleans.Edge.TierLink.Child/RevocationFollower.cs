using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Trust;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Keeps this node's tier links on the deny-list its cluster holds (<see cref="IRevocationListGrain"/>:
/// revoked at the cloud, carried down by the downlinks): applied at once when it changes, and at start
/// from what the cluster saved, so a restarted node does not forget a revocation.
/// </summary>
public sealed partial class RevocationFollower(IGrainFactory grains, EdgeIdentity identity, LinkTrust trust, TimeProvider time, ILogger<RevocationFollower> logger)
    : BackgroundService
{
    /// <summary>Longest a follower waits on the grain before asking again.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    /// <summary>Longest a start waits for the first read of the list before the links open without it.</summary>
    public static readonly TimeSpan FirstReadWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Puts the list this cluster holds in force before the start goes on: hosted services start in
    /// order and the link listener opens last, so after a restart a revoked child meets the list from
    /// its first call. Storage that does not answer within <see cref="FirstReadWait"/> does not keep
    /// the cluster down: the start goes on, says so, and the loop keeps asking.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(FirstReadWait);
        try
        {
            while (true)
            {
                try
                {
                    await ApplyHeldAsync(wait.Token);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, identity.Origin, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, wait.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogFirstReadLate(logger, identity.Origin, FirstReadWait.TotalSeconds);
        }
        await base.StartAsync(cancellationToken);
    }

    private IRevocationListGrain List => grains.GetGrain<IRevocationListGrain>(identity.Origin);

    /// <summary>Puts the list this cluster holds in force on its links; returns its version.</summary>
    private async Task<long> ApplyHeldAsync(CancellationToken cancellationToken)
    {
        var current = await List.Get().WaitAsync(cancellationToken);
        trust.ApplyPublished(current.Version, current.Entries);
        return current.Version;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var version = await ApplyHeldAsync(stoppingToken);
                await List.WaitForChange(version, MaxWait, stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The silo may not be up yet, or a storage read failed: what is in force stays, and it asks again.
                if (failures++ == 0) LogFailed(logger, identity.Origin, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, failures)), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Cluster} could not read its deny-list within {Seconds} s of starting; its links open with the revocations files only, and it keeps asking")]
    private static partial void LogFirstReadLate(ILogger logger, string cluster, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster} could not read its deny-list ({Error}); retrying")]
    private static partial void LogFailed(ILogger logger, string cluster, string error);
}
