using System.Diagnostics;
using System.Text.Json;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.ModelLab;

/// <summary>frames: what one synthetic frame costs to render, per domain (best of three passes, one thread).</summary>
internal static class FrameBench
{
    public static async Task RunAsync(int frames, string output, TextWriter log, CancellationToken ct)
    {
        var rgb = new byte[ShelfVisionContract.FrameBytes];
        var rows = new List<object>();
        foreach (var domain in TrainingOptions.DefaultStores.Select(CameraDomain.ForStore).Prepend(CameraDomain.Lab))
        {
            var generator = new FrameGenerator(domain, 5);
            for (var i = 0; i < 200; i++) generator.GenerateInto(i, rgb);
            var best = double.MaxValue;
            for (var pass = 0; pass < 3; pass++)
            {
                ct.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < frames; i++) generator.GenerateInto(i, rgb);
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds / frames);
            }
            rows.Add(new { domain = domain.Name, blur_passes = domain.BlurPasses, occluder_rate = Math.Round(domain.OccluderRate, 2), ms_per_frame = Math.Round(best, 3) });
            log.WriteLine($"{domain.Name,-6} {best:F3} ms/frame (blur passes {domain.BlurPasses}, occluder rate {domain.OccluderRate:F2})");
        }
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, "vision-frame-generator.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { frames_per_pass = frames, processor_count = Environment.ProcessorCount, rows }, TrainCommand.JsonOptions), ct);
        log.WriteLine($"wrote {path}");
    }
}
