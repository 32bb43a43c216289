using Microsoft.Extensions.Logging;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using System.Diagnostics;
using Orleans.Runtime;

namespace Orleans.Edge.RetailDemo;

/// <summary>
/// One simulated store: load cells at the configured rate and cameras that send synthetic frames
/// (the Vision generator, in the store's own camera domain, showing the shelf's simulated stock) at
/// <c>--frame-hz</c> under shoppers who take items, and staff who watch alerts through the SDK, acknowledge them and restock. Now and
/// then a sensor glitches (NaN, negative, unknown id) so the store's validation shows. When the
/// store's cluster crashes, sensors and staff keep trying until <see cref="ReconnectAsync"/> hands
/// them a client of its next life.
/// </summary>
public sealed class StoreSimulator(LocalFleet fleet, string storeId, EdgeStoreClient client, DemoOptions options, int seed, FrameStats frames) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);
    private static readonly (string Sku, double UnitGrams, int Capacity)[] Catalogue =
    [
        ("cola-330ml", 350, 24), ("crisps-150g", 160, 16), ("soap-bar", 100, 20), ("rice-1kg", 1010, 12),
        ("olive-oil-500ml", 520, 12), ("coffee-250g", 265, 18), ("pasta-500g", 505, 20), ("tea-80", 260, 16),
    ];
    private const double TareGrams = 800;

    private readonly Random _rng = new(seed);
    private readonly List<ShelfSim> _shelves = [];
    private long _accepted;
    private long _rejected;
    private long _rawBytes;
    private long _restocks;
    private long _rawSequence;
    private long _unsent;
    private EdgeStoreClient _client = client;
    private CancellationTokenSource _life = new();

    private sealed class ShelfSim(ShelfId id, SensorId cell, SensorId camera, PlanogramEntry planogram, double takesPerSecond, StockedFrameGenerator frames)
    {
        public StockedFrameGenerator Frames { get; } = frames;
        public ShelfId Id { get; } = id;
        public SensorId Cell { get; } = cell;
        public SensorId Camera { get; } = camera;
        public PlanogramEntry Planogram { get; } = planogram;
        public double TakesPerSecond { get; } = takesPerSecond;
        public int Units;
        public int RestockScheduled;
    }

    public string StoreId => storeId;
    public EdgeTierHost Host => fleet[storeId];
    public EdgeStoreClient Client => Volatile.Read(ref _client);

    /// <summary>Readings the sensors could not hand to the store because its cluster was down.</summary>
    public long Unsent => Interlocked.Read(ref _unsent);
    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long RawReadingBytes => Interlocked.Read(ref _rawBytes);
    public long Restocks => Interlocked.Read(ref _restocks);

    /// <summary>Connects to the store's restarted cluster; staff pick up what is open there.</summary>
    public async Task ReconnectAsync()
    {
        var fresh = await ConnectAsync(Host);
        var old = Interlocked.Exchange(ref _client, fresh);
        var oldLife = Interlocked.Exchange(ref _life, new CancellationTokenSource());
        await oldLife.CancelAsync();
        oldLife.Dispose();
        _ = Task.Run(async () => await old.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }));
    }

    /// <summary>
    /// A store app's client. Only errors are shown: a client whose store crashed in a chaos drill
    /// warns about its dead gateway until it is replaced, which is the drill working.
    /// </summary>
    public static Task<EdgeStoreClient> ConnectAsync(EdgeTierHost store)
    {
        var options = new StoreClientOptions { StoreId = store.Id, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error) };
        options.Gateways.Add($"127.0.0.1:{store.Settings.GatewayPort}");
        return EdgeStoreClient.ConnectAsync(options);
    }

    /// <summary>Disconnects from the store.</summary>
    public async ValueTask DisposeAsync()
    {
        _life.Dispose();
        await Client.DisposeAsync();
    }

    /// <summary>Provisions the store's shelves, each with a load cell and a camera, and stocks them.</summary>
    public async Task ProvisionAsync()
    {
        for (var i = 0; i < options.ShelvesPerStore; i++)
        {
            var (sku, unitGrams, capacity) = Catalogue[i % Catalogue.Length];
            var shelf = new ShelfId($"aisle{i / 4 + 1}-shelf{i % 4 + 1}");
            var cell = new SensorId($"{shelf}-lc");
            var camera = new SensorId($"{shelf}-cam");
            var planogram = new PlanogramEntry(sku, unitGrams, TareGrams, capacity);
            await Client.ProvisionShelfAsync(new ShelfSetup(shelf, planogram,
            [
                new SensorSpec(cell, shelf, SensorKind.LoadCell, TareGrams + unitGrams * capacity * 2),
                new SensorSpec(camera, shelf, SensorKind.Camera, 1),
            ]));
            // A store in mid-afternoon: shelves between a third full and full, each emptied by
            // shoppers in 1–3 minutes (a busy day compressed), so a short run sees alerts and restocks.
            var fill = (int)Math.Round(capacity * (0.35 + _rng.NextDouble() * 0.65));
            var view = ShelfCamera.FromSkus(camera.ToString(), Enumerable.Repeat(sku, ShelfVisionContract.Slots).ToArray());
            var frameGenerator = new StockedFrameGenerator(CameraDomain.ForStore(storeId), (ulong)(seed * 1000 + i), view);
            _shelves.Add(new ShelfSim(shelf, cell, camera, planogram, capacity / (60 + _rng.NextDouble() * 120), frameGenerator) { Units = fill });
        }
    }

    /// <summary>Runs shoppers, sensors and staff until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(SensorLoop(cancellationToken), CameraLoop(cancellationToken), StaffLoop(cancellationToken));

    private async Task SensorLoop(CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(1 / options.ReadingHz);
        try
        {
            // Real stores' sensors are not in phase with each other's: start at a random point of the period.
            await Task.Delay(period * _rng.NextDouble(), ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = DateTimeOffset.UtcNow;
                var readings = new List<SensorReading>(_shelves.Count * 2 + 1);
                foreach (var shelf in _shelves)
                {
                    Shop(shelf, period);
                    var units = Volatile.Read(ref shelf.Units);
                    var grams = TareGrams + units * shelf.Planogram.UnitWeightGrams + (_rng.NextDouble() - 0.5) * 3;
                    readings.Add(new SensorReading(shelf.Cell, Math.Round(grams, 2), now));
                }
                if (_rng.NextDouble() < 0.02) readings.Add(Glitch(now));
                IReadOnlyList<IngestResult> results;
                try
                {
                    results = await Client.SubmitReadingsAsync(readings, ct).WaitAsync(CallTimeout, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The store's cluster is down (a chaos drill crashed it): these readings are not taken.
                    Interlocked.Add(ref _unsent, readings.Count);
                    continue;
                }
                for (var i = 0; i < results.Count; i++)
                {
                    if (results[i].IsAccepted)
                    {
                        Interlocked.Increment(ref _accepted);
                        Interlocked.Add(ref _rawBytes, LinkMapping.RawReadingSize(++_rawSequence, readings[i]));
                    }
                    else
                    {
                        Interlocked.Increment(ref _rejected);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Every camera sends a frame of its shelf per period, all of a store's cameras at once; each
    /// frame's result (or failure) is counted, with the per-slot truth it is judged against.
    /// </summary>
    private async Task CameraLoop(CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(1 / options.FrameHz);
        var rng = new Random(seed ^ 0x5EED);
        try
        {
            await Task.Delay(period * rng.NextDouble(), ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using var timer = new PeriodicTimer(period);
        var index = 0L;
        var slots = new int[ShelfVisionContract.Slots];
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                index++;
                var sends = new List<Task>(_shelves.Count);
                foreach (var shelf in _shelves)
                {
                    SlotsOf(shelf, slots);
                    var rgb = new byte[ShelfVisionContract.FrameBytes];
                    var truth = shelf.Frames.GenerateInto(index, slots, rgb);
                    var frame = new CameraFrame(shelf.Camera.ToString(), DateTimeOffset.UtcNow, ShelfVisionContract.Width, ShelfVisionContract.Height, rgb);
                    sends.Add(Send(frame, truth));
                }
                await Task.WhenAll(sends);
            }
        }
        catch (OperationCanceledException)
        {
        }

        async Task Send(CameraFrame frame, SlotTruth[] truth)
        {
            frames.OnSubmitted(frame.Rgb.Length);
            var watch = Stopwatch.StartNew();
            try
            {
                // Not cancelled with the run: a frame submitted is always answered, so the count stays exact.
                var result = await Client.SubmitFrameAsync(frame, CancellationToken.None).WaitAsync(CallTimeout, CancellationToken.None);
                frames.OnResult(result, truth, watch.Elapsed.TotalMilliseconds);
            }
            catch (Exception)
            {
                // The store's cluster is down (a chaos drill crashed it) or did not answer in time.
                frames.OnFailed();
            }
        }
    }

    /// <summary>
    /// The camera's 8 slots × 4 deep as the shelf's stock: the shelf's fill fraction of 32 units,
    /// slots filled from the left, so ground truth follows what shoppers took and staff restocked.
    /// </summary>
    private static void SlotsOf(ShelfSim shelf, int[] slots)
    {
        var depth = shelf.Frames.Depth;
        var units = (int)Math.Round((double)Volatile.Read(ref shelf.Units) / shelf.Planogram.CapacityUnits * slots.Length * depth);
        for (var s = 0; s < slots.Length; s++)
        {
            slots[s] = Math.Clamp(units, 0, depth);
            units -= slots[s];
        }
    }

    private void Shop(ShelfSim shelf, TimeSpan period)
    {
        if (_rng.NextDouble() >= shelf.TakesPerSecond * period.TotalSeconds) return;
        var take = _rng.Next(1, 3);
        int current, next;
        do
        {
            current = Volatile.Read(ref shelf.Units);
            next = Math.Max(0, current - take);
        }
        while (Interlocked.CompareExchange(ref shelf.Units, next, current) != current);
    }

    private SensorReading Glitch(DateTimeOffset now)
    {
        var shelf = _shelves[_rng.Next(_shelves.Count)];
        return _rng.Next(3) switch
        {
            0 => new SensorReading(shelf.Cell, double.NaN, now),
            1 => new SensorReading(shelf.Cell, -42, now),
            _ => new SensorReading(new SensorId("unplugged-sensor"), 1000, now),
        };
    }

    private async Task StaffLoop(CancellationToken ct)
    {
        var restocks = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            var life = Volatile.Read(ref _life);
            try
            {
                using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct, life.Token);
                var client = Client;
                // Whatever is open already (e.g. raised while this store's cluster was restarting) first.
                foreach (var open in await client.GetOpenAlertsAsync(watch.Token).WaitAsync(CallTimeout, watch.Token)) Consider(open);
                await foreach (var alert in client.WatchAlertsAsync(watch.Token)) Consider(alert);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The store is down or the client was replaced: try again shortly, on whichever client is current.
                try { await Task.Delay(500, ct); } catch (OperationCanceledException) { }
            }
            catch (OperationCanceledException)
            {
            }
        }
        await Task.WhenAll(restocks);

        void Consider(Alert alert)
        {
            if (alert is not { State: AlertState.Raised or AlertState.Acknowledged, Type: AlertType.LowStock or AlertType.OutOfStock }) return;
            var shelf = _shelves.Find(s => s.Id == alert.ShelfId);
            if (shelf is null || Interlocked.Exchange(ref shelf.RestockScheduled, 1) == 1) return;
            restocks.Add(Restock(shelf, alert, ct));
        }
    }

    private async Task Restock(ShelfSim shelf, Alert alert, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1 + _rng.NextDouble() * 3), ct);
            if (alert.State == AlertState.Raised) await Client.AcknowledgeAsync(alert.AlertId, "staff", ct).WaitAsync(CallTimeout, ct);
            await Task.Delay(TimeSpan.FromSeconds(1 + _rng.NextDouble() * 2), ct);
            Volatile.Write(ref shelf.Units, shelf.Planogram.CapacityUnits);
            Interlocked.Increment(ref _restocks);
        }
        catch (OperationCanceledException)
        {
        }
        catch (EdgeClientException)
        {
            // Resolved meanwhile (e.g. a shopper put items back): nothing to acknowledge.
            Volatile.Write(ref shelf.Units, shelf.Planogram.CapacityUnits);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store went down under the staff, or could not save the acknowledgement (a chaos drill's
            // storage fault): the alert stays open there and is picked up again.
        }
        finally
        {
            Volatile.Write(ref shelf.RestockScheduled, 0);
        }
    }
}
