using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store.Tests;

[Collection(StoreClusterCollection.Name)]
public sealed class SensorFaultTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task SilentSensor_RaisesSensorFault_AndItsNextReadingResolvesIt()
    {
        var shelf = await fx.NewShelfAsync("silent");
        await shelf.Units(8);
        var sensor = fx.Client.GetGrain<ISensorGrain>(shelf.Cell.Value);

        fx.Time.Advance(TimeSpan.FromSeconds(61));
        await sensor.CheckHealth();

        var fault = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.SensorFault && a.SensorId == shelf.Cell);
        Assert.Contains("silent", fault.Message, StringComparison.Ordinal);
        Assert.Contains("silent", (await sensor.GetStatus())!.Fault, StringComparison.Ordinal);

        await shelf.Units(8);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.AlertId == fault.AlertId);
        Assert.Null((await sensor.GetStatus())!.Fault);
    }

    [Fact]
    public async Task LoadCellRepeatingTheSameValue_IsReportedStuck()
    {
        var shelf = await fx.NewShelfAsync("stuck");
        for (var i = 0; i < 30; i++)
        {
            await fx.Store.SubmitReadingAsync(new SensorReading(shelf.Cell, 1300, fx.Time.GetUtcNow()));
            if (i == 0) Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.SensorFault && a.SensorId == shelf.Cell);
            fx.Time.Advance(TimeSpan.FromSeconds(21));
        }
        var fault = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.SensorFault && a.SensorId == shelf.Cell);
        Assert.Contains("stuck", fault.Message, StringComparison.Ordinal);

        await fx.Store.SubmitReadingAsync(new SensorReading(shelf.Cell, 1301.5, fx.Time.GetUtcNow()));
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.SensorFault && a.SensorId == shelf.Cell);
    }

    [Fact]
    public async Task NoisyButSteadyLoadCell_IsNotStuck()
    {
        var shelf = await fx.NewShelfAsync("steady");
        for (var i = 0; i < 40; i++)
        {
            await shelf.Units(8);   // same units, real-world jitter
            fx.Time.Advance(TimeSpan.FromSeconds(20));
        }
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.SensorFault && a.SensorId == shelf.Cell);
    }
}
