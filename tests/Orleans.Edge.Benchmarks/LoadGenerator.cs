using Orleans.Edge.Client;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Benchmarks;

/// <summary>Demo-like load on one store: load cells at <paramref name="hz"/>, cameras at 1 Hz, shelves emptied by shoppers and refilled by staff.</summary>
public sealed class LoadGenerator(EdgeStoreClient client, int shelves, double hz, int seed)
{
    private readonly Random _rng = new(seed);
    private readonly List<(SensorId Cell, SensorId Camera, int Capacity)> _shelves = [];
    private int[] _units = [];

    public long Readings { get; private set; }

    public async Task ProvisionAsync()
    {
        for (var i = 0; i < shelves; i++)
        {
            var shelf = new ShelfId($"b-aisle{i / 4 + 1}-shelf{i % 4 + 1}");
            var cell = new SensorId($"{shelf}-lc");
            var camera = new SensorId($"{shelf}-cam");
            await client.ProvisionShelfAsync(new ShelfSetup(shelf, new PlanogramEntry($"sku-{i}", 250, 800, 16),
                [new SensorSpec(cell, shelf, SensorKind.LoadCell, 20_000), new SensorSpec(camera, shelf, SensorKind.Camera, 1)]));
            _shelves.Add((cell, camera, 16));
        }
        _units = [.. _shelves.Select(s => _rng.Next(6, s.Capacity + 1))];
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(1 / hz);
        using var timer = new PeriodicTimer(period);
        var tick = 0L;
        var emptySince = new long[_shelves.Count];
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                tick++;
                var now = DateTimeOffset.UtcNow;
                var readings = new List<SensorReading>();
                for (var i = 0; i < _shelves.Count; i++)
                {
                    if (_units[i] == 0 && tick - emptySince[i] > 2 * hz) _units[i] = _shelves[i].Capacity;   // staff restock after ~2 s
                    else if (_rng.NextDouble() < 0.15 / hz) { _units[i] = Math.Max(0, _units[i] - _rng.Next(1, 3)); if (_units[i] == 0) emptySince[i] = tick; }
                    readings.Add(new SensorReading(_shelves[i].Cell, 800 + _units[i] * 250 + _rng.NextDouble(), now));
                    if (tick % (long)Math.Max(1, hz) == 0)
                        readings.Add(new SensorReading(_shelves[i].Camera, Math.Round((double)_units[i] / _shelves[i].Capacity, 3), now));
                }
                await client.SubmitReadingsAsync(readings);
                Readings += readings.Count;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
