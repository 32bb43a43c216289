using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Edge.TierLink.Parent;

namespace Orleans.Edge.TierLink.Tests;

/// <summary>Every option is bound from the <c>Edge</c> section, then code, and validated by one style.</summary>
public sealed class OptionsPipelineTests
{
    private static IServiceProvider Services(Dictionary<string, string?> settings, Action<IServiceCollection> add)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        add(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void LinkOptions_AreBoundFromTheEdgeSection_AndCodeComesLast()
    {
        var sp = Services(new() { ["Edge:Link:MaxBatchBytes"] = "65536", ["Edge:Link:ParentAddress"] = "http://127.0.0.1:1" },
            s => s.AddEdgeOptions<TierLinkClientOptions>("Link", o => o.ParentAddress = new Uri("http://127.0.0.1:7100")));
        var options = sp.GetRequiredService<IOptions<TierLinkClientOptions>>().Value;
        Assert.Equal(65536, options.MaxBatchBytes);
        Assert.Equal(7100, options.ParentAddress!.Port);
    }

    [Fact]
    public void PushDeadline_GrowsWithTheBatch_AtTheSlowestLinkRate()
    {
        var options = new TierLinkClientOptions { PushTimeout = TimeSpan.FromSeconds(2), SlowestLinkBytesPerSecond = 64 * 1024 };
        Assert.Equal(TimeSpan.FromSeconds(2), options.DeadlineOf(0));
        Assert.Equal(TimeSpan.FromSeconds(18), options.DeadlineOf(1024 * 1024));   // 1 MiB at 64 KiB/s: 16 s more
    }

    [Theory]
    [InlineData("Edge:Link:InitialBackoff", "00:00:05", "MaxBackoff (00:00:03) must not be shorter than InitialBackoff (00:00:05)")]
    [InlineData("Edge:Link:PushTimeout", "-00:00:01", "PushTimeout must be positive")]
    [InlineData("Edge:Link:MaxBatchEvents", "0", "MaxBatchEvents must be 1–10000, got 0")]
    [InlineData("Edge:Link:SlowestLinkBytesPerSecond", "100", "SlowestLinkBytesPerSecond must be 1024–2147483647, got 100")]
    public void BadLinkSetting_IsRefusedWithItsName(string key, string value, string expected)
    {
        var sp = Services(new() { [key] = value }, s => s.AddEdgeOptions<TierLinkClientOptions>("Link", o => o.ParentAddress = new Uri("http://127.0.0.1:7100")));
        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<TierLinkClientOptions>>().Value);
        Assert.Contains($"TierLinkClientOptions: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadServerAndOutboxSettings_AreRefusedWithTheirNames()
    {
        var sp = Services(new() { ["Edge:LinkServer:RepublishAfter"] = "00:00:00", ["Edge:Outbox:BudgetBytes"] = "10" }, s =>
        {
            s.AddEdgeOptions<TierLinkServerOptions>("LinkServer");
            s.AddEdgeOptions<OutboxOptions>("Outbox", o => o.SharedBySilos = true);
        });
        Assert.Contains("TierLinkServerOptions: RepublishAfter must be positive",
            Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<TierLinkServerOptions>>().Value).Message, StringComparison.Ordinal);
        var outbox = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<OutboxOptions>>().Value).Message;
        Assert.Contains("outbox budget must be at least 64 KiB", outbox, StringComparison.Ordinal);
        Assert.Contains("set RedisConfiguration", outbox, StringComparison.Ordinal);
    }

    [Fact]
    public void BadModelDeliverySettings_AreRefusedWithTheirNames()
    {
        var sp = Services(new() { ["Edge:Models:ChunkBytes"] = "1024", ["Edge:Models:Directory"] = "/tmp/a" }, s => s.AddEdgeOptions<ModelDeliveryOptions>("Models"));
        Assert.Contains("ModelDeliveryOptions: ChunkBytes must be 65536–262144, got 1024",
            Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<ModelDeliveryOptions>>().Value).Message, StringComparison.Ordinal);
    }
}
