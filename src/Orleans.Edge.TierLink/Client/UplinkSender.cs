using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.TierLink.Outbox;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Client;

/// <summary>
/// Drains the outbox to the parent: one batch in flight at a time (so order within each lane of
/// the origin holds), the priority lane first (so alerts overtake a backlog of summaries),
/// trimming only what the parent acked, retrying with capped, jittered backoff.
/// </summary>
public sealed partial class UplinkSender(
    IOutbox outbox,
    ParentLink link,
    IOptions<TierLinkClientOptions> options,
    TimeProvider time,
    ILogger<UplinkSender> logger) : BackgroundService
{
    private static readonly WriteOptions NoCompress = new(WriteFlags.NoCompress);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new Backoff(o.InitialBackoff, o.MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await outbox.WaitForEntriesAsync(stoppingToken);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                // gzip is negotiated for the session but used only on batches big enough to gain from
                // it (see docs/benchmarks/link-compression.md): small ones grow when compressed.
                using var call = link.Client.Uplink(new Grpc.Core.Metadata { { "grpc-internal-encoding-request", "gzip" } }, cancellationToken: session.Token);
                var first = true;
                // Always one read pending: it completes with the next ack, or, while the link is idle,
                // as soon as the session dies (a reset, or keepalive pings that go unanswered).
                var read = call.ResponseStream.MoveNext(session.Token);
                while (true)
                {
                    var more = outbox.WaitForEntriesAsync(stoppingToken);
                    if (await Task.WhenAny(more, read) == read)
                    {
                        await read;   // throws why the link died
                        throw new IOException("the parent sent an ack for nothing, or closed the uplink session");
                    }
                    await more;
                    var entries = outbox.Peek(o.MaxBatchEvents);
                    // Child id and epoch go with the session's first batch only; the parent remembers them.
                    var batch = first ? new P.UpBatch { ChildId = o.ChildId, Epoch = (ulong)outbox.Epoch } : new P.UpBatch();
                    first = false;
                    batch.Events.AddRange(entries.Select(e => e.Message));
                    var compress = entries.Count >= o.CompressFromEvents;
                    link.Status.OnSent(entries.Count, batch.CalculateSize(), compress);
                    call.RequestStream.WriteOptions = compress ? null : NoCompress;
                    await call.RequestStream.WriteAsync(batch, stoppingToken);
                    // An ack that does not come in time means a dead link: end the session and start over.
                    session.CancelAfter(o.PushTimeout);
                    if (!await read)
                        throw new IOException("the parent closed the uplink session");
                    session.TryReset();
                    var ack = call.ResponseStream.Current;
                    read = call.ResponseStream.MoveNext(session.Token);
                    ulong[] acked = [ack.AckedThrough, ack.BulkAckedThrough];
                    for (var lane = 0; lane < acked.Length; lane++) await outbox.AckAsync(lane, (long)acked[lane], stoppingToken);
                    link.Status.OnAcked(entries.Count(e => (ulong)e.Sequence <= acked[e.Lane]), ack.Duplicates);
                    if (!link.Status.Connected) LogConnected(logger, o.ChildId, o.ParentAddress!);
                    link.Status.Connected = true;
                    link.Status.LastError = null;
                    backoff.Reset();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException or OperationCanceledException)
            {
                await Failed(ex, backoff, stoppingToken);
            }
        }
    }

    /// <summary>A graceful stop first lets a working link drain the outbox, up to <see cref="TierLinkClientOptions.FlushOnStop"/>.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var flush = Task.Delay(options.Value.FlushOnStop, time, cancellationToken);
        var left = outbox.Count;
        while (link.Status.Connected && outbox.Count > 0 && !flush.IsCompleted) await Task.WhenAny(Task.Delay(20, CancellationToken.None), flush);
        if (left > 0) LogFlushed(logger, options.Value.ChildId, left - outbox.Count, outbox.Count);
        await base.StopAsync(cancellationToken);
    }

    private async Task Failed(Exception ex, Backoff backoff, CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (link.Status.Connected || link.Status.LastError is null) LogDown(logger, o.ChildId, o.ParentAddress!, outbox.Count, ex.Message);
        link.Status.Connected = false;
        link.Status.LastError = ex.Message;
        link.Status.OnRetry();
        try
        {
            await Task.Delay(backoff.Next(), time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink of {Child} flushed {Sent} events on stop; {Left} stay in the outbox")]
    private static partial void LogFlushed(ILogger logger, string child, int sent, int left);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink of {Child} to {Parent} is up")]
    private static partial void LogConnected(ILogger logger, string child, Uri parent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uplink of {Child} to {Parent} is down with {Queued} events queued: {Error}")]
    private static partial void LogDown(ILogger logger, string child, Uri parent, int queued, string error);
}
