using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Edge.Client;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>How a store app connects: the typed connect errors, the app-host registration and cancellation.</summary>
[Collection(FleetCollection.Name)]
public sealed class StoreAppClientTests(FleetFixture fx)
{
    // A bound, not a timed assertion: a connect that hangs fails the test instead of blocking it.
    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    private string Gateway1 => $"127.0.0.1:{fx.Fleet.Stores[0].Settings.GatewayPort}";

    [Fact]
    public async Task Connect_WithAnotherStoresId_FailsWithWrongCluster()
    {
        var error = await Assert.ThrowsAsync<StoreUnreachableException>(() => EdgeStoreClient.ConnectAsync("not-this-store", Gateway1, Deadline()));

        Assert.Equal(StoreUnreachableReason.WrongCluster, error.Reason);
        Assert.Contains("not-this-store", error.Message);
        Assert.Contains(Gateway1, error.Message);
        Assert.Contains("store-not-this-store", error.Message);   // the cluster id the client asked for
    }

    [Fact]
    public async Task Connect_ToPortNothingListensOn_FailsWithRefused()
    {
        var gateway = $"127.0.0.1:{FreePorts.Next()}";

        var error = await Assert.ThrowsAsync<StoreUnreachableException>(() => EdgeStoreClient.ConnectAsync("nobody-home", gateway, Deadline()));

        Assert.Equal(StoreUnreachableReason.Refused, error.Reason);
        Assert.Contains(gateway, error.Message);
    }

    [Fact]
    public async Task AppHost_WithAddEdgeStoreClient_ProvisionsAndReadsShelf()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:StoreId"] = fx.Store1.StoreId,
            ["Store:Gateways:0"] = Gateway1,
        });
        builder.Services.AddEdgeStoreClient(builder.Configuration.GetSection("Store"));
        using var host = builder.Build();
        await host.StartAsync(Deadline());
        try
        {
            var client = host.Services.GetRequiredService<IEdgeStoreClient>();
            Assert.Equal(fx.Store1.StoreId, client.StoreId);
            var (shelf, _) = await FleetFixture.NewShelf(client, "app-host-shelf");

            var state = await client.GetShelfAsync(shelf.Value, Deadline());
            Assert.Equal(shelf, state.ShelfId);
            Assert.Contains(await client.GetShelvesAsync(Deadline()), s => s.ShelfId == shelf);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AppHost_WithEmptyStoreId_FailsAtStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:StoreId"] = "",
            ["Store:Gateways:0"] = Gateway1,
        });
        builder.Services.AddEdgeStoreClient(builder.Configuration.GetSection("Store"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Deadline()));

        Assert.Contains("Store:StoreId", error.Message);
    }

    [Fact]
    public async Task Call_WithCancelledToken_IsCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fx.Store1.GetShelvesAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fx.Store1.GetOpenAlertsAsync(cancelled.Token));
    }
}
