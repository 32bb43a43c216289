using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

public sealed class CapabilityTests
{
    [Fact]
    public void Detected_OnThisMachine_IsWhatTheRuntimeSees()
    {
        var found = HardwareDetector.Detect(new InferenceOptions());

        Assert.Equal(Environment.ProcessorCount, found.Cores);
        Assert.InRange(found.MemoryMb, 256, 16L * 1024 * 1024);
        Assert.Equal(Avx2.IsSupported, found.Simd.Contains("avx2"));
        Assert.Equal(Avx512F.IsSupported, found.Simd.Contains("avx512f"));
        Assert.Equal(AdvSimd.IsSupported, found.Simd.Contains("neon"));
        Assert.Contains("CPUExecutionProvider", found.ExecutionProviders);
        Assert.Equal("fp32", found.ModelVariant);   // the default: int8 measured slower than fp32 here
        Assert.Equal(HardwareDetector.DefaultIntraOpThreads(found.Cores), found.IntraOpThreads);
        Assert.Equal(new InferenceOptions().FrameHzPerCamera, found.FrameHzPerCamera);
    }

    [Theory]
    [InlineData("auto", new[] { "avx2", "avx-vnni" }, "fp32")]       // measured: int8 slower than fp32 even with AVX-VNNI
    [InlineData("auto", new[] { "neon", "neon-dotprod" }, "fp32")]   // not measured: no evidence for int8
    [InlineData("auto", new[] { "avx2", "avx512f" }, "fp32")]
    [InlineData("auto", new string[0], "fp32")]
    [InlineData("fp32", new[] { "avx-vnni" }, "fp32")]
    [InlineData("int8", new[] { "avx2" }, "int8")]
    public void Variant_IsInt8_OnlyWhenConfigured_SinceAutoHasNoProcessorWhereInt8MeasuredFaster(string preference, string[] simd, string expected) =>
        Assert.Equal(expected, HardwareDetector.ChooseVariant(preference, simd));

    [Theory]
    [InlineData(5, 0.5, 10, 1.0, 0.7, 5)]      // 10 cameras × 5 Hz = 50 frames/s; 700 fit: full rate
    [InlineData(5, 0.5, 10, 50, 0.7, 1.25)]    // 14 frames/s fit: 1.4 Hz each, rounded down to a quarter
    [InlineData(5, 0.5, 100, 50, 0.7, 0.5)]    // 0.14 Hz each: never below the floor
    [InlineData(5, 0.5, 0, 50, 0.7, 5)]        // no camera active: nothing to lower
    public void FrameRate_IsLowered_ToTheFairShareOfWhatTheModelCanServe(double target, double min, int cameras, double msPerFrame, double budget, double expected) =>
        Assert.Equal(expected, FrameRateGovernor.Decide(target, min, cameras, msPerFrame, budget));

    [Fact]
    public async Task Governor_LowersTheRate_AndSaysSoThroughChanged_ThenRaisesItBack()
    {
        await using var services = new InferenceServices(o => o.FrameHzPerCamera = 5);
        var changes = new List<double>();
        services.Hardware.Changed += c => changes.Add(c.FrameHzPerCamera);
        for (var i = 0; i < 10; i++) services.Governor.OnFrame($"cam-{i}");

        services.Governor.OnBatch(1, 50);   // 50 ms a frame: 14 frames/s for 10 cameras
        services.Governor.Evaluate();
        Assert.Equal(1.25, services.Hardware.Current.FrameHzPerCamera);
        Assert.Equal(1.25, services.Governor.AllowedHz);

        for (var i = 0; i < 40; i++) services.Governor.OnBatch(16, 1);   // the machine got faster
        services.Governor.Evaluate();
        Assert.Equal(5, services.Hardware.Current.FrameHzPerCamera);
        Assert.Equal([1.25, 5], changes);
    }
}
