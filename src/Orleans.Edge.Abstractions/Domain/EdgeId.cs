using System.Buffers;

namespace Orleans.Edge.Domain;

/// <summary>
/// Validation shared by every identifier: 1–64 characters of lower-case letters, digits,
/// '-', '_' and '.', so ids are safe as grain keys, stream keys, metric labels and file names.
/// </summary>
public static class EdgeId
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    /// <summary>Maximum length of an id.</summary>
    public const int MaxLength = 64;

    /// <summary>Returns null when <paramref name="value"/> is a valid id, else the reason it is not.</summary>
    public static string? Problem(string? value, string what)
    {
        if (string.IsNullOrEmpty(value)) return $"{what} is empty";
        if (value.Length > MaxLength) return $"{what} '{value[..16]}…' is longer than {MaxLength} characters";
        var bad = value.AsSpan().IndexOfAnyExcept(Allowed);
        return bad < 0 ? null : $"{what} '{value}' contains '{value[bad]}'; use lower-case letters, digits, '-', '_' or '.'";
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="value"/> is not a valid id.</summary>
    public static string Require(string? value, string what)
    {
        var problem = Problem(value, what);
        return problem is null ? value! : throw new ArgumentException(problem, what);
    }
}

/// <summary>Identifies a region (one regional cluster).</summary>
[GenerateSerializer, Immutable]
public readonly record struct RegionId([property: Id(0)] string Value)
{
    /// <summary>Validates and wraps <paramref name="value"/>.</summary>
    public static RegionId Parse(string value) => new(EdgeId.Require(value, "region id"));
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>Identifies a store (one store cluster); unique across the fleet.</summary>
[GenerateSerializer, Immutable]
public readonly record struct StoreId([property: Id(0)] string Value)
{
    /// <summary>Validates and wraps <paramref name="value"/>.</summary>
    public static StoreId Parse(string value) => new(EdgeId.Require(value, "store id"));
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>Identifies a shelf within its store.</summary>
[GenerateSerializer, Immutable]
public readonly record struct ShelfId([property: Id(0)] string Value)
{
    /// <summary>Validates and wraps <paramref name="value"/>.</summary>
    public static ShelfId Parse(string value) => new(EdgeId.Require(value, "shelf id"));
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>Identifies a sensor (load cell or camera) within its store.</summary>
[GenerateSerializer, Immutable]
public readonly record struct SensorId([property: Id(0)] string Value)
{
    /// <summary>Validates and wraps <paramref name="value"/>.</summary>
    public static SensorId Parse(string value) => new(EdgeId.Require(value, "sensor id"));
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>Who did something (acknowledged, resolved, counted): a person's or an app's name, bounded so it cannot swell the alert it lands in.</summary>
public static class ActorName
{
    /// <summary>Longest name taken.</summary>
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="by"/> is not a usable name, or null when it is.</summary>
    public static string? Problem(string? by) =>
        string.IsNullOrWhiteSpace(by) ? "who did it ('by') must be given"
        : by.Length > MaxLength ? $"'by' is {by.Length:N0} characters long; at most {MaxLength} are taken"
        : null;
}
