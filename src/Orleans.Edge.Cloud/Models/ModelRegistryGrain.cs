using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Cloud.Models;

/// <summary>The model registry's settings (configuration section <c>Edge:ModelRegistry</c>).</summary>
public sealed class ModelRegistryOptions : IValidatedOptions
{
    /// <summary>
    /// Largest artifact the registry takes. The bytes travel in one grain call, under Orleans'
    /// 100 MiB message limit (the ResNet18 backbone is 64 MB).
    /// </summary>
    public long MaxArtifactBytes { get; set; } = 96L * 1024 * 1024;

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(OptionRules.Between(MaxArtifactBytes, 1, 100L * 1024 * 1024, nameof(MaxArtifactBytes)));
}

/// <summary>What the registry persists: manifests (the bytes live in the <see cref="IArtifactStore"/>) and assignments.</summary>
[GenerateSerializer]
public sealed class ModelRegistryData
{
    /// <summary>Registered versions, oldest first.</summary>
    [Id(0)] public List<ModelManifest> Manifests { get; set; } = [];

    /// <summary>The latest assignment per scope.</summary>
    [Id(1)] public List<ModelAssignment> Assignments { get; set; } = [];

    /// <summary>Last assignment version handed out; versions never repeat.</summary>
    [Id(2)] public long LastVersion { get; set; }
}

/// <summary>
/// The cloud's model registry: validates and stores model versions (artifact bytes in the cloud's
/// artifact store, keyed by the SHA-256 computed here) and publishes scoped assignments, each with
/// the next cloud-wide assignment version, which the downlinks carry to regions and stores.
/// Every assignment is signed with its manifests (<see cref="IDocumentSigner"/>): a cloud without a signer assigns nothing.
/// </summary>
public sealed partial class ModelRegistryGrain(
    [PersistentState("model-registry", EdgeNames.StateStore)] IPersistentState<ModelRegistryData> state,
    IArtifactStore artifacts,
    IOptions<ModelRegistryOptions> options,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    IEnumerable<IDocumentSigner> signers,
    ILogger<ModelRegistryGrain> logger) : Grain, IModelRegistryGrain
{
    private readonly ModelAssignmentBook _book = new();
    private readonly IDocumentSigner? _signer = signers.LastOrDefault();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Assignments kept from before signing existed are signed as they are (same version).
        _book.ApplyAll(state.State.Assignments.Select(a => a.Signature is null && _signer is not null ? _signer.Sign(a) : a));
        _book.Announce();
        return Task.CompletedTask;
    }

    public async Task<ModelRegistrationResult> Register(ModelManifest manifest, byte[] onnx)
    {
        var problems = new List<string>();
        if (EdgeId.Problem(manifest.Version, "model version") is { } versionProblem) problems.Add(versionProblem);
        if (onnx is null || onnx.Length == 0) problems.Add("the model has no bytes");
        else if (onnx.Length > options.Value.MaxArtifactBytes)
            problems.Add($"the model is {onnx.Length:N0} bytes; the registry takes at most {options.Value.MaxArtifactBytes:N0}");
        if (string.IsNullOrWhiteSpace(manifest.Variant)) problems.Add("the manifest names no variant (e.g. fp32 or int8)");
        if (manifest.InputShape is null || manifest.InputShape.Length == 0) problems.Add("the manifest has no input shape");
        if (problems.Count > 0) return new ModelRegistrationResult(null, problems);

        var sha = ArtifactNames.Sha256Of(onnx);
        if (!string.IsNullOrEmpty(manifest.Sha256) && !string.Equals(manifest.Sha256, sha, StringComparison.OrdinalIgnoreCase))
            return new ModelRegistrationResult(null, [$"the manifest says SHA-256 {manifest.Sha256}, the bytes hash to {sha}"]);
        var registered = manifest with
        {
            Sha256 = sha, SizeBytes = onnx!.Length, FillShape = manifest.FillShape ?? [], SkuShape = manifest.SkuShape ?? [],
            Metrics = new Dictionary<string, double>(manifest.Metrics ?? new Dictionary<string, double>(), StringComparer.Ordinal),
        };
        // A version may have several variants (fp32, int8, ...), each its own artifact; registering one
        // never touches another, and one (version, variant) names one artifact for good.
        if (state.State.Manifests.Find(m => m.Version == manifest.Version && SameVariant(m.Variant, manifest.Variant)) is { } known)
            return known.Sha256 == sha
                ? new ModelRegistrationResult(known, [], AlreadyRegistered: true)
                : new ModelRegistrationResult(null, [$"model version '{manifest.Version}' variant '{known.Variant}' is registered with other bytes (SHA-256 {known.Sha256}, these hash to {sha}); register a new version"]);

        // Bytes first, then the manifest: a manifest never names an artifact that is not stored.
        await artifacts.PutAsync(sha, onnx, CancellationToken.None);
        state.State.Manifests.Add(registered);
        await state.WriteStateAsync();
        LogRegistered(logger, registered.Version, registered.Variant, sha, onnx.Length);
        return new ModelRegistrationResult(registered, []);
    }

    public Task<IReadOnlyList<ModelManifest>> List() => Task.FromResult<IReadOnlyList<ModelManifest>>([.. state.State.Manifests]);

    public Task<ModelManifest?> Get(string version) => Task.FromResult(Primary(version));

    /// <summary>A version's fp32 variant when registered, else its first registered one.</summary>
    private ModelManifest? Primary(string version) =>
        state.State.Manifests.Find(m => m.Version == version && SameVariant(m.Variant, ModelAssignment.DefaultVariant))
        ?? state.State.Manifests.Find(m => m.Version == version);

    private static bool SameVariant(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public async Task<ModelAssignmentResult> Assign(PolicyScope scope, string modelVersion)
    {
        var problems = scope.Problems().ToList();
        if (scope.Level == ScopeLevel.Shelf) problems.Add("a model is assigned to a global, region or store scope; a store runs one model for all its shelves");
        var manifest = Primary(modelVersion);
        if (manifest is null) problems.Add($"model version '{modelVersion}' is not registered");
        if (_signer is null) problems.Add(DocumentSigning.NoSigner);
        if (problems.Count > 0) return new ModelAssignmentResult(null, problems);

        var variants = state.State.Manifests.Where(m => m.Version == modelVersion).ToList();
        var assignment = _signer!.Sign(new ModelAssignment(scope, state.State.LastVersion + 1, manifest!, time.GetUtcNow(), variants));
        _book.Apply(assignment);
        state.State.LastVersion = assignment.Version;
        state.State.Assignments = [.. _book.Assignments];
        await state.WriteStateAsync();
        LogAssigned(logger, modelVersion, scope.Key, assignment.Version);
        _book.Announce();
        return new ModelAssignmentResult(assignment, []);
    }

    public Task<IReadOnlyList<ModelAssignment>> GetAssignments() =>
        Task.FromResult<IReadOnlyList<ModelAssignment>>([.. _book.Assignments.OrderBy(a => a.Version)]);

    public Task<IReadOnlyList<ModelAssignment>> GetNewer(long afterVersion, string region, string? store) =>
        Task.FromResult(_book.NewerFor(afterVersion, region, store));

    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _book.WaitForChange(knownMaxVersion, maxWait, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} ({Variant}) registered: SHA-256 {Sha256}, {Bytes} bytes")]
    private static partial void LogRegistered(ILogger logger, string version, string variant, string sha256, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} assigned to {Scope} as assignment version {Version}")]
    private static partial void LogAssigned(ILogger logger, string model, string scope, long version);
}
