namespace Orleans.Edge.TierLink;

/// <summary>
/// The range of every number and the length of every text that an upward event may carry. A value
/// outside them is refused where it enters (<see cref="LinkMapping.FromWire(Protocol.UpEvent, string)"/>
/// throws <see cref="FormatException"/>, the parent answers InvalidArgument), so nothing out of range
/// reaches an inbound log, a view or a dashboard.
/// </summary>
public static class WireRanges
{
    /// <summary>Earliest instant an event may name.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Latest instant an event may name.</summary>
    public static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Largest unit count (or threshold) an alert may carry, either sign.</summary>
    public const double MaxUnits = 10_000_000;

    /// <summary>Longest delay between an alert's trigger, raise and change (ten years).</summary>
    public const ulong MaxDelayUs = 10UL * 366 * 24 * 3600 * 1_000_000;

    /// <summary>Longest summary window (a week).</summary>
    public const uint MaxWindowMs = 7 * 24 * 3600 * 1000;

    /// <summary>Longest SKU.</summary>
    public const int MaxSkuLength = 128;

    /// <summary>Longest free text (an alert's detail, a rejection's reason).</summary>
    public const int MaxTextLength = 2048;

    /// <summary>Longest model variant name (fp32, int8, ...).</summary>
    public const int MaxVariantLength = 16;

    /// <summary>Longest short name in a store's hardware (a SIMD set, an execution provider).</summary>
    public const int MaxNameLength = 128;

    /// <summary>Highest per-camera frame rate a store may report.</summary>
    public const double MaxFrameHz = 1000;

    /// <summary>Most stores one region summary may list.</summary>
    public const int MaxStoresPerSummary = 100_000;

    /// <summary>Microseconds since the Unix epoch, as an instant within [<see cref="Earliest"/>, <see cref="Latest"/>].</summary>
    public static DateTimeOffset Instant(long us, string what)
    {
        if (us < LinkMapping.ToUs(Earliest) || us > LinkMapping.ToUs(Latest))
            throw new FormatException($"{what} ({us} µs since 1970) is outside {Earliest:yyyy}–{Latest:yyyy}");
        return LinkMapping.FromUs(us);
    }

    /// <summary>A finite number within ±<paramref name="limit"/>.</summary>
    public static double Finite(double value, double limit, string what) =>
        double.IsFinite(value) && Math.Abs(value) <= limit ? value : throw new FormatException($"{what} must be a finite number within ±{limit:G}, got {value}");

    /// <summary>A finite number within 0–1.</summary>
    public static double Fraction(double value, string what) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? value : throw new FormatException($"{what} must be within 0–1, got {value}");

    /// <summary>A count or version that must not be negative.</summary>
    public static long NotNegative(long value, string what) =>
        value >= 0 ? value : throw new FormatException($"{what} must not be negative, got {value}");

    /// <summary>A 32-bit unsigned wire number that the record form holds as an <see cref="int"/>.</summary>
    public static int Int32Of(uint value, string what) =>
        value <= int.MaxValue ? (int)value : throw new FormatException($"{what} must be at most {int.MaxValue}, got {value}");

    /// <summary>A 64-bit unsigned wire number that the record form holds as a <see cref="long"/>.</summary>
    public static long Int64Of(ulong value, string what) =>
        value <= long.MaxValue ? (long)value : throw new FormatException($"{what} must be at most {long.MaxValue}, got {value}");

    /// <summary>A delay in microseconds, at most <see cref="MaxDelayUs"/>.</summary>
    public static long Delay(ulong us, string what) =>
        us <= MaxDelayUs ? (long)us : throw new FormatException($"{what} of {us} µs is longer than ten years");

    /// <summary>Text of at most <paramref name="max"/> characters.</summary>
    public static string Text(string value, int max, string what) =>
        value.Length <= max ? value : throw new FormatException($"{what} is {value.Length:N0} characters long; at most {max:N0} are taken");
}
