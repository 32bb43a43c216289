using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store.Tests;

[Collection(StoreClusterCollection.Name)]
public sealed class ReadingValidationTests(StoreClusterFixture fx)
{
    public static TheoryData<string, double, int, ReadingRejection, string> BadReadings => new()
    {
        { "nan", double.NaN, 0, ReadingRejection.NotFinite, "finite" },
        { "inf", double.PositiveInfinity, 0, ReadingRejection.NotFinite, "finite" },
        { "neg", -5, 0, ReadingRejection.Negative, "negative" },
        { "big", 25_000, 0, ReadingRejection.OutOfRange, "beyond its range" },
        { "ahead", 1500, 301, ReadingRejection.ClockSkew, "ahead of" },
        { "behind", 1500, -301, ReadingRejection.ClockSkew, "behind" },
    };

    [Theory]
    [MemberData(nameof(BadReadings))]
    public async Task InvalidReading_IsRejectedWithSpecificError_AndChangesNoState(string name, double grams, int skewSeconds, ReadingRejection reason, string phrase)
    {
        var shelf = await fx.NewShelfAsync($"val-{name}");
        var reading = new SensorReading(shelf.Cell, grams, fx.Time.GetUtcNow().AddSeconds(skewSeconds));

        var ex = await Assert.ThrowsAsync<InvalidReadingException>(() => fx.Store.SubmitReadingAsync(reading));

        Assert.Equal(reason, ex.Reason);
        Assert.Contains(phrase, ex.Message, StringComparison.Ordinal);
        Assert.Contains(shelf.Cell.Value, ex.Message, StringComparison.Ordinal);
        var state = await shelf.State();
        Assert.Null(state.Units);
        Assert.Null(state.LastReadingAt);
        var status = await fx.Client.GetGrain<ISensorGrain>(shelf.Cell.Value).GetStatus();
        Assert.Equal(0, status!.Accepted);
        Assert.Equal(1, status.Rejected);
    }

    [Fact]
    public async Task ReadingFromUnknownSensor_IsRejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidReadingException>(() =>
            fx.Store.SubmitReadingAsync(new SensorReading(new SensorId("no-such-sensor"), 100, fx.Time.GetUtcNow())));
        Assert.Equal(ReadingRejection.UnknownSensor, ex.Reason);
        Assert.Contains("not installed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CameraOccupancyAboveOne_IsOutOfRange()
    {
        var shelf = await fx.NewShelfAsync("val-cam");
        var ex = await Assert.ThrowsAsync<InvalidReadingException>(() => shelf.Occupancy(1.2));
        Assert.Equal(ReadingRejection.OutOfRange, ex.Reason);
    }

    [Fact]
    public async Task ValidReading_UpdatesShelfEstimate()
    {
        var shelf = await fx.NewShelfAsync("val-ok");
        await shelf.Units(7);
        var state = await shelf.State();
        Assert.Equal(7, state.Units!.Value, 1);
        Assert.NotNull(state.LastReadingAt);
    }

    [Fact]
    public async Task ReadingOlderThanOneApplied_IsSuperseded_AndDoesNotSetTheShelfBack()
    {
        var shelf = await fx.NewShelfAsync("val-late");
        await shelf.Units(7);
        var late = new SensorReading(shelf.Cell, 500, fx.Time.GetUtcNow().AddSeconds(-1));   // empty, but older

        var ex = await Assert.ThrowsAsync<InvalidReadingException>(() => fx.Store.SubmitReadingAsync(late));

        Assert.Equal(ReadingRejection.Superseded, ex.Reason);
        Assert.Contains("before the", ex.Message, StringComparison.Ordinal);
        Assert.Equal(7, (await shelf.State()).Units!.Value, 1);
        Assert.DoesNotContain((await fx.Store.GetOpenAlertsAsync()), a => a.ShelfId.Value == shelf.Id);
        // A reading stamped the same instant as the one applied is taken.
        await fx.Store.SubmitReadingAsync(new SensorReading(shelf.Cell, 500 + 6 * 100, fx.Time.GetUtcNow()));
        Assert.Equal(6, (await shelf.State()).Units!.Value, 1);
    }

    [Fact]
    public async Task UnknownShelf_RaisesUnknownShelfException()
    {
        var ex = await Assert.ThrowsAsync<UnknownShelfException>(() => fx.Store.GetShelfAsync("no-such-shelf"));
        Assert.Contains("no-such-shelf", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnknownShelfException>(() => fx.Store.RecordManualCountAsync("no-such-shelf", 3, "ann"));
        await Assert.ThrowsAsync<UnknownShelfException>(() => fx.Store.GetShelfAsync("Bad Id!"));
    }

    [Fact]
    public async Task InvalidShelfSetup_IsRefusedWithEveryProblem_AndProvisionsNothing()
    {
        var shelf = new ShelfId("bad-setup");
        var setup = new ShelfSetup(shelf, new PlanogramEntry("", -1, -3, 0),
            [new SensorSpec(new SensorId("bad-setup-cam"), shelf, SensorKind.Camera, 5)]);

        var ex = await Assert.ThrowsAsync<InvalidSetupException>(() => fx.Store.ProvisionShelfAsync(setup));

        Assert.Contains(ex.Problems, p => p.Contains("SKU", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("unit weight", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("tare", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("capacity", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("cannot exceed 1", StringComparison.Ordinal));
        await Assert.ThrowsAsync<UnknownShelfException>(() => fx.Store.GetShelfAsync("bad-setup"));
        Assert.DoesNotContain(await fx.Store.GetShelvesAsync(), s => s.ShelfId == shelf);
    }
}
