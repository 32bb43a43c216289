using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Edge.Simulation;

/// <summary>
/// One <see cref="Faults"/> per store and region of a <see cref="LocalFleet"/>, installed through
/// <see cref="LocalFleetOptions.ConfigureServices"/>; every life of a cluster (restarts included)
/// shares its cluster's switches, so a fault outlives a crash. The cloud gets none.
/// </summary>
public sealed class FleetFaults
{
    private readonly ConcurrentDictionary<string, Faults> _faults = new(StringComparer.Ordinal);

    /// <summary>The switches of cluster <paramref name="clusterId"/>.</summary>
    public Faults this[string clusterId] => _faults.GetOrAdd(clusterId, _ => new Faults());

    /// <summary>Every cluster's switches, by cluster id.</summary>
    public IReadOnlyDictionary<string, Faults> All => _faults;

    /// <summary>Installs the switches of <paramref name="clusterId"/> unless it is the cloud; the hook for <see cref="LocalFleetOptions.ConfigureServices"/>.</summary>
    public void Install(string clusterId, IServiceCollection services)
    {
        if (clusterId == LocalFleet.CloudId) return;
        services.AddFaultInjection(this[clusterId]);
    }

    /// <summary>Faults injected so far, summed over every cluster.</summary>
    public FaultCounts Injected() => new(
        _faults.Values.Sum(f => f.OutboxWrites.Injected), _faults.Values.Sum(f => f.OutboxTrims.Injected),
        _faults.Values.Sum(f => f.GrainWrites.Injected), _faults.Values.Sum(f => f.StreamPublishes.Injected));

    /// <summary>No more faults anywhere.</summary>
    public void HealAll()
    {
        foreach (var faults in _faults.Values) faults.HealAll();
    }
}

/// <summary>How many faults of each kind were injected.</summary>
public sealed record FaultCounts(long OutboxWrites, long OutboxTrims, long GrainWrites, long StreamPublishes);
