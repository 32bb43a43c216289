namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// SplitMix64: tiny, fast and fully specified, so a seed gives the same numbers on every runtime
/// and platform (System.Random's algorithm is an implementation detail).
/// </summary>
internal sealed class SplitMixRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits, exact in float.</summary>
    public float NextFloat() => (NextULong() >> 40) * (1f / (1 << 24));

    public float Range(float low, float high) => low + ((high - low) * NextFloat());

    public int Next(int exclusiveMax) => (int)((NextULong() >> 33) % (uint)exclusiveMax);

    public bool Chance(float probability) => NextFloat() < probability;

    /// <summary>Approximately standard normal: a scaled sum of four 16-bit uniforms (one draw).</summary>
    public float NextGaussian()
    {
        var r = NextULong();
        var sum = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        // Sum of 4 U(0,1) has mean 2 and variance 1/3.
        return ((sum * (1f / 65536f)) - 2f) * 1.7320508f;
    }

    /// <summary>Combines two values into a seed for an independent stream.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var r = new SplitMixRandom(a ^ (b * 0xD1B54A32D192ED03UL));
        r.NextULong();
        return r.NextULong();
    }

    /// <summary>FNV-1a 64 of a string: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}
