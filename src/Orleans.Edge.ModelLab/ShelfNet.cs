using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using A = Orleans.Edge.Vision.Onnx.ShelfModelArchitecture;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// The shelf CNN of <see cref="ShelfModelArchitecture"/> in TorchSharp. Submodules are registered
/// under the architecture's names (conv1, …, sku), so parameter names match the ONNX initializers.
/// </summary>
internal sealed class ShelfNet : nn.Module<Tensor, (Tensor Fill, Tensor Sku)>
{
    private readonly Conv2d _conv1 = nn.Conv2d(3, A.C1, 3, padding: 1);
    private readonly Conv2d _conv2 = nn.Conv2d(A.C1, A.C2, 3, padding: 1);
    private readonly Conv2d _conv3 = nn.Conv2d(A.C2, A.C3, 3, padding: 1);
    private readonly Conv2d _head = nn.Conv2d(A.C3, A.Hidden, (A.Bands, 1));
    private readonly Conv2d _fill = nn.Conv2d(A.Hidden, ShelfVisionContract.FillClasses, 1);
    private readonly Conv2d _sku = nn.Conv2d(A.Hidden, ShelfVisionContract.SkuDesigns, 1);

    public ShelfNet() : base("shelf")
    {
        register_module("conv1", _conv1);
        register_module("conv2", _conv2);
        register_module("conv3", _conv3);
        register_module("head", _head);
        register_module("fill", _fill);
        register_module("sku", _sku);
    }

    /// <summary>frames [N,3,H,W] → fill [N,Slots,3], sku [N,Slots,12] logits, as the ONNX graph computes them.</summary>
    public override (Tensor Fill, Tensor Sku) forward(Tensor frames)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.max_pool2d(nn.functional.relu(_conv1.forward(frames)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(_conv2.forward(x)), 2);
        x = nn.functional.relu(_conv3.forward(x));
        x = nn.functional.avg_pool2d(x, A.SlotPool);
        x = nn.functional.relu(_head.forward(x));
        var fill = _fill.forward(x).reshape(-1, ShelfVisionContract.FillClasses, ShelfVisionContract.Slots).permute(0, 2, 1);
        var sku = _sku.forward(x).reshape(-1, ShelfVisionContract.SkuDesigns, ShelfVisionContract.Slots).permute(0, 2, 1);
        return (fill.MoveToOuterDisposeScope(), sku.MoveToOuterDisposeScope());
    }

    /// <summary>The current parameters, by name, for <see cref="ShelfModelOnnx.Write"/>.</summary>
    public ShelfModelWeights ExportWeights()
    {
        var tensors = named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().contiguous().data<float>().ToArray());
        return ShelfModelWeights.FromTensors(tensors);
    }

    /// <summary>Overwrites the parameters with <paramref name="weights"/>.</summary>
    public void ImportWeights(ShelfModelWeights weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            using var source = tensor(weights[name], parameter.shape);
            parameter.copy_(source);
        }
    }
}
