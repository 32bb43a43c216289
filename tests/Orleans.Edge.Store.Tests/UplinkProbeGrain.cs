using Orleans.Edge.Events;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.Edge.Store.Tests;

public interface IUplinkProbeGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<UpEvent>> GetEvents();
}

/// <summary>Stands in for the tier link: records what the store puts on its uplink stream.</summary>
[ImplicitStreamSubscription(EdgeStreams.Uplink)]
public sealed class UplinkProbeGrain : Grain, IUplinkProbeGrain, IStreamSubscriptionObserver
{
    private readonly List<UpEvent> _events = [];

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<UpEvent>().ResumeAsync((e, _) =>
        {
            _events.Add(e);
            return Task.CompletedTask;
        });

    public Task<IReadOnlyList<UpEvent>> GetEvents() => Task.FromResult<IReadOnlyList<UpEvent>>([.. _events]);
}
