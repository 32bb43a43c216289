using Orleans.Edge.Grains;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>What the inbox directory persists.</summary>
[GenerateSerializer]
public sealed class InboxDirectoryData
{
    /// <summary>Origins heard from.</summary>
    [Id(0)] public HashSet<string> Origins { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Remembers which origins sent events, so a restarted parent knows whose unconfirmed events to replay.</summary>
public sealed class InboxDirectoryGrain(
    [PersistentState("inbox-directory", EdgeNames.StateStore)] IPersistentState<InboxDirectoryData> state) : Grain, IInboxDirectoryGrain
{
    public async Task Add(string origin)
    {
        if (state.State.Origins.Add(origin)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetOrigins() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Origins.Order(StringComparer.Ordinal)]);
}
