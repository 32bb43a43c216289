using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Store.Tests.Vision;
using Orleans.Edge.Vision;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Orleans.Edge.Store.Tests;

/// <summary>One store cluster in process with a fake clock; tests use their own shelves so they do not interfere.</summary>
public sealed class StoreClusterFixture : IAsyncLifetime
{
    public const string StoreId = "test-store";
    public const string RegionId = "test-region";

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;

    /// <summary>The silo's services, e.g. its meter factory, whose meters are this store's alone.</summary>
    public IServiceProvider SiloServices => Cluster.Silos[0].ServiceProvider;
    public EdgeStoreClient Store { get; private set; } = null!;

    /// <summary>Alert changes the store keeps for watches; the default when null.</summary>
    public int? AlertJournalLength { get; init; }

    /// <summary>
    /// The tests read and drive internal grains through the test cluster's client, which comes from
    /// outside the cluster: open the gateway to them, unless a test checks that it is closed.
    /// </summary>
    public bool OpenGateway { get; init; } = true;

    /// <summary>
    /// The store's outbox, as a store tier has it but in memory and with no link draining it, so
    /// everything the store put on its uplink stays there for the tests to read.
    /// </summary>
    public LinkOutbox Outbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Outbox = await LinkOutbox.OpenAsync(new MemoryOutboxStore(), new OutboxOptions(), TimeProvider.System);
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(EdgeNames.StateStore);
            silo.AddMemoryGrainStorage(EdgeNames.PubSubStore);
            silo.AddMemoryStreams(EdgeNames.StreamProvider);
            silo.AddEdgeStoreGrains(EdgeIdentity.Store(RegionId, StoreId), o =>
            {
                if (AlertJournalLength is { } length) o.AlertJournalLength = length;
                o.OpenGatewayToInternalGrains = OpenGateway;
            }, reading => LinkMapping.RawReadingSize(1, reading));
            silo.Services.AddKeyedSingleton<TimeProvider>(EdgeNames.Clock, Time);
            // The uplink as production wires it (AddEdgeStoreTier): the outbox stream provider over the silo's outbox.
            silo.Services.AddSingleton<IOutbox>(Outbox);
            silo.AddOutboxStreams(EdgeNames.UplinkProvider);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(EdgeNames.StreamProvider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        // Alert watches renew every second, so a store grain that went away is noticed quickly.
        Store = EdgeStoreClient.Create(Client, StoreId, new AlertWatchOptions { RenewInterval = TimeSpan.FromSeconds(1) });
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Outbox.DisposeAsync();
    }

    /// <summary>Provisions a shelf of 10 units of 100 g on a 500 g tare with a load cell and a camera.</summary>
    public async Task<TestShelf> NewShelfAsync(string name, int capacity = 10)
    {
        var shelf = new ShelfId(name);
        var cell = new SensorId($"{name}-lc");
        var camera = new SensorId($"{name}-cam");
        var planogram = new PlanogramEntry($"sku-{name}", 100, 500, capacity);
        await Store.ProvisionShelfAsync(new ShelfSetup(shelf, planogram,
        [
            new SensorSpec(cell, shelf, SensorKind.LoadCell, 20_000),
            new SensorSpec(camera, shelf, SensorKind.Camera, 1),
        ]));
        return new TestShelf(this, shelf, cell, camera);
    }

    /// <summary>The silo's model host, as the delivery side sees it.</summary>
    public IModelInstaller Installer => SiloServices.GetRequiredService<IModelInstaller>();

    /// <summary>Installs the colour-controlled test model (<see cref="ColourShelfModel"/>) as <paramref name="version"/>.</summary>
    public async Task InstallAsync(string version, string tag = "")
    {
        var onnx = ColourShelfModel.Write(tag);
        var result = await Installer.InstallAsync(ColourShelfModel.Manifest(version, onnx), onnx, CancellationToken.None);
        Assert.True(result.Applied, result.Problem);
    }

    /// <summary>Upward events the store committed to its outbox, in each lane's order.</summary>
    public async Task<IReadOnlyList<UpEvent>> UplinkEventsAsync() =>
        await Client.GetGrain<IUplinkProbeGrain>(StoreId).GetEvents();
}

[CollectionDefinition(Name)]
public sealed class StoreClusterCollection : ICollectionFixture<StoreClusterFixture>
{
    public const string Name = "store cluster";
}

/// <summary>Vision tests install and swap the silo's model, so they get a store of their own.</summary>
[CollectionDefinition(Name)]
public sealed class VisionClusterCollection : ICollectionFixture<StoreClusterFixture>
{
    public const string Name = "store cluster for vision";
}

/// <summary>Policy tests change store-wide policies, so they get a store of their own.</summary>
[CollectionDefinition(Name)]
public sealed class PolicyClusterCollection : ICollectionFixture<StoreClusterFixture>
{
    public const string Name = "store cluster for policies";
}

public sealed record TestShelf(StoreClusterFixture Fixture, ShelfId Shelf, SensorId Cell, SensorId Camera)
{
    public string Id => Shelf.Value;

    /// <summary>Puts <paramref name="units"/> units on the shelf (as the load cell sees it).</summary>
    public Task Units(double units) =>
        Fixture.Store.SubmitReadingAsync(new SensorReading(Cell, 500 + units * 100 + Jitter(), Fixture.Time.GetUtcNow()));

    public Task Occupancy(double fraction) =>
        Fixture.Store.SubmitReadingAsync(new SensorReading(Camera, fraction, Fixture.Time.GetUtcNow()));

    public Task<ShelfState> State() => Fixture.Store.GetShelfAsync(Id);

    /// <summary>The shelf's SKU's packaging design, and another one.</summary>
    public int Design => ShelfVisionContract.DesignOf($"sku-{Id}");
    public int OtherDesign => (Design + 6) % ShelfVisionContract.SkuDesigns;

    private DateTimeOffset? _frameAt;

    /// <summary>
    /// The camera sends a frame whose slots show <paramref name="slots"/> (as the test model reads them),
    /// stamped a quarter second after its previous one (the store's default is 5 frames/s per camera),
    /// starting five seconds back: close enough to the load cell's readings (stamped now) to be fused.
    /// </summary>
    public Task<FrameResult> See(params (int Design, SlotFill Fill)[] slots)
    {
        _frameAt = _frameAt?.AddMilliseconds(250) ?? Fixture.Time.GetUtcNow().AddSeconds(-5);
        return Fixture.Store.SubmitFrameAsync(ColourShelfModel.Frame(Camera.Value, _frameAt.Value, slots));
    }

    /// <summary>As <see cref="See"/>, every slot showing <paramref name="fill"/> of the shelf's own product.</summary>
    public Task<FrameResult> SeeAll(SlotFill fill) => See([.. Enumerable.Repeat((Design, fill), ShelfVisionContract.Slots)]);

    /// <summary>When the camera's last frame was stamped.</summary>
    public DateTimeOffset LastFrameAt => _frameAt ?? throw new InvalidOperationException("no frame yet");

    public async Task<IReadOnlyList<Alert>> OpenAlerts() =>
        [.. (await Fixture.Store.GetOpenAlertsAsync()).Where(a => a.ShelfId == Shelf)];

    private static double Jitter() => Random.Shared.NextDouble() * 0.2 - 0.1;
}
