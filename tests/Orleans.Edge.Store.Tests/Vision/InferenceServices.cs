using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Store.Inference;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>The store's inference services without a silo, for tests of the model host and the rate rule.</summary>
public sealed class InferenceServices : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public InferenceServices(Action<InferenceOptions>? configure = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null) services.AddKeyedSingleton(EdgeNames.Clock, time);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddEdgeInference(configure);
        _services = services.BuildServiceProvider();
    }

    public ModelHost Host => _services.GetRequiredService<ModelHost>();
    public FrameBatcher Batcher => _services.GetRequiredService<FrameBatcher>();
    public FrameRateGovernor Governor => _services.GetRequiredService<FrameRateGovernor>();
    public HardwareDetector Hardware => _services.GetRequiredService<HardwareDetector>();
    public InferenceStartup Startup => _services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<InferenceStartup>().Single();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
