using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Hosting.Storage;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The SQLite storage against the way grains use it: an interleaved turn may change the state
/// while an earlier write of that state is still under way.
/// </summary>
public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-sqlite-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    [Fact]
    public async Task Write_StoresTheStateAsItWasWhenCalled_EvenWhenItWaitsBehindAnotherWrite()
    {
        var serializer = new HoldingSerializer(new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()));
        using var storage = new SqliteGrainStorage("test", Path.Combine(_dir, "grains.db"), serializer);
        var slow = new GrainState<Dictionary<string, int>>(new() { [HoldingSerializer.Marker] = 1 });
        var grain = new GrainState<Dictionary<string, int>>(new() { ["before"] = 1 });

        // Another grain's write is in progress (its serialization is held), so this grain's write queues.
        var slowWrite = Task.Run(() => storage.WriteStateAsync("s", GrainId.Create("t", "slow"), slow));
        Assert.True(serializer.Holding.Wait(TimeSpan.FromSeconds(10)), "the first write never started serializing");
        var write = storage.WriteStateAsync("s", GrainId.Create("t", "grain"), grain);
        // An interleaved turn of the grain changes its state while the write is pending.
        grain.State!["after"] = 2;
        serializer.Release.Set();
        await slowWrite;
        await write;

        var stored = new GrainState<Dictionary<string, int>>();
        await storage.ReadStateAsync("s", GrainId.Create("t", "grain"), stored);
        Assert.Equal(["before"], stored.State!.Keys);
    }

    [Fact]
    public async Task Writes_NeverSeeTheStateChangingUnderThem_WhileInterleavedTurnsMutateIt()
    {
        var serializer = new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>());
        using var storage = new SqliteGrainStorage("test", Path.Combine(_dir, "grains.db"), serializer);
        var grain = new GrainState<Dictionary<string, int>>(Enumerable.Range(0, 3_000).ToDictionary(i => $"shelf-{i}", i => i));
        var id = GrainId.Create("t", "store");

        // One thread at a time, like a grain's scheduler: turns interleave only where one awaits.
        var scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var done = false;
        async Task Writer()
        {
            try
            {
                for (var i = 0; i < 100; i++) await storage.WriteStateAsync("s", id, grain);
            }
            finally
            {
                done = true;
            }
        }
        async Task<int> Mutator()
        {
            var turns = 0;
            for (var next = 3_000; !done; next++, turns++)
            {
                grain.State!.Remove($"shelf-{next - 3_000}");
                grain.State[$"shelf-{next}"] = next;
                await Task.Yield();
            }
            return turns;
        }
        var writer = Task.Factory.StartNew(Writer, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        var mutator = Task.Factory.StartNew(Mutator, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();

        await writer;
        Assert.True(await mutator > 0, "no turn interleaved with the writes");
        var stored = new GrainState<Dictionary<string, int>>();
        await storage.ReadStateAsync("s", id, stored);
        Assert.Equal(3_000, stored.State!.Count);
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Holds the serialization of the state that carries <see cref="Marker"/> until released.</summary>
    private sealed class HoldingSerializer(IGrainStorageSerializer inner) : IGrainStorageSerializer
    {
        public const string Marker = "hold";
        public ManualResetEventSlim Holding { get; } = new();
        public ManualResetEventSlim Release { get; } = new();

        public BinaryData Serialize<T>(T? input)
        {
            if (input is Dictionary<string, int> d && d.ContainsKey(Marker))
            {
                Holding.Set();
                Release.Wait(TimeSpan.FromSeconds(10));
            }
            return inner.Serialize(input);
        }

        public T? Deserialize<T>(BinaryData input) => inner.Deserialize<T>(input);
    }
}
