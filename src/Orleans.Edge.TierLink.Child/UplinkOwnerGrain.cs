using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Placement;
using Orleans.Runtime;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// The one owner of a cluster's uplink (see <see cref="IUplinkOwnerGrain"/>). It lives where it
/// was first claimed, takes the silo's <see cref="UplinkOwnership"/> while active, and stays active
/// until its silo stops or dies; then the next claim activates it on a survivor, which reloads the
/// outbox from the shared store and carries on from the last acked sequence.
/// </summary>
[PreferLocalPlacement]
public sealed class UplinkOwnerGrain(UplinkOwnership ownership, ParentLink link, ILocalSiloDetails silo) : Grain, IUplinkOwnerGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await ownership.AcquireAsync(cancellationToken);
        var period = TimeSpan.FromSeconds(30);
        this.RegisterGrainTimer(() => Task.CompletedTask, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        ownership.ReleaseAsync(cancellationToken);

    public Task<string> Claim() => Task.FromResult(silo.SiloAddress.ToString());

    public Task Append(IReadOnlyList<UpEvent> events) =>
        (ownership.Outbox ?? throw new InvalidOperationException($"the silo {silo.SiloAddress} is stopping and has given up the uplink"))
            .AppendEventsAsync(this.GetPrimaryKeyString(), events);

    public Task<UplinkStatus?> GetStatus() =>
        Task.FromResult(ownership.Outbox is { } outbox ? UplinkStatusGrain.Describe(link, outbox) : null);
}
