using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Models;

/// <summary>What the store's model grain persists.</summary>
[GenerateSerializer]
public sealed class StoreModelData
{
    /// <summary>The latest assignment per scope that reaches this store.</summary>
    [Id(0)] public List<ModelAssignment> Assignments { get; set; } = [];

    /// <summary>The model version the installer last reported applied.</summary>
    [Id(1)] public string? AppliedVersion { get; set; }

    /// <summary>The newest refused model version, why, and its artifact.</summary>
    [Id(2)] public string? RejectedVersion { get; set; }

    [Id(3)] public string? Rejection { get; set; }

    [Id(4)] public string? RejectedSha256 { get; set; }

    /// <summary>The variant of the applied model, and why it is not the one the hardware names (null: it is).</summary>
    [Id(5)] public string? AppliedVariant { get; set; }

    [Id(6)] public string? VariantFallback { get; set; }

    /// <summary>The latest assignment the downlink refused; cleared when a newer one applies.</summary>
    [Id(7)] public PolicyRejection? Refused { get; set; }

    /// <summary>The model version the refused assignment named.</summary>
    [Id(8)] public string? RefusedModel { get; set; }
}

/// <summary>
/// The store's model assignments (from the downlink) and what became of them. Each silo's model
/// agent waits here for the effective assignment, installs it and records the outcome; a change
/// is reported up with the store's state (through <see cref="IStoreConfigGrain.ReportState"/>).
/// </summary>
public sealed partial class StoreModelGrain(
    [PersistentState("store-models", EdgeNames.StateStore)] IPersistentState<StoreModelData> state,
    EdgeIdentity identity,
    ILogger<StoreModelGrain> logger) : Grain, IStoreModelGrain
{
    private readonly ModelAssignmentBook _book = new();
    private readonly string _storeId = identity.RequireStore();
    private readonly string _regionId = identity.RequireRegion();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book.ApplyAll(state.State.Assignments);
        _book.Announce();
        return Task.CompletedTask;
    }

    public async Task Apply(IReadOnlyList<ModelAssignment> assignments)
    {
        var changed = false;
        foreach (var a in assignments.OrderBy(a => a.Version))
            if (a.Scope.Reaches(_regionId, _storeId)) changed |= _book.Apply(a);
        if (!changed) return;
        state.State.Assignments = [.. _book.Assignments];
        (state.State.Refused, state.State.RefusedModel) = (null, null);
        await state.WriteStateAsync();
        var target = _book.Resolve(_regionId, _storeId);
        LogAssigned(logger, _storeId, target?.Manifest.Version, _book.MaxVersion);
        _book.Announce();
    }

    public Task<ModelAssignment?> GetTarget() => Task.FromResult(_book.Resolve(_regionId, _storeId));

    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _book.WaitForChange(knownMaxVersion, maxWait, cancellationToken);

    public async Task Record(ModelManifest manifest, ModelApplyResult result)
    {
        var s = state.State;
        if (result.Applied)
        {
            // The agent picks the variant the hardware names, or fp32 when that one is not registered.
            var wanted = ServiceProvider.GetService<IHardwareCapabilitiesSource>()?.Current.ModelVariant;
            var fallback = wanted is { Length: > 0 } && !string.Equals(wanted, manifest.Variant, StringComparison.OrdinalIgnoreCase)
                ? $"{wanted} is not registered for {manifest.Version}; serving {manifest.Variant}" : null;
            if (s.AppliedVersion == result.Version && s.AppliedVariant == manifest.Variant && s.VariantFallback == fallback) return;
            (s.AppliedVersion, s.AppliedVariant, s.VariantFallback) = (result.Version, manifest.Variant, fallback);
            LogApplied(logger, _storeId, result.Version, manifest.Variant);
        }
        else
        {
            if (s.RejectedVersion == result.Version && s.RejectedSha256 == manifest.Sha256 && s.Rejection == result.Problem) return;
            (s.RejectedVersion, s.Rejection, s.RejectedSha256) = (result.Version, result.Problem, manifest.Sha256);
            LogRejected(logger, _storeId, result.Version, result.Problem);
        }
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IStoreConfigGrain>(_storeId).ReportState();
    }

    public async Task Refuse(PolicyRejection rejection, string modelVersion)
    {
        if (rejection == state.State.Refused) return;
        (state.State.Refused, state.State.RefusedModel) = (rejection, modelVersion);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IStoreConfigGrain>(_storeId).ReportState();
    }

    public Task<StoreModelStatus> GetStatus() => Task.FromResult(new StoreModelStatus(_book.MaxVersion,
        _book.Resolve(_regionId, _storeId)?.Manifest.Version, state.State.AppliedVersion, state.State.RejectedVersion,
        state.State.Rejection, state.State.RejectedSha256, state.State.AppliedVariant, state.State.VariantFallback,
        state.State.RefusedModel, state.State.Refused is { } r ? $"assignment v{r.Version} for {r.Scope}: {r.Reason}" : null));

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} is assigned model {Model} (assignments up to version {Version})")]
    private static partial void LogAssigned(ILogger logger, string store, string? model, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} now serves model {Model} ({Variant})")]
    private static partial void LogApplied(ILogger logger, string store, string model, string variant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} refused model {Model} and keeps its previous one: {Reason}")]
    private static partial void LogRejected(ILogger logger, string store, string model, string? reason);
}
