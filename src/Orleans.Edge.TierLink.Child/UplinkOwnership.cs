using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// This silo's share of a cluster-wide uplink (production profile, several silos on one Redis).
/// Idle until the cluster's <see cref="IUplinkOwnerGrain"/> activates here; then it opens the
/// outbox from the shared store, as the only writer, and runs the uplink sender and downlink
/// receiver until the activation ends (or the silo stops).
/// </summary>
public sealed partial class UplinkOwnership(
    IServiceProvider services,
    Func<IOutboxStore> openStore,
    OutboxOptions outboxOptions,
    EdgeIdentity identity,
    ILogger<UplinkOwnership> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (LinkOutbox Outbox, UplinkSender Sender, DownlinkReceiver Receiver)? _owned;

    /// <summary>The outbox, while this silo owns the uplink.</summary>
    public IOutbox? Outbox => _owned?.Outbox;

    /// <summary>Takes the uplink: loads the outbox from the shared store and starts the link.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_owned is not null) return;
            var outbox = await LinkOutbox.OpenAsync(openStore(), outboxOptions, services.GetRequiredService<TimeProvider>(), cancellationToken);
            var sender = ActivatorUtilities.CreateInstance<UplinkSender>(services, (IOutbox)outbox);
            var receiver = ActivatorUtilities.CreateInstance<DownlinkReceiver>(services);
            await sender.StartAsync(cancellationToken);
            await receiver.StartAsync(cancellationToken);
            _owned = (outbox, sender, receiver);
            LogAcquired(logger, identity.Origin, outbox.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gives the uplink up: drains what a working link can carry, stops, closes the outbox.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_owned is not { } owned) return;
            _owned = null;
            await owned.Sender.StopAsync(cancellationToken);
            await owned.Receiver.StopAsync(cancellationToken);
            owned.Sender.Dispose();
            owned.Receiver.Dispose();
            await owned.Outbox.DisposeAsync();
            LogReleased(logger, identity.Origin);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_owned is { } owned) await owned.Outbox.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This silo now owns the uplink of {Child} ({Queued} events queued)")]
    private static partial void LogAcquired(ILogger logger, string child, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "This silo gave up the uplink of {Child}")]
    private static partial void LogReleased(ILogger logger, string child);
}
