namespace Orleans.Edge.Vision.Frames;

/// <summary>The print on a package: a base colour with a pattern in a second colour.</summary>
public enum PackagingPattern
{
    /// <summary>Vertical stripes, 4 px period.</summary>
    VerticalStripes,
    /// <summary>Horizontal stripes, 4 px period.</summary>
    HorizontalStripes,
    /// <summary>Diagonal stripes.</summary>
    DiagonalStripes,
    /// <summary>A grid of dots.</summary>
    Dots,
    /// <summary>A checkerboard.</summary>
    Checker,
    /// <summary>One horizontal band across the middle.</summary>
    Band,
    /// <summary>A frame around the edge.</summary>
    Border,
    /// <summary>A disc in the centre (a logo).</summary>
    Disc,
}

/// <summary>
/// One of the <see cref="ShelfVisionContract.SkuDesigns"/> packaging designs. Designs share base
/// colours in pairs on purpose: a colour cast cannot merge two designs whose patterns differ, and the
/// model has to look at patterns, not only at colour.
/// </summary>
/// <param name="Id">0-based design id, as in <see cref="ShelfVisionContract.DesignOf"/>.</param>
/// <param name="Name">Short human name.</param>
/// <param name="Primary">Base colour, RGB 0..1.</param>
/// <param name="Secondary">Pattern colour, RGB 0..1.</param>
/// <param name="Pattern">The pattern.</param>
public sealed record PackagingDesign(int Id, string Name, Rgb Primary, Rgb Secondary, PackagingPattern Pattern)
{
    /// <summary>The 12 designs, indexed by id.</summary>
    public static IReadOnlyList<PackagingDesign> All { get; } = Create();

    /// <summary>True where the pattern shows the secondary colour, at unit-local pixel (x, y) of a w × h package.</summary>
    internal bool IsSecondary(float x, float y, float w, float h)
    {
        switch (Pattern)
        {
            case PackagingPattern.VerticalStripes: return ((int)(x * 0.5f) & 1) == 0;
            case PackagingPattern.HorizontalStripes: return ((int)(y * 0.5f) & 1) == 0;
            case PackagingPattern.DiagonalStripes: return ((int)((x + y + 8f) * 0.4f) & 1) == 0;
            case PackagingPattern.Checker: return ((((int)(x * (1f / 3f))) + ((int)(y * (1f / 3f)))) & 1) == 0;
            case PackagingPattern.Band: return y > h * 0.35f && y < h * 0.65f;
            case PackagingPattern.Border: return x < 2f || y < 2f || x > w - 2f || y > h - 2f;
            case PackagingPattern.Disc:
                {
                    float dx = x - (w * 0.5f), dy = y - (h * 0.5f);
                    return (dx * dx) + (dy * dy) < 10f;
                }
            case PackagingPattern.Dots:
            default:
                {
                    float dx = x - (((int)(x * 0.25f) * 4f) + 2f), dy = y - (((int)(y * 0.25f) * 4f) + 2f);
                    return (dx * dx) + (dy * dy) < 1.7f;
                }
        }
    }

    private static PackagingDesign[] Create()
    {
        Rgb red = new(0.80f, 0.12f, 0.12f), blue = new(0.12f, 0.25f, 0.80f), green = new(0.12f, 0.62f, 0.20f);
        Rgb yellow = new(0.92f, 0.82f, 0.12f), orange = new(0.95f, 0.50f, 0.08f), purple = new(0.50f, 0.18f, 0.62f);
        Rgb white = new(0.92f, 0.92f, 0.90f), brown = new(0.50f, 0.30f, 0.15f), cyan = new(0.10f, 0.72f, 0.80f);
        PackagingDesign[] designs =
        [
            new(0, "red-vstripes", red, white, PackagingPattern.VerticalStripes),
            new(1, "red-dots", red, yellow, PackagingPattern.Dots),
            new(2, "blue-band", blue, white, PackagingPattern.Band),
            new(3, "blue-checker", blue, new(0.55f, 0.75f, 0.95f), PackagingPattern.Checker),
            new(4, "green-diagonal", green, white, PackagingPattern.DiagonalStripes),
            new(5, "green-border", green, yellow, PackagingPattern.Border),
            new(6, "yellow-hstripes", yellow, new(0.10f, 0.10f, 0.10f), PackagingPattern.HorizontalStripes),
            new(7, "orange-dots", orange, blue, PackagingPattern.Dots),
            new(8, "purple-vstripes", purple, yellow, PackagingPattern.VerticalStripes),
            new(9, "white-band", white, red, PackagingPattern.Band),
            new(10, "brown-checker", brown, new(0.95f, 0.88f, 0.70f), PackagingPattern.Checker),
            new(11, "cyan-disc", cyan, new(0.85f, 0.15f, 0.60f), PackagingPattern.Disc),
        ];
        return designs.Length == ShelfVisionContract.SkuDesigns
            ? designs
            : throw new InvalidOperationException("one packaging design per contract design");
    }
}

/// <summary>A linear RGB colour with channels in 0..1.</summary>
public readonly record struct Rgb(float R, float G, float B);
