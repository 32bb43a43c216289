using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Client;

/// <summary>
/// One watch of a store's alerts. The store numbers every alert change and keeps a journal of the
/// recent ones; the watcher remembers the last number it yielded. Notifications are the fast path;
/// every <see cref="AlertWatchOptions.RenewInterval"/> it renews its registration and, in the same
/// call, fetches the changes after that number, so a store grain that reactivated (and forgot its
/// observers) or a lost notification costs at most one interval, never an alert.
/// A change number names the same change only while the store keeps it: a store silo killed after
/// it sent a change out but before it saved it numbers its next change the same. So each renewal
/// also fetches the last change yielded and checks that the store still has it; when it does not,
/// the store's history has moved under the watch and the watch ends with a gap.
/// </summary>
internal sealed class AlertWatcher(IStoreGrain store, string storeId, long afterChange, AlertWatchOptions options) : IAlertObserver
{
    private readonly Channel<AlertChange> _channel = Channel.CreateUnbounded<AlertChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _time = options.Time;
    private long _last = afterChange;
    private AlertChange? _lastChange;
    private int _failures;
    private DateTimeOffset _renewAt = DateTimeOffset.MinValue;

    public void OnAlertChange(AlertChange change) => _channel.Writer.TryWrite(change);

    /// <summary>Yields every change after <paramref name="afterChange"/> (-1: from now) until cancelled.</summary>
    public static async IAsyncEnumerable<Alert> Watch(IGrainFactory grains, IStoreGrain store, string storeId, long afterChange, AlertWatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = new AlertWatcher(store, storeId, afterChange, options);
        var reference = grains.CreateObjectReference<IAlertObserver>(watcher);
        try
        {
            while (await watcher.NextAsync(reference, cancellationToken) is { } alerts)
            {
                foreach (var alert in alerts) yield return alert;
            }
        }
        finally
        {
            try
            {
                await store.Unsubscribe(reference).WaitAsync(options.RenewInterval, options.Time, CancellationToken.None);
            }
            catch (Exception)
            {
                // The store may be gone; its lease on this observer runs out by itself.
            }
            grains.DeleteObjectReference<IAlertObserver>(reference);
        }
    }

    /// <summary>The next changes to yield, in order; null once cancelled.</summary>
    /// <exception cref="AlertWatchGapException">The store no longer has the changes after the last one yielded.</exception>
    /// <exception cref="AlertWatchFailedException">Renewals failed <see cref="AlertWatchOptions.MaxRenewFailures"/> times in a row.</exception>
    private async Task<IReadOnlyList<Alert>?> NextAsync(IAlertObserver reference, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (_time.GetUtcNow() >= _renewAt)
            {
                _renewAt = _time.GetUtcNow() + options.RenewInterval;
                if (await RenewAsync(reference, ct) is { } feed)
                {
                    if (feed.Gap) throw new AlertWatchGapException(storeId, _last, feed.Latest, feed.OpenAlerts);
                    if (_last < 0) _last = feed.Latest;
                    var caughtUp = Accept(feed.Changes);
                    if (caughtUp.Count > 0) return caughtUp;
                }
                continue;
            }
            var notified = new List<AlertChange>();
            while (_channel.Reader.TryRead(out var change)) notified.Add(change);
            if (notified.Count > 0)
            {
                var alerts = Accept(notified);
                if (alerts.Count > 0) return alerts;
                continue;
            }
            await WaitAsync(_renewAt - _time.GetUtcNow(), ct);
        }
        return null;
    }

    /// <summary>
    /// The changes that follow the last one yielded. Before the first renewal nothing is known to
    /// follow; a missing number means a notification was lost or overtaken, so the next renewal
    /// is brought forward to fetch the rest from the journal.
    /// </summary>
    private List<Alert> Accept(IEnumerable<AlertChange> changes)
    {
        var alerts = new List<Alert>();
        if (_last < 0) return alerts;
        foreach (var change in changes.OrderBy(c => c.Number))
        {
            if (change.Number <= _last) continue;
            if (change.Number != _last + 1)
            {
                _renewAt = DateTimeOffset.MinValue;
                break;
            }
            alerts.Add(change.Alert);
            _last = change.Number;
            _lastChange = change;
        }
        return alerts;
    }

    private async Task<AlertFeed?> RenewAsync(IAlertObserver reference, CancellationToken ct)
    {
        try
        {
            // From the last change yielded, not after it, so that the feed shows whether the store still has it.
            var from = _lastChange is { } seen ? seen.Number - 1 : _last;
            var feed = await store.Watch(reference, from).WaitAsync(options.RenewInterval, _time, ct);
            if (!feed.Gap && _lastChange is { } last && !feed.Changes.Any(c => c.Number == last.Number && c.Alert == last.Alert))
            {
                // The store no longer has the last change yielded under its number. Asking for the
                // changes after the end of its history returns a gap: its open alerts and latest
                // number, as one snapshot.
                feed = await store.Watch(reference, long.MaxValue).WaitAsync(options.RenewInterval, _time, ct);
            }
            _failures = 0;
            return feed;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            if (++_failures >= options.MaxRenewFailures) throw new AlertWatchFailedException(storeId, _failures, ex);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken ct)
    {
        if (wait <= TimeSpan.Zero) return;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var notified = _channel.Reader.WaitToReadAsync(done.Token).AsTask();
        var due = Task.Delay(wait, _time, done.Token);
        await Task.WhenAny(notified, due);
        await done.CancelAsync();
        // Both end as completed or cancelled; neither carries an error to observe.
        await Task.WhenAll(notified, due).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
