using System.Globalization;

namespace Orleans.Edge.RetailDemo;

/// <summary>What the demo runs, as given on the command line.</summary>
public sealed record DemoOptions(
    int Regions,
    int StoresPerRegion,
    int ShelvesPerStore,
    TimeSpan Duration,
    string? ReportPath,
    double ReadingHz,
    int Seed,
    bool Verbose,
    string? DataDirectory = null,
    bool Chaos = false,
    double FrameHz = 1)
{
    /// <summary>Every problem with the options, each a sentence a person can act on.</summary>
    public IEnumerable<string> Problems()
    {
        if (Regions is < 1 or > 20) yield return $"--regions must be 1–20, got {Regions}";
        if (StoresPerRegion is < 1 or > 50) yield return $"--stores-per-region must be 1–50, got {StoresPerRegion}";
        if (ShelvesPerStore is < 1 or > 200) yield return $"--shelves-per-store must be 1–200, got {ShelvesPerStore}";
        if (Duration < TimeSpan.FromSeconds(5) || Duration > TimeSpan.FromHours(24)) yield return $"--duration must be 5s–24h, got {Duration.TotalSeconds:0.###}s";
        if (Chaos && Duration < TimeSpan.FromSeconds(20)) yield return $"--chaos needs a --duration of at least 20s, got {Duration.TotalSeconds:0.###}s";
        if (ReadingHz is < 0.2 or > 50) yield return $"--reading-hz must be 0.2–50, got {ReadingHz}";
        // A store takes 5 frames/s per camera by default (Edge:Inference:FrameHzPerCamera); faster ones are throttled.
        if (FrameHz is < 0.2 or > 5) yield return $"--frame-hz must be 0.2–5 (the store's per-camera limit), got {FrameHz}";
        if (ReportPath is not null && Path.GetDirectoryName(Path.GetFullPath(ReportPath)) is { } dir && !Directory.Exists(dir))
            yield return $"--report: directory '{dir}' does not exist";
    }

    /// <summary>Parses durations like <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1m30s</c> or plain seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim().ToLowerInvariant();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
        {
            duration = TimeSpan.FromSeconds(plain);
            return plain > 0;
        }
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i])) i++;
            TimeSpan part;
            switch (text[unitStart..i])
            {
                case "ms": part = TimeSpan.FromMilliseconds(n); break;
                case "s": part = TimeSpan.FromSeconds(n); break;
                case "m": part = TimeSpan.FromMinutes(n); break;
                case "h": part = TimeSpan.FromHours(n); break;
                default: return false;
            }
            duration += part;
        }
        return duration > TimeSpan.Zero;
    }
}
