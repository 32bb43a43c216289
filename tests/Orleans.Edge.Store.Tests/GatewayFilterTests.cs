using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Store.Tests;

/// <summary>
/// Through the store's gateway, a client outside the cluster reaches the store-app API and nothing
/// else: an app (or anyone who reaches the port) cannot write a weight straight into a shelf, apply
/// a policy version, or tell the store's index of an alert; the refused call changes nothing.
/// </summary>
public sealed class GatewayFilterTests : IAsyncLifetime
{
    private readonly StoreClusterFixture _store = new() { OpenGateway = false };

    public Task InitializeAsync() => _store.InitializeAsync();

    public Task DisposeAsync() => _store.DisposeAsync();

    [Fact]
    public async Task StoreAppApi_Works_ThroughTheGateway()
    {
        var shelf = await _store.NewShelfAsync("open");
        await shelf.Units(0);
        var open = await _store.Store.GetOpenAlertsAsync();
        Assert.Contains(open, a => a.ShelfId == shelf.Shelf && a.Type == AlertType.OutOfStock);
        Assert.Equal(0, (await shelf.State()).Units);
        var alert = open.First(a => a.ShelfId == shelf.Shelf);
        Assert.Equal(AlertState.Acknowledged, (await _store.Store.AcknowledgeAsync(alert.AlertId, "ann")).State);
        Assert.NotNull(await _store.Store.GetInferenceStatusAsync());
    }

    [Fact]
    public async Task InternalGrainMethods_AreRefused_AndChangeNothing()
    {
        var shelf = await _store.NewShelfAsync("closed");
        await shelf.Units(8);
        var before = await shelf.State();
        var client = _store.Client;

        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            client.GetGrain<IShelfGrain>(shelf.Id).OnWeight(shelf.Cell, double.NaN, DateTimeOffset.UtcNow));
        Assert.Contains("internal to the store cluster", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            client.GetGrain<IShelfGrain>(shelf.Id).ApplyPolicy(new EffectivePolicy(ReplenishmentPolicy.Default, long.MaxValue - 1, "forged")));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            client.GetGrain<IStoreConfigGrain>(StoreClusterFixture.StoreId).Apply([new PolicyDocument(PolicyScope.Global, long.MaxValue - 1, ReplenishmentPolicy.Default, DateTimeOffset.UtcNow)]));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            client.GetGrain<IStoreGrain>(StoreClusterFixture.StoreId).OnAlertChanged(before.OpenAlerts.FirstOrDefault() ?? new Alert(Alert.IdOf(shelf.Shelf, AlertType.LowStock, 99),
                new StoreId(StoreClusterFixture.StoreId), shelf.Shelf, null, AlertType.LowStock, AlertState.Raised, 1, "x", 0, 1, null,
                DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "system", 0)));

        var after = await shelf.State();
        Assert.Equal(before.Units, after.Units);
        Assert.Equal(before.PolicyVersion, after.PolicyVersion);
        Assert.Empty(await _store.Store.GetOpenAlertsAsync());
    }
}
