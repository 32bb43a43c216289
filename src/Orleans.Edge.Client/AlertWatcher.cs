using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Client;

/// <summary>Receives alert changes from the store grain and queues them for an async enumerator.</summary>
internal sealed class AlertWatcher : IAlertObserver
{
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(30);
    private readonly Channel<Alert> _channel = Channel.CreateUnbounded<Alert>(new UnboundedChannelOptions { SingleReader = true });

    public void OnAlertChanged(Alert alert) => _channel.Writer.TryWrite(alert);

    /// <summary>Subscribes, yields every change until cancelled, renewing the subscription as it goes.</summary>
    public static async IAsyncEnumerable<Alert> Watch(IGrainFactory grains, IStoreGrain store, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = new AlertWatcher();
        var reference = grains.CreateObjectReference<IAlertObserver>(watcher);
        using var renewCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await store.Subscribe(reference);
        var renewing = RenewLoop(store, reference, renewCts.Token);
        try
        {
            while (true)
            {
                Alert alert;
                try
                {
                    alert = await watcher._channel.Reader.ReadAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                yield return alert;
            }
        }
        finally
        {
            await renewCts.CancelAsync();
            await renewing;
            try
            {
                await store.Unsubscribe(reference);
            }
            catch (Exception)
            {
                // The store may be gone; its lease on this observer runs out by itself.
            }
            grains.DeleteObjectReference<IAlertObserver>(reference);
        }
    }

    private static async Task RenewLoop(IStoreGrain store, IAlertObserver reference, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Renew, ct);
                await store.Subscribe(reference);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // Store briefly unreachable: try again at the next renewal.
            }
        }
    }
}
