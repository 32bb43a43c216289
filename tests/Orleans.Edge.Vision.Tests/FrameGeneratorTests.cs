using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.Vision.Tests;

public sealed class FrameGeneratorTests
{
    private static readonly CameraDomain Store = CameraDomain.ForStore("eu-s1");

    [Fact]
    public void SameSeed_GivesByteIdenticalFrames_InAnyOrder()
    {
        var a = new FrameGenerator(Store, 42);
        var b = new FrameGenerator(Store, 42);
        var forward = Enumerable.Range(0, 20).Select(i => a.Generate(i)).ToList();
        var backward = Enumerable.Range(0, 20).Reverse().Select(i => b.Generate(i)).Reverse().ToList();
        for (var i = 0; i < forward.Count; i++)
        {
            Assert.Equal(forward[i].Rgb, backward[i].Rgb);
            Assert.Equal(forward[i].Slots, backward[i].Slots);
        }
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentFrames()
    {
        var a = new FrameGenerator(Store, 1).Generate(0);
        var b = new FrameGenerator(Store, 2).Generate(0);
        Assert.NotEqual(a.Rgb, b.Rgb);
    }

    [Fact]
    public void ForStore_IsDeterministic_AndDiffersBetweenStores()
    {
        Assert.Equal(CameraDomain.ForStore("eu-s1"), CameraDomain.ForStore("eu-s1"));
        var domains = new[] { "eu-s1", "eu-s2", "eu-s3", "us-s1", "us-s2", "us-s3" }.Select(CameraDomain.ForStore).ToList();
        Assert.Equal(domains.Count, domains.Select(d => (d.Brightness, d.Cast, d.RotationDegrees, d.OffsetX)).Distinct().Count());
        Assert.All(domains, d => Assert.NotEqual(CameraDomain.Lab with { Name = d.Name }, d));
    }

    [Fact]
    public void SameSeed_InTwoDomains_ShowsTheSameShelf_ThroughDifferentCameras()
    {
        var lab = new FrameGenerator(CameraDomain.Lab, 7).Generate(3);
        var store = new FrameGenerator(CameraDomain.ForStore("us-s2"), 7).Generate(3);
        Assert.Equal(lab.Slots.Select(s => (s.Units, s.ShownDesign, s.ExpectedDesign)), store.Slots.Select(s => (s.Units, s.ShownDesign, s.ExpectedDesign)));
        Assert.NotEqual(lab.Rgb, store.Rgb);
    }

    [Fact]
    public void GroundTruth_IsConsistent_ForEverySlot()
    {
        var camera = ShelfCamera.FromSkus("cam-1", ["milk", "eggs", "bread", "tea", "rice", "oil", "salt", "soap"]);
        var generator = new FrameGenerator(CameraDomain.ForStore("eu-s2"), 5, camera);
        var fills = new HashSet<SlotFill>();
        var sawWrong = false;
        for (var i = 0; i < 200; i++)
        {
            var frame = generator.Generate(i);
            Assert.Equal(ShelfVisionContract.FrameBytes, frame.Rgb.Length);
            Assert.Equal(ShelfVisionContract.Slots, frame.Slots.Count);
            foreach (var s in frame.Slots)
            {
                Assert.Equal(camera.SlotDesigns[s.Slot], s.ExpectedDesign);
                Assert.InRange(s.Units, 0, camera.Depth);
                Assert.Equal(s.Units == 0 ? SlotFill.Empty : s.Units == camera.Depth ? SlotFill.Full : SlotFill.Partial, s.Fill);
                Assert.Equal(s.Units == 0, s.ShownDesign == -1);
                Assert.Equal(s.Units > 0 && s.ShownDesign != s.ExpectedDesign, s.WrongSku);
                if (s.Occluded) Assert.True(frame.HasOccluder);
                fills.Add(s.Fill);
                sawWrong |= s.WrongSku;
            }
        }
        Assert.Equal(3, fills.Count);
        Assert.True(sawWrong);
    }

    [Fact]
    public void LabFrames_HaveNoOccluders_WhileAStoreWithShoppersHasSome()
    {
        var lab = new FrameGenerator(CameraDomain.Lab, 9);
        Assert.DoesNotContain(Enumerable.Range(0, 100).Select(i => lab.Generate(i)), f => f.HasOccluder);
        var busy = new FrameGenerator(Store with { OccluderRate = 0.5f }, 9);
        var frames = Enumerable.Range(0, 100).Select(i => busy.Generate(i)).ToList();
        Assert.InRange(frames.Count(f => f.HasOccluder), 30, 70);
        Assert.Contains(frames, f => f.Slots.Any(s => s.Occluded));
    }

    [Fact]
    public void LabPixels_MatchTheTruth_EmptySlotsShowTheDarkShelfBack()
    {
        var generator = new FrameGenerator(CameraDomain.Lab with { NoiseSigma = 0f, Jitter = 0f }, 11);
        for (var i = 0; i < 20; i++)
        {
            var frame = generator.Generate(i);
            foreach (var s in frame.Slots)
            {
                // The front unit's area in the slot: the package's print, or the dark shelf back.
                var brightest = 0.0;
                for (var y = 44; y < 52; y++)
                {
                    for (var x = (s.Slot * 16) + 4; x < (s.Slot * 16) + 12; x++)
                    {
                        var o = ((y * ShelfVisionContract.Width) + x) * 3;
                        brightest += Math.Max(frame.Rgb[o], Math.Max(frame.Rgb[o + 1], frame.Rgb[o + 2])) / 64.0;
                    }
                }
                if (s.Fill == SlotFill.Empty) Assert.True(brightest < 70, $"frame {i} slot {s.Slot}: empty but {brightest}");
                else Assert.True(brightest > 90, $"frame {i} slot {s.Slot}: {s.Units} units but {brightest}");
            }
        }
    }

    [Fact]
    public void FrameTensor_IsChw_ScaledToUnit()
    {
        var rgb = new byte[ShelfVisionContract.FrameBytes];
        var (x, y) = (3, 2);
        var o = ((y * ShelfVisionContract.Width) + x) * 3;
        (rgb[o], rgb[o + 1], rgb[o + 2]) = (255, 51, 0);
        var chw = FrameTensor.ToChw(rgb);
        const int Plane = ShelfVisionContract.Width * ShelfVisionContract.Height;
        var i = (y * ShelfVisionContract.Width) + x;
        Assert.Equal(FrameTensor.Length, chw.Length);
        Assert.Equal(1f, chw[i]);
        Assert.Equal(0.2f, chw[Plane + i], 6);
        Assert.Equal(0f, chw[(2 * Plane) + i]);
        Assert.Equal(1.2f, chw.Sum(), 5);
    }

    [Fact]
    public void FrameTensor_RejectsAWrongSizedFrame()
    {
        Assert.Throws<ArgumentException>(() => FrameTensor.ToChw(new byte[100]));
    }
}
