using System.Security.Cryptography;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

public sealed class InitialModelVariantTests : IDisposable
{
    private readonly string _v1Path = Path.Combine(Path.GetTempPath(), $"shelf-v1-{Guid.NewGuid():N}.onnx");

    public InitialModelVariantTests() => File.WriteAllBytes(_v1Path, ShelfModels.V1Bytes());

    [Theory]
    [InlineData("int8")]
    [InlineData("fp32")]
    public async Task StoreConfiguredForAVariant_ServesThatVariantsBytes_AndItsManifestHashesThem(string variant)
    {
        await using var services = new InferenceServices(o =>
        {
            o.ModelVariant = variant;
            o.InitialModelPath = _v1Path;
            o.InitialModelVersion = ShelfModels.V1Version;
        });
        await services.Startup.StartAsync(CancellationToken.None);

        var served = services.Host.CurrentManifest!;
        var expected = ShelfModels.V1Bytes(variant);
        Assert.Equal(variant, served.Variant);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), served.Sha256);
        Assert.Equal(expected.Length, served.SizeBytes);
        Assert.Equal(ShelfModels.V1Manifest(variant).Sha256, served.Sha256);
    }

    [Fact]
    public void AnInt8File_AskedForAsFp32_IsServedAndLabelledAsWhatItIs()
    {
        var (bytes, variant) = InferenceStartup.InVariant(ShelfModels.V1Int8Bytes(), "fp32");
        Assert.Equal("int8", variant);
        Assert.Equal(ShelfModels.V1Int8Bytes(), bytes);
    }

    public void Dispose() => File.Delete(_v1Path);
}
