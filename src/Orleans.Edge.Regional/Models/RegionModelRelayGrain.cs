using Microsoft.Extensions.Logging;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Regional.Models;

/// <summary>What the region's model relay persists: the latest assignment per scope from the cloud.</summary>
[GenerateSerializer]
public sealed class RegionModelRelayData
{
    /// <summary>Assignments held.</summary>
    [Id(0)] public List<ModelAssignment> Assignments { get; set; } = [];
}

/// <summary>
/// The region's copy of the cloud's model assignments for its stores, relayed as its policies are:
/// the cloud downlink fills it, the store downlinks read it. The artifacts themselves come from the
/// region's cache, filled from the cloud on first request.
/// </summary>
public sealed partial class RegionModelRelayGrain(
    [PersistentState("region-models", EdgeNames.StateStore)] IPersistentState<RegionModelRelayData> state,
    ILogger<RegionModelRelayGrain> logger) : Grain, IRegionModelRelayGrain
{
    private readonly ModelAssignmentBook _book = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book.ApplyAll(state.State.Assignments);
        _book.Announce();
        return Task.CompletedTask;
    }

    public async Task Apply(IReadOnlyList<ModelAssignment> assignments)
    {
        if (!_book.ApplyAll(assignments)) return;
        state.State.Assignments = [.. _book.Assignments];
        await state.WriteStateAsync();
        LogRelayed(logger, this.GetPrimaryKeyString(), _book.MaxVersion);
        _book.Announce();
    }

    public Task<long> GetMaxVersion() => Task.FromResult(_book.MaxVersion);

    public Task<IReadOnlyList<ModelAssignment>> GetNewer(long afterVersion, string region, string? store) =>
        Task.FromResult(_book.NewerFor(afterVersion, region, store));

    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _book.WaitForChange(knownMaxVersion, maxWait, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Region {Region} now holds model assignments up to version {Version}")]
    private static partial void LogRelayed(ILogger logger, string region, long version);
}
