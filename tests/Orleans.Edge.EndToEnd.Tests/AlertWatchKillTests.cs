using Xunit.Abstractions;
using System.Collections.Concurrent;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The alert watch's contract across a SIGKILL of the store silo process: it delivers every alert
/// change in order, resuming after the last one it delivered once the store is back, or it throws
/// <see cref="AlertWatchGapException"/>, whose open alerts and resume point account for everything.
/// It never skips a change silently.
/// </summary>
public sealed class AlertWatchKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Shelves = 40;
    private const int Raisers = 4;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-watch-kill-").FullName;

    [Fact]
    public async Task WatchAlerts_StoreProcessKilledWhileAlertsAreRaised_DeliversEveryChangeInOrder_OrThrowsGap()
    {
        var gateway = $"127.0.0.1:{FreePorts.Next()}";
        var args = $"--tier store --id wk-s1 --region wk --parent https://127.0.0.1:{FreePorts.Next()} " +
                   $"--silo-port {FreePorts.Next()} --gateway-port {gateway.Split(':')[1]} --data-dir {_dataDir}";
        var store = await TierProcess.StartAsync(args);
        try
        {
            var options = new StoreClientOptions
            {
                StoreId = "wk-s1", ConnectTimeout = TimeSpan.FromSeconds(20),
                // The default renewal interval, and enough renewals to outlast the restart: the watch's only ways out are the documented ones.
                AlertWatch = new AlertWatchOptions { RenewInterval = TimeSpan.FromSeconds(5), MaxRenewFailures = 12 },
            };
            options.Gateways.Add(gateway);
            await using var client = await EdgeStoreClient.ConnectAsync(options);
            var cells = Enumerable.Range(1, Shelves).Select(i => new SensorId($"wk-{i}-lc")).ToArray();
            await client.ProvisionShelvesAsync(cells.Select((cell, i) => new ShelfSetup(new ShelfId($"wk-{i + 1}"),
                new PlanogramEntry($"sku-{i + 1}", 100, 500, 10), [new SensorSpec(cell, new ShelfId($"wk-{i + 1}"), SensorKind.LoadCell, 20_000)])));

            // A fresh store has made no alert change yet: watching after change 0 is watching everything.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var delivered = new ConcurrentQueue<Alert>();
            var watch = Collect(client.WatchAlertsAsync(0, stop.Token), delivered);

            // Raisers empty the shelves one by one (two alerts each), retrying through the outage.
            var next = -1;
            var emptied = 0;
            var raisers = Enumerable.Range(0, Raisers).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < Shelves; i = Interlocked.Increment(ref next))
                {
                    await Retry(ct => client.SubmitReadingAsync(new SensorReading(cells[i], 500, DateTimeOffset.UtcNow), ct), stop.Token);
                    Interlocked.Increment(ref emptied);
                }
            })).ToArray();

            await Eventually.Get(() => Task.FromResult(Volatile.Read(ref emptied)), n => n >= Shelves / 4, "a quarter of the shelves emptied", TimeSpan.FromSeconds(30));
            Assert.False(watch.IsCompleted, $"the watch ended before the kill: {watch.Exception}");
            var emptiedAtKill = Volatile.Read(ref emptied);
            store.Kill();   // SIGKILL while the raisers are mid-flight
            await store.DisposeAsync();
            store = await TierProcess.StartAsync(args);
            await Task.WhenAll(raisers).WaitAsync(TimeSpan.FromSeconds(40));

            // Every shelf is empty and its two alerts are open at the store: that is what must have been heard of.
            var open = await Eventually.Get(() => Retry(client.GetOpenAlertsAsync, stop.Token),
                a => a.Count(x => x.Type is AlertType.LowStock or AlertType.OutOfStock) == 2 * Shelves, "both alerts of every shelf open", TimeSpan.FromSeconds(20));

            // The store's own journal, replayed by a second watch: the order the live watch must have followed.
            var journal = new ConcurrentQueue<Alert>();
            using var replayStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var replay = Collect(client.WatchAlertsAsync(0, replayStop.Token), journal);

            // Bounded: a watch that skipped an alert would wait here forever; the assertions below then say which.
            var settled = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!(watch.IsCompleted || (Covers(delivered, open) && journal.Count >= delivered.Count)) && DateTime.UtcNow < settled)
                await Task.Delay(50);

            output.WriteLine($"emptied before the kill: {emptiedAtKill}; delivered {delivered.Count}, journal {journal.Count}, open {open.Count}; watch {watch.Status} {watch.Exception?.InnerException?.Message}");
            if (watch.IsFaulted)
            {
                // The documented way out: a gap, with a snapshot that accounts for everything the watch missed.
                var gap = Assert.IsType<AlertWatchGapException>(watch.Exception!.InnerException);
                Assert.Equal(delivered.Count, gap.LastDelivered);   // numbers are contiguous from 1: the last one delivered
                Assert.True(gap.ResumeAfter >= 0);
                // Warranted: the store's history (its whole journal, replayed in one batch) is not what the watch delivered.
                await Eventually.Get(() => Task.FromResult(journal.Count), n => n >= open.Count, "the journal replayed");
                Assert.NotEqual(Describe(journal.Take(delivered.Count)), Describe(delivered));
                // Reconcile with the snapshot, then watch again from its change number: nothing is missing.
                var resumed = new ConcurrentQueue<Alert>();
                using var resumeStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var again = Collect(client.WatchAlertsAsync(gap.ResumeAfter, resumeStop.Token), resumed);
                await Eventually.Get(() => Task.FromResult(Covers(gap.OpenAlerts.Concat(resumed), open)), c => c,
                    "the gap's open alerts and the resumed watch to cover every open alert", TimeSpan.FromSeconds(20));
                await resumeStop.CancelAsync();
                await again;
            }
            else
            {
                Assert.False(watch.IsCompleted, "the watch ended without an error before it was cancelled");
                var missing = open.Select(a => a.AlertId).Except(delivered.Select(a => a.AlertId)).ToList();
                Assert.True(missing.Count == 0, $"the watch neither delivered nor reported a gap for {string.Join(", ", missing)}");
                // No gap: the live watch delivered the store's changes exactly as the store journaled them.
                Assert.Equal(Describe(journal.Take(delivered.Count)), Describe(delivered));
                Assert.True(Covers(delivered, open));
            }
            await replayStop.CancelAsync();
            await replay;
            await stop.CancelAsync();
            await watch.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Whether every open alert's raise was delivered.</summary>
    private static bool Covers(IEnumerable<Alert> delivered, IEnumerable<Alert> open)
    {
        var seen = delivered.Select(a => a.AlertId).ToHashSet(StringComparer.Ordinal);
        return open.All(a => seen.Contains(a.AlertId));
    }

    private static List<string> Describe(IEnumerable<Alert> alerts) => [.. alerts.Select(a => $"{a.AlertId}#{a.Revision}:{a.State}")];

    /// <summary>Reads a watch into <paramref name="into"/> until it is cancelled (normal end) or throws (faulted task).</summary>
    private static Task Collect(IAsyncEnumerable<Alert> watch, ConcurrentQueue<Alert> into) => Task.Run(async () =>
    {
        try
        {
            await foreach (var alert in watch) into.Enqueue(alert);
        }
        catch (OperationCanceledException)
        {
        }
    });

    /// <summary>A call that fails while the store is down is tried again, each attempt bounded, until it succeeds.</summary>
    private static async Task<T> Retry<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                return await call(attempt.Token);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not EdgeClientException)
            {
                await Task.Delay(100, ct);   // the store is restarting; try again shortly
            }
        }
    }

    private static Task<bool> Retry(Func<CancellationToken, Task> call, CancellationToken ct) =>
        Retry(async t => { await call(t); return true; }, ct);

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
