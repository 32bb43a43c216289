using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Store;

/// <summary><c>AddEdgeStoreGrains</c>: what the store's grains need in a silo, the same for a store tier and its tests.</summary>
public static class StoreSiloBuilderExtensions
{
    /// <summary>
    /// Registers the store grains' settings (<see cref="StoreOptions"/>, validated at start-up),
    /// their metrics (<see cref="StoreCounters"/>) and, unless the host set one, the system clock
    /// as <see cref="EdgeNames.Clock"/>. The host adds grain storage, the <see cref="EdgeNames.StreamProvider"/>
    /// streams and the <see cref="EdgeNames.UplinkProvider"/> (the tier link's outbox).
    /// </summary>
    /// <param name="silo">The store's silo.</param>
    /// <param name="configure">Sets at least the store and region ids.</param>
    /// <param name="rawReadingSize">
    /// A reading's size in the uplink's encoding, for <c>orleans_edge_readings_raw_bytes_total</c>; the tier link supplies it.
    /// </param>
    public static ISiloBuilder AddEdgeStoreGrains(this ISiloBuilder silo, Action<StoreOptions> configure, Func<SensorReading, int>? rawReadingSize = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddOptions<StoreOptions>().Configure(configure).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton(sp => new StoreCounters(sp.GetRequiredService<IMeterFactory>()) { RawReadingSize = rawReadingSize });
        silo.Services.TryAddKeyedSingleton(EdgeNames.Clock, TimeProvider.System);
        return silo;
    }
}

/// <summary>Checks <see cref="StoreOptions"/>' data annotations (required ids, ranges) when the silo starts.</summary>
internal sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"StoreOptions: {r.ErrorMessage}"));
    }
}
