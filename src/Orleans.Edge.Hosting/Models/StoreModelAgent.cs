using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Hosting.Models;

/// <summary>
/// Runs on every store silo: waits on the store's model grain for the effective assignment, takes
/// its artifact from the store's own artifact store or else fetches it from the region (resumable,
/// verified by SHA-256, then kept locally), hands it to this silo's
/// <see cref="IModelInstaller"/> and records the outcome, which the store reports up. Transport
/// errors are retried with backoff; an artifact that fails its hash <see cref="ModelDeliveryOptions.MaxHashFailures"/>
/// times in a row is recorded as refused and not fetched again (a new assignment is).
/// </summary>
public sealed partial class StoreModelAgent(
    IServiceProvider services,
    IClusterClient cluster,
    EdgeIdentity identity,
    ArtifactDownloader downloader,
    IArtifactStore local,
    IOptions<ModelDeliveryOptions> options,
    IOptions<TierLinkClientOptions> linkOptions,
    TimeProvider time,
    ILogger<StoreModelAgent> logger) : BackgroundService
{
    private string? _failingSha;
    private int _hashFailures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = identity.RequireStore();
        // A changed frame rate or variant is reported state too.
        if (services.GetService<IHardwareCapabilitiesSource>() is { } hardware)
            hardware.Changed += caps => _ = ReportAsync(store);
        if (services.GetService<IModelInstaller>() is not { } installer)
        {
            LogNoInstaller(logger, store);
            return;
        }
        var grain = cluster.GetGrain<IStoreModelGrain>(store);
        var backoff = new Backoff(linkOptions.Value.InitialBackoff, linkOptions.Value.MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            ModelManifest? manifest = null;
            try
            {
                var status = await grain.GetStatus();
                var target = await grain.GetTarget();
                manifest = target is null ? null : ChooseVariant(store, target);
                if (manifest is not null && installer.CurrentVersion != manifest.Version
                    && !(status.RejectedVersion == manifest.Version && status.RejectedSha256 == manifest.Sha256))
                {
                    await InstallAsync(grain, installer, manifest, stoppingToken);
                    backoff.Reset();
                    continue;
                }
                if (manifest is not null && installer.CurrentVersion == manifest.Version
                    && (status.AppliedVersion != manifest.Version || status.AppliedVariant != manifest.Variant))
                    await RecordAsync(grain, manifest, new ModelApplyResult(true, manifest.Version, null));
                await grain.WaitForChange(status.AssignmentVersion, TimeSpan.FromSeconds(30), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (manifest is not null && IsIntegrityFailure(ex))
            {
                _hashFailures = _failingSha == manifest.Sha256 ? _hashFailures + 1 : 1;
                _failingSha = manifest.Sha256;
                if (_hashFailures >= options.Value.MaxHashFailures)
                {
                    await RecordAsync(grain, manifest, new ModelApplyResult(false, manifest.Version,
                        $"artifact failed its SHA-256 check {_hashFailures} times: {ex.Message}"));
                    continue;
                }
                await DelayAsync(backoff, stoppingToken);
            }
            catch (Exception ex)
            {
                LogRetrying(logger, store, manifest?.Version, ex.Message);
                await DelayAsync(backoff, stoppingToken);
            }
        }
    }

    /// <summary>The variant this store's hardware names, or fp32 (logged) when the version has no such variant.</summary>
    private ModelManifest ChooseVariant(string store, ModelAssignment target)
    {
        var wanted = services.GetService<IHardwareCapabilitiesSource>()?.Current.ModelVariant ?? ModelAssignment.DefaultVariant;
        var (manifest, fellBack) = target.ManifestFor(wanted);
        if (fellBack && _fallbackLogged != (target.Version, wanted))
        {
            _fallbackLogged = (target.Version, wanted);
            LogVariantFallback(logger, store, manifest.Version, wanted, manifest.Variant);
        }
        return manifest;
    }

    private (long, string)? _fallbackLogged;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} serves {Wanted} models but {Model} has no {Wanted} variant registered; falling back to {Variant}")]
    private static partial void LogVariantFallback(ILogger logger, string store, string model, string wanted, string variant);

    private async Task InstallAsync(IStoreModelGrain grain, IModelInstaller installer, ModelManifest manifest, CancellationToken ct)
    {
        // The store's own copy first: after a restart the last model comes back even while the link is down.
        var bytes = await ReadLocalAsync(manifest, ct);
        if (bytes is null)
        {
            var path = await downloader.DownloadAsync(manifest.Sha256, manifest.SizeBytes, ct);
            bytes = await File.ReadAllBytesAsync(path, ct);
            await local.PutAsync(manifest.Sha256, bytes, ct);
            File.Delete(path);
        }
        var result = await installer.InstallAsync(manifest, bytes, ct);
        _hashFailures = 0;
        LogInstalled(logger, identity.RequireStore(), manifest.Version, result.Applied, result.Problem);
        await RecordAsync(grain, manifest, result);
    }

    /// <summary>The artifact from the store's own artifact store, if it is there whole and hashes to its name; else null.</summary>
    private async Task<byte[]?> ReadLocalAsync(ModelManifest manifest, CancellationToken ct)
    {
        if (await local.GetLengthAsync(manifest.Sha256, ct) != manifest.SizeBytes) return null;
        var bytes = new byte[manifest.SizeBytes];
        for (var offset = 0; offset < bytes.Length;)
        {
            var n = await local.ReadAsync(manifest.Sha256, offset, bytes.AsMemory(offset), ct);
            if (n == 0) return null;
            offset += n;
        }
        if (ArtifactNames.Sha256Of(bytes) == manifest.Sha256) return bytes;
        LogLocalCopyBad(logger, identity.RequireStore(), manifest.Sha256);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store}'s own copy of artifact {Sha256} does not match its hash; fetching it again")]
    private static partial void LogLocalCopyBad(ILogger logger, string store, string sha256);

    private static bool IsIntegrityFailure(Exception ex) =>
        ex is ArtifactIntegrityException || ex is RpcException { StatusCode: StatusCode.DataLoss };

    private async Task RecordAsync(IStoreModelGrain grain, ModelManifest manifest, ModelApplyResult result)
    {
        try
        {
            await grain.Record(manifest, result);
        }
        catch (Exception ex)
        {
            // The loop sees the same target again and retries the install, which the installer makes a no-op.
            LogRecordFailed(logger, identity.RequireStore(), manifest.Version, ex.Message);
        }
    }

    private async Task ReportAsync(string store)
    {
        try
        {
            await cluster.GetGrain<IStoreConfigGrain>(store).ReportState();
        }
        catch (Exception ex)
        {
            LogRecordFailed(logger, store, "(hardware report)", ex.Message);
        }
    }

    private async Task DelayAsync(Backoff backoff, CancellationToken ct)
    {
        try
        {
            await Task.Delay(backoff.Next(), time, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} has no IModelInstaller registered; model assignments are recorded but not installed")]
    private static partial void LogNoInstaller(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Store} offered model {Model} to its installer: applied {Applied} {Problem}")]
    private static partial void LogInstalled(ILogger logger, string store, string model, bool applied, string? problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {Store} could not fetch model {Model} yet, retrying: {Error}")]
    private static partial void LogRetrying(ILogger logger, string store, string? model, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store {Store} could not record the outcome for model {Model}: {Error}")]
    private static partial void LogRecordFailed(ILogger logger, string store, string model, string error);
}
