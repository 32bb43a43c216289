using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.Edge.Store.Config;

/// <summary>What the store's policy book persists.</summary>
[GenerateSerializer]
public sealed class StoreConfigData
{
    /// <summary>Latest document per scope.</summary>
    [Id(0)] public List<PolicyDocument> Documents { get; set; } = [];

    /// <summary>Shelves that asked for their policy and so get updates.</summary>
    [Id(1)] public HashSet<string> Shelves { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The newest document the downlink rejected as malformed; the downlink resumes past it.</summary>
    [Id(2)] public PolicyRejection? LastRejection { get; set; }

    /// <summary>The latest document the downlink refused as unsigned, tampered, replayed or for another scope: reported, no resume.</summary>
    [Id(3)] public PolicyRejection? LastRefused { get; set; }

    /// <summary>The latest deny-list the downlink refused (its version is only the sender's claim): reported only.</summary>
    [Id(4)] public PolicyRejection? DenyListRefused { get; set; }
}

/// <summary>
/// The store's last known policies. The downlink publishes documents to the store's config
/// stream; this grain keeps the newest per scope, resolves each shelf's policy (most specific
/// scope wins), pushes it to the shelves and reports the applied version upward.
/// Applying the same version twice changes nothing.
/// </summary>
[ImplicitStreamSubscription(EdgeStreams.StoreConfig)]
public sealed partial class StoreConfigGrain(
    [PersistentState("store-config", EdgeNames.StateStore)] IPersistentState<StoreConfigData> state,
    EdgeIdentity identity,
    IOptions<StoreOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    StoreCounters counters,
    ILogger<StoreConfigGrain> logger) : Grain, IStoreConfigGrain, IStreamSubscriptionObserver
{
    private readonly StoreOptions _options = options.Value;
    private readonly string _storeId = identity.RequireStore();
    private readonly string _regionId = identity.RequireRegion();
    private readonly PolicyBook _book = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var doc in state.State.Documents) _book.Apply(doc);
        counters.OnPolicyApplied(_book.MaxVersion);
        return Task.CompletedTask;
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<ConfigUpdate>();
        await handle.ResumeAsync((update, _) => Apply(update.Documents, update.Rejected));
    }

    public async Task<EffectivePolicy> GetEffectivePolicy(ShelfId shelf)
    {
        if (state.State.Shelves.Add(shelf.Value)) await state.WriteStateAsync();
        return _book.Resolve(_regionId, _storeId, shelf.Value);
    }

    public async Task RegisterShelves(IReadOnlyList<ShelfId> shelves)
    {
        var added = false;
        foreach (var shelf in shelves) added |= state.State.Shelves.Add(shelf.Value);
        if (added) await state.WriteStateAsync();
    }

    public Task<long> GetAppliedVersion() => Task.FromResult(_book.MaxVersion);

    public Task<long> GetResumeVersion() => Task.FromResult(Math.Max(_book.MaxVersion, state.State.LastRejection?.Version ?? 0));

    public Task<PolicyRejection?> GetLastRejection() => Task.FromResult(PolicyRejection.Latest(state.State.LastRejection, state.State.LastRefused));

    public Task Apply(IReadOnlyList<PolicyDocument> documents) => Apply(documents, []);

    public async Task RefuseDenyList(PolicyRejection refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (refusal == state.State.DenyListRefused) return;
        state.State.DenyListRefused = refusal;
        await state.WriteStateAsync();
        await ReportState();
    }

    private async Task Apply(IReadOnlyList<PolicyDocument> documents, IReadOnlyList<PolicyRejection> rejected)
    {
        var rejection = Record(rejected);
        var changed = false;
        foreach (var doc in documents.OrderBy(d => d.Version))
        {
            if (!doc.Scope.Reaches(_regionId, _storeId)) continue;
            changed |= _book.Apply(doc);
        }
        if (!changed)
        {
            if (rejection)
            {
                await state.WriteStateAsync();
                await ReportState();
            }
            return;
        }
        state.State.Documents = [.. _book.Documents];
        await state.WriteStateAsync();
        await Task.WhenAll(state.State.Shelves.Select(shelf =>
            GrainFactory.GetGrain<IShelfGrain>(shelf).ApplyPolicy(_book.Resolve(_regionId, _storeId, shelf))));
        counters.OnPolicyApplied(_book.MaxVersion);
        LogApplied(logger, _storeId, _book.MaxVersion, state.State.Shelves.Count);
        await ReportState();
    }

    /// <remarks>One snapshot of everything the store reports: policy, model (from its model grain) and hardware (when detected).</remarks>
    public async Task ReportState()
    {
        var models = await GrainFactory.GetGrain<Orleans.Edge.Models.IStoreModelGrain>(_storeId).GetStatus();
        var hardware = ServiceProvider.GetService<Vision.IHardwareCapabilitiesSource>()?.Current;
        var rejection = PolicyRejection.Latest(state.State.LastRejection, state.State.LastRefused);
        var (rejectedModel, modelRejection) = models.Refusal is { } refusal ? (models.RefusedAssignment, refusal) : (models.RejectedVersion, models.Rejection);
        await this.GetStreamProvider(EdgeNames.UplinkProvider)
            .GetStream<UpEvent>(StreamId.Create(EdgeStreams.Uplink, _storeId))
            .OnNextAsync(new StoreStateEvent(new StoreId(_storeId), new RegionId(_regionId),
                _book.MaxVersion, state.State.Shelves.Count, time.GetUtcNow(),
                rejection?.Version ?? 0, rejection is { } r ? $"{r.Scope}: {r.Reason}" : null,
                models.AppliedVersion, rejectedModel, modelRejection, hardware, models.AppliedVariant, models.VariantFallback,
                state.State.DenyListRefused is { } denied ? $"deny-list v{denied.Version}: {denied.Reason}" : null));
    }

    /// <summary>Keeps the newest malformed rejection (versions only grow) and the latest refusal; true when it changed the state.</summary>
    private bool Record(IReadOnlyList<PolicyRejection> rejected)
    {
        var (rejection, refused) = PolicyRejection.ToRecord(rejected, state.State.LastRejection, state.State.LastRefused);
        if (rejection is not null)
        {
            state.State.LastRejection = rejection;
            LogRejected(logger, _storeId, rejection.Version, rejection.Scope, rejection.Reason);
        }
        if (refused is not null) state.State.LastRefused = refused;
        return rejection is not null || refused is not null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} recorded policy version {Version} for {Scope} as rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string store, long version, string scope, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} applied policy version {Version} to {Shelves} shelves")]
    private static partial void LogApplied(ILogger logger, string store, long version, int shelves);
}
