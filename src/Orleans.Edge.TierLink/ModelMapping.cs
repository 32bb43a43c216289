using Orleans.Edge.Domain;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink;

/// <summary>Translates model assignments, manifests and hardware between records and the link's protobuf messages.</summary>
public static class ModelMapping
{
    /// <summary>The wire form of an assignment.</summary>
    public static P.ModelAssignment ToWire(ModelAssignment a)
    {
        var wire = new P.ModelAssignment
        {
            Level = (P.ScopeLevel)a.Scope.Level, RegionId = a.Scope.RegionId ?? "", StoreId = a.Scope.StoreId ?? "",
            Version = a.Version, Manifest = ToWire(a.Manifest), ChangedAtUs = LinkMapping.ToUs(a.ChangedAt),
        };
        foreach (var v in a.Variants ?? []) wire.Variants.Add(ToWire(v));
        (wire.Signature, wire.SignerCertificate) = LinkMapping.SignatureToWire(a.Signature);
        return wire;
    }

    /// <summary>The record form of an assignment; throws <see cref="FormatException"/> on an invalid one.</summary>
    public static ModelAssignment FromWire(P.ModelAssignment a)
    {
        var scope = new PolicyScope((ScopeLevel)a.Level, Empty(a.RegionId), Empty(a.StoreId));
        var problems = scope.Problems().ToList();
        if (!Enum.IsDefined(scope.Level) || scope.Level == ScopeLevel.Shelf) problems.Add($"a model is assigned to a global, region or store scope, not level {(int)a.Level}");
        if (a.Version <= 0) problems.Add($"assignment version must be positive, got {a.Version}");
        if (a.Manifest is null) problems.Add("the assignment carries no manifest");
        if (problems.Count > 0) throw new FormatException($"model assignment v{a.Version} is invalid: {string.Join("; ", problems)}");
        var manifest = FromWire(a.Manifest!);
        var variants = a.Variants.Select(FromWire).ToList();
        if (variants.Any(v => v.Version != manifest.Version))
            throw new FormatException($"model assignment v{a.Version} carries variants of another version than {manifest.Version}");
        return new ModelAssignment(scope, a.Version, manifest, WireRanges.Instant(a.ChangedAtUs, $"model assignment v{a.Version}'s change time"),
            variants.Count > 0 ? variants : null, LinkMapping.SignatureFromWire(a.Signature, a.SignerCertificate));
    }

    /// <summary>The wire form of a manifest.</summary>
    public static P.ModelManifest ToWire(ModelManifest m)
    {
        var wire = new P.ModelManifest { Version = m.Version, Sha256 = m.Sha256, SizeBytes = m.SizeBytes, Variant = m.Variant };
        wire.InputShape.AddRange(m.InputShape);
        wire.FillShape.AddRange(m.FillShape);
        wire.SkuShape.AddRange(m.SkuShape);
        foreach (var (k, v) in m.Metrics) wire.Metrics[k] = v;
        return wire;
    }

    /// <summary>The record form of a manifest; throws <see cref="FormatException"/> on a malformed one.</summary>
    public static ModelManifest FromWire(P.ModelManifest m)
    {
        if (EdgeId.Problem(m.Version, "model version") is { } versionProblem) throw new FormatException(versionProblem);
        if (ArtifactNames.Problem(m.Sha256) is { } shaProblem) throw new FormatException(shaProblem);
        if (m.SizeBytes <= 0) throw new FormatException($"model {m.Version} has size {m.SizeBytes}; it must be positive");
        // Empty from a parent that predates variants; otherwise a short id (fp32, int8), since it names files and metric labels.
        if (m.Variant.Length > 0 && (m.Variant.Length > WireRanges.MaxVariantLength || EdgeId.Problem(m.Variant, "model variant") is not null))
            throw new FormatException($"model {m.Version} has variant '{m.Variant}'; a variant is up to {WireRanges.MaxVariantLength} lower-case letters, digits, '-', '_' or '.'");
        return new ModelManifest(m.Version, m.Sha256, m.SizeBytes, m.Variant, [.. m.InputShape], [.. m.FillShape], [.. m.SkuShape],
            new Dictionary<string, double>(m.Metrics, StringComparer.Ordinal));
    }

    /// <summary>The wire form of a store's hardware.</summary>
    public static P.HardwareCapabilities ToWire(HardwareCapabilities h)
    {
        var wire = new P.HardwareCapabilities
        {
            Cores = h.Cores, MemoryMb = h.MemoryMb, ModelVariant = h.ModelVariant, IntraOpThreads = h.IntraOpThreads,
            FrameHzPerCamera = h.FrameHzPerCamera, CanTrain = h.CanTrain,
        };
        wire.Simd.AddRange(h.Simd);
        wire.ExecutionProviders.AddRange(h.ExecutionProviders);
        return wire;
    }

    /// <summary>The record form of a store's hardware; throws <see cref="FormatException"/> on a value out of range.</summary>
    public static HardwareCapabilities FromWire(P.HardwareCapabilities h)
    {
        foreach (var name in h.Simd.Concat(h.ExecutionProviders)) WireRanges.Text(name, WireRanges.MaxNameLength, "a hardware capability's name");
        var hz = h.FrameHzPerCamera;
        if (!double.IsFinite(hz) || hz is < 0 or > WireRanges.MaxFrameHz)
            throw new FormatException($"frame rate per camera must be within 0–{WireRanges.MaxFrameHz:G} Hz, got {hz}");
        return new((int)WireRanges.NotNegative(h.Cores, "core count"), WireRanges.NotNegative(h.MemoryMb, "memory"), [.. h.Simd], [.. h.ExecutionProviders],
            WireRanges.Text(h.ModelVariant, WireRanges.MaxVariantLength, "model variant"), (int)WireRanges.NotNegative(h.IntraOpThreads, "intra-op threads"),
            hz, h.CanTrain);
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;
}
