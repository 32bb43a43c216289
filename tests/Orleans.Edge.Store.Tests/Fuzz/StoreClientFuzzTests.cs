using System.Reflection;
using CsCheck;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Fuzz;

/// <summary>
/// Hostile ids and arguments to every public <see cref="IEdgeStoreClient"/> call that takes one, and to
/// the client's options: the SDK refuses each bad one before it reaches the store, with the exception its
/// documentation names (an <see cref="ArgumentException"/> naming the parameter, or the typed exception of
/// an id that cannot exist), and lets only valid ones through to the store.
/// </summary>
public sealed class StoreClientFuzzTests
{
    /// <summary>Thrown by the grain factory below: the call got past the SDK's validation.</summary>
    private sealed class ReachedTheStore : Exception;

    /// <summary>A grain factory that stands for the store: the SDK reaching it is the outcome under test, so it only records that.</summary>
    public class StoreStandIn : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new ReachedTheStore();
    }

    private static readonly EdgeStoreClient Client = EdgeStoreClient.Create(DispatchProxy.Create<IGrainFactory, StoreStandIn>(), "s1");

    private static readonly Gen<string?> Id = Gen.Frequency((8, Hostile.Id.Select(s => (string?)s)), (1, Gen.Const((string?)null)));

    private static readonly Gen<string?> By = Gen.Frequency(
        (4, Gen.OneOf<string?>("clerk", "app:pos")), (2, Hostile.Id.Select(s => (string?)s)), (1, Gen.Const((string?)null)),
        (1, Gen.String[Gen.Char['a', 'z'], 120, 140].Select(s => (string?)s)), (1, Gen.OneOf<string?>("", " ", "\t\n")));

    private static readonly Gen<string?> AlertId = Gen.Frequency(
        (4, Gen.Select(Hostile.Id, Gen.OneOf("LowStock", "Mismatch", "x", ""), Gen.Int[-1, 5], (shelf, type, n) => (string?)$"{shelf}/{type}/{n}")),
        (2, Id), (1, Gen.OneOf<string?>("/", "a/", "/a", "//", " ")));

    private enum Call { GetShelf, GetShelfVision, GetCameraVision, Acknowledge, Resolve, ManualCount, Watch, SubmitFrame, SubmitReading, Create, PlanogramPath }

    private static readonly Gen<(Call Call, string? Id, string? By, int Units, long After)> Calls =
        Gen.Select(Gen.Enum<Call>(), Gen.Frequency((1, AlertId), (2, Id)), By, Hostile.Int, Hostile.Long);

    [Fact]
    public void HostileArguments_AreRefusedByTheSdk_NamingWhatIsWrong_OrReachTheStoreValid()
    {
        var (reached, refused) = (0, 0);
        Fuzzing.Check(Calls, c =>
        {
            try
            {
                Invoke(c).GetAwaiter().GetResult();
                Assert.Fail("the stand-in store answers nothing");
            }
            catch (ReachedTheStore)
            {
                reached++;
                AssertValid(c);
            }
            catch (ArgumentException ex) when (ex is not ArgumentNullException || c.Id is null || c.By is null)
            {
                refused++;
                Assert.Contains(ex.ParamName, Parameters(c.Call));
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
            catch (Exception ex) when (ex is UnknownShelfException or UnknownAlertException or InvalidReadingException)
            {
                refused++;
                Assert.Contains(c.Call, new[] { Call.GetShelf, Call.GetShelfVision, Call.ManualCount, Call.Acknowledge, Call.Resolve, Call.SubmitReading });
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }, print: c => c.ToString());
        Assert.True(reached > 1000 && refused > 1000, $"{reached} reached the store, {refused} refused");
    }

    private static async Task Invoke((Call Call, string? Id, string? By, int Units, long After) c)
    {
        switch (c.Call)
        {
            case Call.GetShelf: await Client.GetShelfAsync(c.Id!); break;
            case Call.GetShelfVision: await Client.GetShelfVisionAsync(c.Id!); break;
            case Call.GetCameraVision: await Client.GetCameraVisionAsync(c.Id!); break;
            case Call.Acknowledge: await Client.AcknowledgeAsync(c.Id!, c.By!); break;
            case Call.Resolve: await Client.ResolveAsync(c.Id!, c.By!); break;
            case Call.ManualCount: await Client.RecordManualCountAsync(c.Id!, c.Units, c.By!); break;
            case Call.Watch: await Client.WatchAlertsAsync(c.After).GetAsyncEnumerator().MoveNextAsync(); break;
            case Call.SubmitFrame:
                var result = await Client.SubmitFrameAsync(new CameraFrame(c.Id!, DateTimeOffset.UtcNow, ShelfVisionContract.Width, ShelfVisionContract.Height,
                    new byte[ShelfVisionContract.FrameBytes]));
                // A frame the SDK refuses comes back as a rejection, as the store would give it.
                Assert.False(result.IsAccepted);
                Assert.NotNull(EdgeId.Problem(c.Id, "camera id"));
                throw new ArgumentException(result.Message, "frame");
            case Call.SubmitReading: await Client.SubmitReadingAsync(new SensorReading(new SensorId(c.Id!), 1, DateTimeOffset.UtcNow)); break;
            case Call.Create: EdgeStoreClient.Create(DispatchProxy.Create<IGrainFactory, StoreStandIn>(), c.Id!); throw new ReachedTheStore();
            case Call.PlanogramPath: await Client.ProvisionPlanogramAsync(c.Id!); break;
        }
    }

    private static string[] Parameters(Call call) => call switch
    {
        Call.GetCameraVision => ["cameraId"],
        Call.Acknowledge or Call.Resolve => ["alertId", "by"],
        Call.ManualCount => ["shelfId", "units", "by"],
        Call.Watch => ["afterChange"],
        Call.SubmitFrame => ["frame"],
        Call.Create => ["store id", "storeId"],
        Call.PlanogramPath => ["path"],
        _ => [],
    };

    private static void AssertValid((Call Call, string? Id, string? By, int Units, long After) c)
    {
        switch (c.Call)
        {
            case Call.Acknowledge or Call.Resolve:
                Assert.Null(ActorName.Problem(c.By));
                Assert.Null(EdgeId.Problem(c.Id![..c.Id.IndexOf('/', StringComparison.Ordinal)], "shelf id"));
                break;
            case Call.ManualCount:
                Assert.Null(ActorName.Problem(c.By));
                Assert.True(c.Units >= 0);
                Assert.Null(EdgeId.Problem(c.Id, "shelf id"));
                break;
            case Call.Watch: Assert.True(c.After >= 0); break;
            case Call.PlanogramPath: Assert.Fail("a planogram path reaches the file system, not the store"); break;
            default: Assert.Null(EdgeId.Problem(c.Id, "id")); break;
        }
    }

    /// <summary>Found by seed 20261128 (iteration 10): a null planogram path threw NullReferenceException.</summary>
    [Fact]
    public async Task NullPlanogramPath_IsAnArgumentNullException()
    {
        var ex = await Assert.ThrowsAsync<ArgumentNullException>(() => Client.ProvisionPlanogramAsync(path: null!));
        Assert.Equal("path", ex.ParamName);
    }

    [Fact]
    public async Task HostileClientOptions_AreRefusedBeforeConnecting_NamingTheSetting()
    {
        var gateway = Gen.Frequency((3, Gen.OneOf("127.0.0.1:30000", "store-1:30000", "[::1]:1")), (1, Gen.String[0, 30]),
            (1, Gen.Select(Gen.OneOf("h", "127.0.0.1", "::1", ""), Hostile.Int, (h, p) => $"{h}:{p}")));
        var options = Gen.Select(Hostile.Id, gateway.Array[0, 3], Gen.Frequency((3, Gen.Const((string?)null)), (1, Hostile.Id.Select(s => (string?)s))),
            Hostile.Long, Hostile.Long, Hostile.Int);
        var invalid = 0;
        Fuzzing.Check(options, o =>
        {
            var (store, gateways, cluster, timeoutTicks, renewTicks, failures) = o;
            var options = new StoreClientOptions { StoreId = store, ClusterId = cluster, ConnectTimeout = TimeSpan.FromTicks(timeoutTicks) };
            options.AlertWatch.RenewInterval = TimeSpan.FromTicks(renewTicks);
            options.AlertWatch.MaxRenewFailures = failures;
            foreach (var g in gateways) options.Gateways.Add(g);
            var problems = options.Problems();
            if (problems.Count == 0)
            {
                Assert.Null(EdgeId.Problem(store, "store id"));
                Assert.NotEmpty(options.Gateways);
                Assert.True(options.ConnectTimeout > TimeSpan.Zero && options.AlertWatch.RenewInterval > TimeSpan.Zero && failures >= 1);
                return;
            }
            invalid++;
            Assert.All(problems, p => Assert.Matches(@"^(StoreId|Gateways|ClusterId|ConnectTimeout|AlertWatch)\b", p));
        }, print: o => o.ToString());
        Assert.True(invalid > 1000);

        // And ConnectAsync refuses them as an ArgumentException naming its options, before any network.
        var bad = new StoreClientOptions { StoreId = "Not An Id" };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => EdgeStoreClient.ConnectAsync(bad));
        Assert.Equal("options", ex.ParamName);
    }
}
