using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.Store.Sensors;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary><c>AddEdgeInference</c>: the store silo's camera inference (one model host and one batcher per silo).</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="InferenceOptions"/> (from <c>Edge:Inference</c>, then <paramref name="configure"/>),
    /// the <see cref="HardwareDetector"/> as <see cref="IHardwareCapabilitiesSource"/>, the
    /// <see cref="ModelHost"/> as <see cref="IModelInstaller"/>, the frame batcher and rate governor,
    /// and a start-up step that logs the hardware and installs <see cref="InferenceOptions.InitialModelPath"/>.
    /// </summary>
    public static IServiceCollection AddEdgeInference(this IServiceCollection services, Action<InferenceOptions>? configure = null)
    {
        services.AddEdgeOptions("Inference", configure);
        services.AddMetrics();
        // The silo's clock (tests give the silo a fake one); the batch window waits on it.
        services.TryAddKeyedSingleton(EdgeNames.Clock, TimeProvider.System);
        services.TryAddSingleton<InferenceMetrics>();
        services.TryAddSingleton<HardwareDetector>();
        services.TryAddSingleton<IHardwareCapabilitiesSource>(sp => sp.GetRequiredService<HardwareDetector>());
        services.TryAddSingleton<ModelHost>();
        services.TryAddSingleton<IModelInstaller>(sp => sp.GetRequiredService<ModelHost>());
        services.TryAddSingleton<FrameRateGovernor>();
        services.TryAddSingleton<FrameBatcher>();
        services.TryAddSingleton<CameraFrames>();
        services.AddHostedService<InferenceStartup>();
        return services;
    }
}
