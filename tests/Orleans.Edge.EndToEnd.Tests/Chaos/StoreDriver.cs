using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.EndToEnd.Tests.Chaos;

/// <summary>
/// Demo-like load on one store process through the SDK: shelves that shoppers empty unit by unit
/// and staff refill, read by load cells at 5 Hz, so alerts are raised and resolved all the time.
/// Survives the store's process being killed: calls fail until <see cref="ConnectAsync"/> is called again.
/// </summary>
internal sealed class StoreDriver(string storeId, int gatewayPort, int seed) : IAsyncDisposable
{
    private const int Shelves = 4, Capacity = 10;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);
    private readonly Random _rng = new(seed);
    private readonly int[] _units = Enumerable.Repeat(Capacity, Shelves).ToArray();
    private readonly int[] _wait = new int[Shelves];
    private EdgeStoreClient? _client;
    private long _accepted, _failedBatches;

    public string StoreId => storeId;
    public long Accepted => Interlocked.Read(ref _accepted);
    public long FailedBatches => Interlocked.Read(ref _failedBatches);
    public EdgeStoreClient Client => Volatile.Read(ref _client) ?? throw new InvalidOperationException("not connected");

    private static string Shelf(int i) => $"shelf{i}";

    /// <summary>Connects (again, after a restart), dropping the old client in the background.</summary>
    public async Task ConnectAsync()
    {
        var fresh = await EdgeStoreClient.ConnectAsync(storeId, $"127.0.0.1:{gatewayPort}");
        if (Interlocked.Exchange(ref _client, fresh) is { } old)
            _ = Task.Run(() => old.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    public async Task ProvisionAsync()
    {
        for (var i = 0; i < Shelves; i++) await FleetFixture.NewShelf(Client, Shelf(i));
    }

    /// <summary>Sends readings every 200 ms until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = DateTimeOffset.UtcNow;
                var readings = Enumerable.Range(0, Shelves).Select(i =>
                {
                    Step(i);
                    return new SensorReading(new SensorId($"{Shelf(i)}-lc"), 500 + _units[i] * 100 + _rng.NextDouble() * 0.2, now);
                }).ToList();
                try
                {
                    var results = await Client.SubmitReadingsAsync(readings).WaitAsync(CallTimeout, ct);
                    Interlocked.Add(ref _accepted, results.Count(r => r.IsAccepted));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failedBatches);   // the store process is down
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A shopper takes a unit every 2–6 ticks; an empty shelf is refilled 5 ticks later.</summary>
    private void Step(int i)
    {
        if (--_wait[i] > 0) return;
        if (_units[i] == 0)
        {
            _units[i] = Capacity;
            _wait[i] = _rng.Next(2, 7);
        }
        else
        {
            _units[i]--;
            _wait[i] = _units[i] == 0 ? 5 : _rng.Next(2, 7);
        }
    }

    public async Task<UplinkStatus> StatusAsync() => await Client.GetUplinkStatusAsync().WaitAsync(CallTimeout);

    public async ValueTask DisposeAsync()
    {
        if (_client is { } client) await client.DisposeAsync();
    }
}
