using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Signing;

/// <summary>
/// The canonical bytes the cloud signs and every tier verifies: one deterministic encoding of everything a
/// document says (its kind, scope, version and content), independent of protobuf's or Orleans' serializers.
/// </summary>
/// <remarks>
/// Layout: an ASCII label naming the kind and layout version and a 0 byte (<c>orleans-edge/policy-document/v1</c>,
/// <c>orleans-edge/model-assignment/v1</c>, <c>orleans-edge/deny-list/v1</c>), so a signature over one kind is never valid for another; then the
/// fields in a fixed order. Integers are big-endian (int32 4 bytes, int64 8 bytes); a double is its IEEE 754
/// bits as an int64; an optional value is a byte 0 (absent) or 1 followed by the value; a string is optional
/// (null = absent) and then a uint32 byte length and its strict UTF-8 (a string that is not valid Unicode cannot
/// be signed or verified); a list is an int32 count and its items; a map is its count and its entries in ordinal
/// order of their keys. Times are microseconds since the Unix epoch and durations milliseconds: the precision the
/// tier link carries, so what a child rebuilds from the wire encodes to the same bytes.
/// </remarks>
public static class SignedContent
{
    /// <summary>Label of a policy document's encoding.</summary>
    public const string PolicyLabel = "orleans-edge/policy-document/v1";

    /// <summary>Label of a model assignment's encoding.</summary>
    public const string ModelAssignmentLabel = "orleans-edge/model-assignment/v1";

    /// <summary>Label of the fleet deny-list's encoding.</summary>
    public const string RevocationsLabel = "orleans-edge/deny-list/v1";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Scope (level, region, store, shelf), version, the policy's five fields and the change time.
    /// The signature itself is not part of it.
    /// </summary>
    public static byte[] Of(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var w = new Writer(PolicyLabel);
        w.Scope(document.Scope);
        w.Int64(document.Version);
        var p = document.Policy;
        w.Present(p.LowStockThresholdUnits is not null);
        if (p.LowStockThresholdUnits is { } units) w.Int32(units);
        w.Present(p.LowStockThresholdFraction is not null);
        if (p.LowStockThresholdFraction is { } fraction) w.Double(fraction);
        w.Double(p.HysteresisUnits);
        w.Int64((long)p.SummaryWindow.TotalMilliseconds);
        w.Double(p.MismatchToleranceFraction);
        w.Int64(Microseconds(document.ChangedAt));
        return w.ToArray();
    }

    /// <summary>Scope, version, the primary manifest, the change time and every variant's manifest, in order.</summary>
    public static byte[] Of(ModelAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var w = new Writer(ModelAssignmentLabel);
        w.Scope(assignment.Scope);
        w.Int64(assignment.Version);
        w.Manifest(assignment.Manifest);
        w.Int64(Microseconds(assignment.ChangedAt));
        var variants = assignment.Variants ?? [];
        w.Int32(variants.Count);
        foreach (var v in variants) w.Manifest(v);
        return w.ToArray();
    }

    /// <summary>
    /// The version and every entry, in order: a list with an entry dropped, added, changed or moved, or under
    /// another version, encodes differently. The signature itself is not part of it.
    /// </summary>
    public static byte[] Of(PublishedRevocations revocations)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        var w = new Writer(RevocationsLabel);
        w.Int64(revocations.Version);
        var entries = revocations.Entries ?? [];
        w.Int32(entries.Count);
        foreach (var entry in entries) w.String(entry);
        return w.ToArray();
    }

    private static long Microseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public Writer(string label)
        {
            _buffer.Write(Encoding.ASCII.GetBytes(label));
            _buffer.Write([(byte)0]);
        }

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        public void Present(bool present) => _buffer.Write([present ? (byte)1 : (byte)0]);

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
            _buffer.Advance(4);
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
            _buffer.Advance(8);
        }

        public void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

        public void String(string? value)
        {
            Present(value is not null);
            if (value is null) return;
            var bytes = StrictUtf8.GetBytes(value);
            Int32(bytes.Length);
            _buffer.Write(bytes);
        }

        public void Scope(PolicyScope scope)
        {
            ArgumentNullException.ThrowIfNull(scope);
            Int32((int)scope.Level);
            String(scope.RegionId);
            String(scope.StoreId);
            String(scope.ShelfId);
        }

        public void Manifest(ModelManifest m)
        {
            ArgumentNullException.ThrowIfNull(m);
            String(m.Version);
            String(m.Sha256);
            Int64(m.SizeBytes);
            String(m.Variant);
            Ints(m.InputShape);
            Ints(m.FillShape);
            Ints(m.SkuShape);
            var metrics = m.Metrics ?? new Dictionary<string, double>();
            Int32(metrics.Count);
            foreach (var (key, value) in metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                String(key);
                Double(value);
            }
        }

        private void Ints(int[]? values)
        {
            Int32(values?.Length ?? 0);
            foreach (var v in values ?? []) Int32(v);
        }
    }
}
