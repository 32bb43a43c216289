using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.Vision.Tests;

public sealed class StockedFrameGeneratorTests
{
    private static readonly ShelfCamera Camera = ShelfCamera.FromSkus("a1-cam", Enumerable.Repeat("cola-330ml", ShelfVisionContract.Slots).ToArray());

    [Fact]
    public void Truth_FollowsTheGivenUnits_AndTheFrameIsDeterministic()
    {
        int[] units = [4, 4, 3, 1, 0, 0, 2, 4];
        var a = new StockedFrameGenerator(CameraDomain.ForStore("eu-s1"), 7, Camera);
        var b = new StockedFrameGenerator(CameraDomain.ForStore("eu-s1"), 7, Camera);
        var rgbA = new byte[ShelfVisionContract.FrameBytes];
        var rgbB = new byte[ShelfVisionContract.FrameBytes];
        var truth = a.GenerateInto(3, units, rgbA);
        b.GenerateInto(3, units, rgbB);

        Assert.Equal(rgbA, rgbB);
        Assert.Equal(units, truth.Select(t => t.Units));
        Assert.Equal([SlotFill.Full, SlotFill.Full, SlotFill.Partial, SlotFill.Partial, SlotFill.Empty, SlotFill.Empty, SlotFill.Partial, SlotFill.Full],
            truth.Select(t => t.Fill));
        Assert.All(truth, t => Assert.False(t.WrongSku));
        Assert.All(truth.Where(t => t.Units > 0), t => Assert.Equal(ShelfVisionContract.DesignOf("cola-330ml"), t.ShownDesign));
    }

    [Fact]
    public void DifferentStock_GivesADifferentFrame()
    {
        var g = new StockedFrameGenerator(CameraDomain.ForStore("eu-s1"), 7, Camera);
        var full = new byte[ShelfVisionContract.FrameBytes];
        var empty = new byte[ShelfVisionContract.FrameBytes];
        g.GenerateInto(0, [4, 4, 4, 4, 4, 4, 4, 4], full);
        g.GenerateInto(0, [0, 0, 0, 0, 0, 0, 0, 0], empty);
        Assert.NotEqual(full, empty);
    }

    [Fact]
    public void UnitsOutsideTheSlotDepth_AreRefused()
    {
        var g = new StockedFrameGenerator(CameraDomain.Lab, 1, Camera);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.GenerateInto(0, [5, 0, 0, 0, 0, 0, 0, 0], new byte[ShelfVisionContract.FrameBytes]));
    }
}
