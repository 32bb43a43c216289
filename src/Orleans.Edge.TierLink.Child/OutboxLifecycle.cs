using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.TierLink.Outbox;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Opens the outbox side of a silo while the silo starts, before it takes calls, as Orleans' own
/// Redis providers connect: the tier's Redis is connected (a silo that cannot reach it does not
/// start) and this silo's own outbox loads what it kept. Nothing connects or reads on a grain thread.
/// </summary>
internal sealed class OutboxLifecycle(IServiceProvider services, IOptions<OutboxOptions> outboxOptions) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OutboxLifecycle), ServiceLifecycleStage.ApplicationServices, OpenAsync);

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (outboxOptions.Value.RedisConfiguration is { } redis)
        {
            try
            {
                await services.GetRequiredService<RedisConnections>().GetAsync(redis).WaitAsync(cancellationToken);
            }
            catch (StackExchange.Redis.RedisConnectionException ex)
            {
                throw new InvalidOperationException($"the outbox's Redis '{redis}' is unreachable: {ex.Message}", ex);
            }
        }
        // Where the silos share the uplink, its owner opens the outbox when it takes the uplink.
        if (services.GetService<IOutbox>() is LinkOutbox own) await own.OpenAsync(cancellationToken);
    }
}
