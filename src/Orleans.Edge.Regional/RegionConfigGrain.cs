using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Regional;

/// <summary>What the region's relay persists: the latest document per scope from the cloud.</summary>
[GenerateSerializer]
public sealed class RegionConfigData
{
    /// <summary>Documents held.</summary>
    [Id(0)] public List<PolicyDocument> Documents { get; set; } = [];

    /// <summary>The newest document the region's downlink rejected as malformed; the downlink resumes past it.</summary>
    [Id(1)] public PolicyRejection? LastRejection { get; set; }

    /// <summary>The latest document the region's downlink refused (signature, scope, replay): reported, never relayed, no resume.</summary>
    [Id(2)] public PolicyRejection? LastRefused { get; set; }
}

/// <summary>
/// The region's copy of the cloud's policies for its stores. The cloud downlink fills it; the
/// store downlinks read it, so stores keep getting config from their region even while the
/// region's own uplink to the cloud is down.
/// </summary>
public sealed partial class RegionConfigGrain(
    [PersistentState("region-config", EdgeNames.StateStore)] IPersistentState<RegionConfigData> state,
    ILogger<RegionConfigGrain> logger) : Grain, IRegionConfigGrain
{
    private readonly PolicyBook _book = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book.ApplyAll(state.State.Documents);
        _book.Announce();
        return Task.CompletedTask;
    }

    public async Task Apply(IReadOnlyList<PolicyDocument> documents)
    {
        if (!_book.ApplyAll(documents)) return;
        state.State.Documents = [.. _book.Documents];
        await state.WriteStateAsync();
        LogRelayed(logger, this.GetPrimaryKeyString(), _book.MaxVersion);
        _book.Announce();
    }

    public Task<long> GetMaxVersion() => Task.FromResult(_book.MaxVersion);

    public async Task Reject(IReadOnlyList<PolicyRejection> rejected)
    {
        var (rejection, refused) = PolicyRejection.ToRecord(rejected, state.State.LastRejection, state.State.LastRefused);
        if (rejection is null && refused is null) return;
        state.State.LastRejection = rejection ?? state.State.LastRejection;
        state.State.LastRefused = refused ?? state.State.LastRefused;
        await state.WriteStateAsync();
        if (rejection is not null) LogRejected(logger, this.GetPrimaryKeyString(), rejection.Version, rejection.Scope, rejection.Reason);
    }

    public Task<long> GetResumeVersion() => Task.FromResult(Math.Max(_book.MaxVersion, state.State.LastRejection?.Version ?? 0));

    public Task<PolicyRejection?> GetLastRejection() => Task.FromResult(PolicyRejection.Latest(state.State.LastRejection, state.State.LastRefused));

    public Task<IReadOnlyList<PolicyDocument>> GetNewer(long afterVersion, string region, string? store) =>
        Task.FromResult(_book.NewerFor(afterVersion, region, store));

    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _book.WaitForChange(knownMaxVersion, maxWait, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} recorded policy version {Version} for {Scope} as rejected and does not relay it: {Reason}")]
    private static partial void LogRejected(ILogger logger, string region, long version, string scope, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Region {Region} now holds policies up to version {Version}")]
    private static partial void LogRelayed(ILogger logger, string region, long version);
}
