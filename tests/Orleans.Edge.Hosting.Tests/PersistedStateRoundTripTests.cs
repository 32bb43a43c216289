using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Events;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Edge.Hosting.Tests;

/// <summary>
/// Everything a tier persists is written through the real storage of each profile and read back
/// into a fresh instance with the same contents: what a restart after a crash does.
/// </summary>
public sealed class PersistedStateRoundTripTests(StorageProfiles profiles) : IClassFixture<StorageProfiles>
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { WriteDerivedTypes } },
    };

    public static TheoryData<string, string> States()
    {
        var data = new TheoryData<string, string>();
        foreach (var profile in new[] { StorageProfiles.Embedded, StorageProfiles.Production })
            foreach (var sample in PersistedSamples.All) data.Add(profile, sample.Name);
        return data;
    }

    public static TheoryData<string, int> OutboxEvents()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in new[] { "sqlite", "redis" })
            for (var i = 0; i < PersistedSamples.UpEvents().Count; i++) data.Add(backend, i);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(States))]
    public Task GrainState_ReadsBackWhatWasWritten(string profile, string state) =>
        (Task)typeof(PersistedStateRoundTripTests).GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Instance)!
            .MakeGenericMethod(PersistedSamples.All.Single(s => s.Name == state).StateType)
            .Invoke(this, [profile, state])!;

    private async Task RoundTrip<T>(string profile, string state) where T : class
    {
        var sample = (PersistedSample<T>)PersistedSamples.All.Single(s => s.Name == state);
        var storage = profiles.StateStore(profile);
        var grain = GrainId.Create("round-trip", Guid.NewGuid().ToString("N"));
        var written = new GrainState<T>(sample.CreateState());

        await storage.WriteStateAsync(state, grain, written);
        var read = new GrainState<T>();
        await storage.ReadStateAsync(state, grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.NotSame(written.State, read.State);
        Assert.Equal(Describe(sample.CreateState()), Describe(read.State));
    }

    [SkippableTheory]
    [InlineData(StorageProfiles.Embedded)]
    [InlineData(StorageProfiles.Production)]
    public void StateWrittenByTheEarlierJsonSerializer_IsStillRead(string profile)
    {
        // Data directories and Redis instances of earlier versions hold JSON; a state without
        // compiler-synthesized lists in it must load after the upgrade.
        var services = profiles.Services(profile);
        var legacy = new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>());
        foreach (var sample in PersistedSamples.All.OfType<PersistedSample<Cloud.PolicyData>>())
        {
            var read = services.GetRequiredService<IGrainStorageSerializer>().Deserialize<Cloud.PolicyData>(legacy.Serialize(sample.CreateState()));
            Assert.Equal(Describe(sample.CreateState()), Describe(read));
        }
        var inbox = new LinkInboxData { Epoch = 7, Watermark = 3, Registered = true };
        Assert.Equal(Describe(inbox),
            Describe(services.GetRequiredService<IGrainStorageSerializer>().Deserialize<LinkInboxData>(legacy.Serialize(inbox))));
    }

    [SkippableTheory]
    [MemberData(nameof(OutboxEvents))]
    public async Task OutboxEntry_ReadsBackFromAReopenedStore(string backend, int index)
    {
        Skip.If(backend == "redis" && profiles.Redis.Problem is not null, profiles.Redis.Problem);
        var e = PersistedSamples.UpEvents()[index];
        var path = Path.Combine(profiles.DataDirectory, $"outbox-{Guid.NewGuid():N}.db");
        var prefix = $"round-trip:{Guid.NewGuid():N}";
        using var redis = backend == "redis" ? StackExchange.Redis.ConnectionMultiplexer.Connect(profiles.Redis.Configuration) : null;
        IOutboxStore Open() => backend == "redis" ? new RedisOutboxStore(redis!.GetDatabase(), prefix) : new SqliteOutboxStore(path, syncEveryAppend: true);

        var sequence = 913L + index;
        var message = LinkMapping.ToWire("region-eu-west", sequence, e);
        // The stores keep microseconds since the epoch (UTC): the instant survives, the offset does not.
        var entry = new OutboxEntry(sequence, e.Class, message, message.CalculateSize(), LinkMapping.FromUs(1_773_476_813_589_123));
        long epoch;
        await using (var store = Open())
        {
            epoch = (await store.LoadAsync(639_077_000_000_000_000)).Epoch;
            var next = new long[Lanes.Count];
            Array.Fill(next, 1);
            next[entry.Lane] = sequence + 1;
            await store.WriteAsync(new OutboxWrite(entry, [], EvictionCause.Budget, next));
        }

        await using var reopened = Open();
        var snapshot = await reopened.LoadAsync(epoch + 1);
        Assert.Equal(epoch, snapshot.Epoch);
        var back = Assert.Single(snapshot.Entries);
        Assert.Equal(entry.Sequence, back.Sequence);
        Assert.Equal(entry.Class, back.Class);
        Assert.Equal(entry.Size, back.Size);
        Assert.Equal(entry.EnqueuedAt, back.EnqueuedAt);
        Assert.Equal(entry.Message, back.Message);
        Assert.Equal(sequence + 1, snapshot.NextSequences[entry.Lane]);
        Assert.Equal(Describe(LinkMapping.FromWire(message, "region-eu-west")), Describe(LinkMapping.FromWire(back.Message, "region-eu-west")));
    }

    [Fact]
    public void EveryPersistentStateType_HasARoundTripSample()
    {
        var persisted = EdgeAssemblies()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            .SelectMany(c => c.GetParameters())
            .Where(p => p.GetCustomAttribute<PersistentStateAttribute>() is not null)
            .Select(p => p.ParameterType.GetGenericArguments().Single())
            .ToHashSet();

        Assert.True(persisted.Count >= 10, $"found only {persisted.Count} persisted state types; is the assembly scan broken?");
        var missing = persisted.Except(PersistedSamples.All.Select(s => s.StateType)).Select(t => t.FullName);
        Assert.Empty(missing);
    }

    [Fact]
    public void TheInboundLogSample_HoldsEveryKindOfUpwardEvent()
    {
        var kinds = EdgeAssemblies().SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && t.IsAssignableTo(typeof(UpEvent))).ToHashSet();
        var inbox = PersistedSamples.All.OfType<PersistedSample<LinkInboxData>>().Single().CreateState();

        Assert.NotEmpty(kinds);
        Assert.Empty(kinds.Except(inbox.Pending.Select(p => p.Event.GetType())).Select(t => t.FullName));
    }

    [Fact]
    public void TheSamples_HoldTheListsCollectionExpressionsBuild()
    {
        // The compiler's own list types are what broke the JSON storage; keep them in the samples.
        var inbox = PersistedSamples.All.OfType<PersistedSample<LinkInboxData>>().Single().CreateState();
        var lists = inbox.Pending.Select(p => p.Event).OfType<RegionSummaryEvent>().Select(r => r.Stores.GetType().Name).ToHashSet();

        Assert.Contains(lists, name => name.StartsWith("<>z__ReadOnlyList", StringComparison.Ordinal));
        Assert.Contains(lists, name => name.StartsWith("<>z__ReadOnlyArray", StringComparison.Ordinal));
    }

    /// <summary>The project's src assemblies: every Orleans.Edge assembly next to the tests but the tests themselves.</summary>
    private static Assembly[] EdgeAssemblies() =>
    [
        .. Directory.GetFiles(AppContext.BaseDirectory, "Orleans.Edge.*.dll")
            .Select(file => Assembly.Load(AssemblyName.GetAssemblyName(file)))
            .Where(a => a != typeof(PersistedStateRoundTripTests).Assembly),
    ];

    /// <summary>Contents as JSON, including the fields of derived types behind an abstract property (an inbound event's event).</summary>
    private static string Describe<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static void WriteDerivedTypes(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !info.Type.IsAbstract || info.Type.IsInterface) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions { UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization };
        foreach (var derived in info.Type.Assembly.GetTypes().Where(t => !t.IsAbstract && t.IsAssignableTo(info.Type)))
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(derived, derived.Name));
    }
}
