using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace Orleans.Edge.Tests;

/// <summary>
/// Runs a property over generated hostile inputs from one fixed seed, so CI sees the same inputs every
/// run and a failure names the seed and iteration that reproduce it. Longer local runs:
/// <c>ORLEANS_EDGE_FUZZ_SEED</c> (another seed) and <c>ORLEANS_EDGE_FUZZ_ITER</c> (iterations per
/// property instead of each test's default); see docs/fuzzing.md.
/// </summary>
public static class Fuzzing
{
    public const string SeedVariable = "ORLEANS_EDGE_FUZZ_SEED";
    public const string IterationsVariable = "ORLEANS_EDGE_FUZZ_ITER";

    /// <summary>The seed CI runs with.</summary>
    public const ulong DefaultSeed = 20_261_128;

    /// <summary>Inputs per boundary unless a test or <see cref="IterationsVariable"/> says otherwise.</summary>
    public const int DefaultIterations = 10_000;

    public static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
        ? seed : DefaultSeed;

    public static int Iterations(int iterations = DefaultIterations) =>
        int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : iterations;

    /// <summary>
    /// Checks <paramref name="property"/> on <see cref="Iterations"/> values of <paramref name="gen"/>, drawn in
    /// order from <paramref name="seed"/> (default <see cref="Seed"/>); returns how many ran.
    /// </summary>
    public static int Check<T>(Gen<T> gen, Action<T> property, int iterations = DefaultIterations, ulong? seed = null, Func<T, string>? print = null)
    {
        var start = seed ?? Seed;
        var n = Iterations(iterations);
        var pcg = new PCG(1, start);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var value = gen.Generate(pcg, null, out _);
            try
            {
                property(value);
            }
            catch (Exception ex)
            {
                throw new FuzzFailure($"seed {start}, iteration {i} of {n}: {(print ?? Print)(value)}: {ex.GetType().Name}: {ex.Message}", ex);
            }
        }
        Console.WriteLine($"fuzz: {n} inputs in {clock.Elapsed.TotalSeconds:F2} s (seed {start})");
        return n;
    }

    /// <summary>A text a person can paste back into a regression case; long or control characters escaped.</summary>
    public static string Print<T>(T value)
    {
        string text;
        try
        {
            text = value?.ToString() ?? "null";
        }
        catch (ArgumentException ex)
        {
            // Protobuf's JSON form refuses unpaired surrogates, which the generators make on purpose.
            text = $"{typeof(T).Name} that does not print ({ex.Message})";
        }
        if (text.Length > 400) text = text[..400] + "…";
        return string.Concat(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}

/// <summary>A property failed for a generated input; the message names the seed and iteration.</summary>
public sealed class FuzzFailure(string message, Exception inner) : Exception(message, inner);

/// <summary>Hostile building blocks shared by the fuzz tests.</summary>
public static class Hostile
{
    /// <summary>Ids: valid ones, empty, overlong, unicode, control characters, separators, whitespace.</summary>
    public static readonly Gen<string> Id = Gen.Frequency(
        (4, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_."], 1, 40]),
        (1, Gen.Const("")),
        (1, Gen.String[Gen.Char["ab-"], 60, 400]),
        (1, Gen.String),
        (1, Gen.String[Gen.Char["a/\\:*? \t\r\n\0\u200b\u0301ÄŸ😀.-"], 0, 20]),
        (1, Gen.Const("   ")),
        (1, Gen.Const("eu")),
        (1, Gen.Const("s1")));

    /// <summary>Doubles around every edge: NaN, infinities, extremes, subnormals, small and big.</summary>
    public static readonly Gen<double> Number = Gen.Frequency(
        (3, Gen.Double[-2, 2]),
        (2, Gen.Double[-1e8, 1e8]),
        (2, Gen.Double),
        (2, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue,
            double.Epsilon, -double.Epsilon, 0.0, -0.0, 1.0, 1e7, 1e7 + 1, -1e7 - 1)));

    public static readonly Gen<long> Long = Gen.Frequency(
        (3, Gen.Long[-5, 1000]),
        (2, Gen.Long),
        (1, Gen.OneOf(long.MinValue, long.MaxValue, long.MaxValue / 10, long.MinValue / 10, 946_684_800_000_000L, 7_258_118_400_000_000L)));

    public static readonly Gen<int> Int = Gen.Frequency((3, Gen.Int[-5, 1000]), (2, Gen.Int), (1, Gen.OneOf(int.MinValue, int.MaxValue)));
}
