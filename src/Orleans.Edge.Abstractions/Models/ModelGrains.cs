using Orleans.Concurrency;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Models;

/// <summary>Model assignments held by a source (the cloud's registry or a region's relay) for its children.</summary>
[Alias("edge.model-source")]
public interface IModelAssignmentSource : IGrainWithStringKey
{
    /// <summary>Assignments newer than <paramref name="afterVersion"/> for a child region (store null) or store.</summary>
    [Alias("newer"), AlwaysInterleave] Task<IReadOnlyList<ModelAssignment>> GetNewer(long afterVersion, string region, string? store);

    /// <summary>Completes when an assignment past <paramref name="knownMaxVersion"/> is held, <paramref name="maxWait"/> passes or the caller cancels.</summary>
    [Alias("wait"), AlwaysInterleave] Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken = default);
}

/// <summary>
/// The cloud's model registry; key: <see cref="EdgeNames.CloudKey"/>. Versions with their manifests,
/// the artifact bytes in the cloud's <see cref="IArtifactStore"/> (keyed by SHA-256), and scoped assignments.
/// </summary>
[Alias("edge.model-registry")]
public interface IModelRegistryGrain : IModelAssignmentSource
{
    /// <summary>
    /// Registers <paramref name="onnx"/> as <paramref name="manifest"/>'s version. The registry computes
    /// SHA-256 and size itself (a non-empty <see cref="ModelManifest.Sha256"/> that differs is refused),
    /// checks the version name and the size limit, and refuses a known version with different bytes.
    /// </summary>
    [Alias("register")] Task<ModelRegistrationResult> Register(ModelManifest manifest, byte[] onnx);

    /// <summary>Every registered version, oldest first.</summary>
    [Alias("list"), AlwaysInterleave] Task<IReadOnlyList<ModelManifest>> List();

    /// <summary>One version's manifest, or null.</summary>
    [Alias("get"), AlwaysInterleave] Task<ModelManifest?> Get(string version);

    /// <summary>Assigns a registered version to a global, region or store scope (the next assignment version).</summary>
    [Alias("assign")] Task<ModelAssignmentResult> Assign(PolicyScope scope, string modelVersion);

    /// <summary>The current assignment of every scope.</summary>
    [Alias("assignments"), AlwaysInterleave] Task<IReadOnlyList<ModelAssignment>> GetAssignments();
}

/// <summary>A region's copy of the cloud's model assignments, relayed to its stores; key: region id.</summary>
[Alias("edge.region-models")]
public interface IRegionModelRelayGrain : IModelAssignmentSource
{
    /// <summary>Keeps assignments received from the cloud.</summary>
    [Alias("apply")] Task Apply(IReadOnlyList<ModelAssignment> assignments);

    /// <summary>Highest assignment version held (where the region's downlink resumes).</summary>
    [Alias("max-version"), AlwaysInterleave] Task<long> GetMaxVersion();
}

/// <summary>
/// A store's model assignments and the outcome of installing them; key: store id. The downlink
/// records assignments here; the store's model agent (one per silo) installs the effective one and
/// records the result, which the store reports up with its state.
/// </summary>
[Alias("edge.store-models")]
public interface IStoreModelGrain : IGrainWithStringKey
{
    /// <summary>Keeps assignments that reach this store; one already held changes nothing.</summary>
    [Alias("apply")] Task Apply(IReadOnlyList<ModelAssignment> assignments);

    /// <summary>The most specific assignment reaching the store, or null.</summary>
    [Alias("target"), AlwaysInterleave] Task<ModelAssignment?> GetTarget();

    /// <summary>Completes when the assignments change past <paramref name="knownMaxVersion"/>, <paramref name="maxWait"/> passes or the caller cancels.</summary>
    [Alias("wait"), AlwaysInterleave] Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Records what the installer (or the artifact check before it) said of <paramref name="manifest"/>, and reports the store's state up if it changed.</summary>
    [Alias("record")] Task Record(ModelManifest manifest, ModelApplyResult result);

    /// <summary>
    /// Records an assignment the downlink refused (unsigned, tampered, wrong signer, replayed, another scope): nothing
    /// else changes, the store reports it with its state. <paramref name="modelVersion"/> is the model it named.
    /// </summary>
    [Alias("refuse")] Task Refuse(PolicyRejection rejection, string modelVersion);

    /// <summary>Assignment version, target, applied and rejected model.</summary>
    [Alias("status"), AlwaysInterleave] Task<StoreModelStatus> GetStatus();
}

/// <summary>
/// Where a tier keeps model artifacts, keyed by lower-case hex SHA-256: files under the data
/// directory in the embedded profile, the tier's Redis in production. The store trusts its caller
/// for the key; everyone who reads an artifact for use verifies the hash.
/// </summary>
public interface IArtifactStore
{
    /// <summary>The artifact's length, or null when it is not held.</summary>
    Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="buffer"/>'s length from <paramref name="offset"/>; 0 at the end.</summary>
    Task<int> ReadAsync(string sha256, long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Stores the whole artifact under <paramref name="sha256"/>, replacing what was there.</summary>
    Task PutAsync(string sha256, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Removes the artifact (a copy found corrupt); nothing happens when it is not held.</summary>
    Task DeleteAsync(string sha256, CancellationToken cancellationToken);
}

/// <summary>
/// A parent tier that is itself a child (a region): makes an artifact its own store lacks local,
/// by fetching it once from its parent, so its children can be served from the cache.
/// </summary>
public interface IArtifactUpstream
{
    /// <summary>Ensures <paramref name="sha256"/> is in the local store; returns its length. Concurrent calls for one hash share one transfer.</summary>
    Task<long> EnsureLocalAsync(string sha256, CancellationToken cancellationToken);
}

/// <summary>Checks shared by everything that names an artifact.</summary>
public static class ArtifactNames
{
    /// <summary>A problem sentence when <paramref name="sha256"/> is not 64 lower-case hex digits; null otherwise.</summary>
    public static string? Problem(string? sha256) =>
        sha256 is { Length: 64 } && sha256.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f')
            ? null : $"an artifact is named by 64 lower-case hex digits of its SHA-256, got '{sha256}'";

    /// <summary>The lower-case hex SHA-256 of what <paramref name="store"/> holds under <paramref name="sha256"/> (read in chunks, never whole in memory); null when not held.</summary>
    public static async Task<string?> HashHeldAsync(IArtifactStore store, string sha256, CancellationToken cancellationToken)
    {
        if (await store.GetLengthAsync(sha256, cancellationToken) is not { } length) return null;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        for (long offset = 0; offset < length;)
        {
            var n = await store.ReadAsync(sha256, offset, buffer, cancellationToken);
            if (n == 0) break;
            hash.AppendData(buffer, 0, n);
            offset += n;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
