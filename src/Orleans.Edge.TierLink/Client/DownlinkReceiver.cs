using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Client;

/// <summary>
/// Keeps a subscription open to the parent's policy stream, resuming after the last version the
/// child applied, and hands every batch to the tier's <see cref="IDownlinkTarget"/>.
/// </summary>
public sealed partial class DownlinkReceiver(
    IDownlinkTarget target,
    ParentLink link,
    IOptions<TierLinkClientOptions> options,
    TimeProvider time,
    ILogger<DownlinkReceiver> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new Backoff(o.InitialBackoff, o.MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var after = await target.GetAppliedVersionAsync(stoppingToken);
                using var call = link.Client.Subscribe(new P.SubscribeRequest
                {
                    ChildId = o.ChildId, RegionId = o.RegionId, StoreId = o.StoreId ?? "", AfterVersion = after,
                }, cancellationToken: stoppingToken);
                await foreach (var batch in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    var docs = batch.Documents.Select(LinkMapping.FromWire).ToList();
                    await target.ApplyAsync(docs, stoppingToken);
                    if (docs.Count > 0)
                    {
                        link.Status.PolicyVersionReceived = Math.Max(link.Status.PolicyVersionReceived, docs.Max(d => d.Version));
                        LogReceived(logger, o.ChildId, docs.Count, link.Status.PolicyVersionReceived);
                    }
                    backoff.Reset();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, o.ChildId, ex.Message);
                link.Status.OnRetry();
                try
                {
                    await Task.Delay(backoff.Next(), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downlink of {Child} received {Count} policy documents (now at v{Version})")]
    private static partial void LogReceived(ILogger logger, string child, int count, long version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Downlink of {Child} failed, retrying: {Error}")]
    private static partial void LogFailed(ILogger logger, string child, string error);
}
