using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Client;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Policies;
using Orleans.Edge.Store;
using Orleans.Edge.Models;
using Orleans.Edge.TierLink;
using Orleans.Edge.Vision;
using Google.Protobuf;
using Spectre.Console;

namespace Orleans.Edge.RetailDemo;

/// <summary>Starts the fleet, assigns shelf model v1, simulates, changes a policy and the model mid-run, drains, reports, stops.</summary>
public sealed class DemoRun(DemoOptions options)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true };
    private readonly List<StoreSimulator> _simulators = [];
    private LocalFleet _fleet = null!;
    private PolicyChangeEntry? _policyChange;
    private ProcessSnapshot? _simulationStart;
    private ChaosDrill? _drill;
    private readonly FleetFaults _faults = new();
    private string? _scratch;
    private readonly FrameStats _frames = new();
    private ModelRolloutEntry? _rollout;
    private RevocationDrill? _revocation;

    /// <summary>
    /// The model assigned mid-run: v1's weights, unchanged, in an artifact whose ONNX doc string names
    /// the re-release, so it is a new version with its own SHA-256 that really travels down the links.
    /// </summary>
    public const string MidRunModelVersion = "shelf-v1-r2";

    private IModelRegistryGrain Registry => _fleet.Cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);

    private IPolicyGrain Policies => _fleet.Cloud.Grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey);
    private IFleetGrain FleetView => _fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);

    public async Task<int> RunAsync(CancellationToken stop)
    {
        var clusters = 1 + options.Regions * (1 + options.StoresPerRegion);
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]Orleans.Edge retail demo[/]: {clusters} clusters (1 cloud, {options.Regions} regions, {options.Regions * options.StoresPerRegion} stores × {options.ShelvesPerStore} shelves), {options.Duration.TotalSeconds:F0} s");
        var setup = Stopwatch.StartNew();
        // Listening before the fleet starts, so no cluster's first measurements are missed.
        using var latencies = new LatencyListener();
        // A crashed cluster restarts from its data directory; without --data-dir a chaos run uses a scratch one.
        var dataDirectory = options.DataDirectory ?? (options.Chaos ? _scratch = Directory.CreateTempSubdirectory("edge-demo-chaos-").FullName : null);
        _fleet = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = options.Regions, StoresPerRegion = options.StoresPerRegion, RegionSummaryWindow = TimeSpan.FromSeconds(10),
            // Crashed clusters log their abrupt end at error level; a drill expects it.
            ConfigureLogging = l => l.SetMinimumLevel(options.Verbose ? LogLevel.Warning : options.Chaos ? LogLevel.Critical : LogLevel.Error),
            DataDirectory = dataDirectory, FaultProxies = options.Chaos,
            // The drill fails a share of every store's and region's outbox writes, trims, grain writes and publishes now and then.
            ConfigureServices = (id, services) =>
            {
                // Six stores' ONNX sessions share this process's 2 cores: one intra-op thread each, not one per core each.
                if (id.Contains("-s", StringComparison.Ordinal)) services.Configure<Orleans.Edge.Store.Inference.InferenceOptions>(o => o.IntraOpThreads = 1);
                if (options.Chaos) _faults.Install(id, services);
            },
        }, CancellationToken.None);
        try
        {
            await AssignModel(ShelfModels.V1Manifest(), ShelfModels.V1Bytes());
            var initial = await Policies.SetPolicy(PolicyScope.Global, ReplenishmentPolicy.Default with { SummaryWindow = TimeSpan.FromSeconds(10) });
            var seed = options.Seed;
            foreach (var store in _fleet.Stores)
            {
                var client = await Connect(store);
                var sim = new StoreSimulator(_fleet, store.Id, client, options, seed++, _frames);
                await sim.ProvisionAsync();
                _simulators.Add(sim);
            }
            await WaitUntil(async () => (await FleetView.GetView()).Stores.Count(s => s.AppliedPolicyVersion >= initial.Document!.Version
                && s.AppliedModelVersion == ShelfModels.V1Version) == _fleet.Stores.Count, TimeSpan.FromSeconds(30));
            AnsiConsole.MarkupLineInterpolated(
                $"Started and provisioned in {setup.Elapsed.TotalSeconds:F1} s; policy v{initial.Document!.Version} and shelf model {ShelfModels.V1Version} applied everywhere. Ctrl-C stops early.");

            var started = Stopwatch.StartNew();
            _simulationStart = ProcessSnapshot.Take();
            using var simulation = CancellationTokenSource.CreateLinkedTokenSource(stop);
            simulation.CancelAfter(options.Duration);
            var running = _simulators.Select(s => s.RunAsync(simulation.Token)).ToList();
            var policyTask = ChangePolicyMidRun(simulation.Token);
            var modelTask = ChangeModelMidRun(simulation.Token);
            // A chaos drill crashes stores and cuts links on its own schedule: the revocation is timed on a quiet fleet.
            _revocation = options.Chaos ? null : new RevocationDrill(_fleet);
            var revocationTask = _revocation?.RunAsync(options.Duration * 0.65, simulation.Token) ?? Task.CompletedTask;
            _drill = options.Chaos ? new ChaosDrill(_fleet, new ChaosDrillOptions { Duration = options.Duration, Seed = options.Seed, Restarted = Reconnect }, _faults) : null;
            if (_drill is not null)
                AnsiConsole.MarkupLineInterpolated(
                    $"Chaos drill: {_drill.Count(ChaosFaultKind.Cut)} link cuts, {_drill.Count(ChaosFaultKind.Crash)} cluster crashes, fault periods: {_drill.Count(ChaosFaultKind.OutboxWrites)} outbox write, {_drill.Count(ChaosFaultKind.OutboxTrims)} outbox trim, {_drill.Count(ChaosFaultKind.GrainWrites)} grain write, {_drill.Count(ChaosFaultKind.StreamPublishes)} stream publish.");
            var chaosTask = _drill?.RunAsync() ?? Task.CompletedTask;
            await new ProgressView(_fleet, _simulators, () => _policyChange, options.Duration, _drill, _frames, () => _rollout).RunAsync(simulation.Token);
            await Task.WhenAll(running);
            await policyTask;
            await modelTask;
            await revocationTask;
            var simulated = started.Elapsed;
            if (!chaosTask.IsCompleted) AnsiConsole.MarkupLine("Waiting for the chaos drill's last faults to end…");
            await chaosTask;

            AnsiConsole.MarkupLine("Simulation over; draining every outbox to the cloud…");
            var drained = await Drain();
            var report = await BuildReport(simulated, drained, latencies);
            ReportTable.Print(report);
            if (options.ReportPath is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, ReportJson), CancellationToken.None);
                AnsiConsole.MarkupLineInterpolated($"Report written to [bold]{path}[/]");
            }
            // Every frame answered, none refused or failed (a chaos drill's crashes make some fail: not counted against it).
            var framesWhole = options.Chaos || (_frames.Failed == 0 && _frames.Refused == 0);
            if (!framesWhole) AnsiConsole.MarkupLineInterpolated($"[red]{_frames.Refused} frames refused and {_frames.Failed} failed[/]");
            return drained && framesWhole && report.AlertsRaised == report.AlertsReceivedAtCloud
                && (long)report.Delivery["lost"] == 0 && (long)report.Delivery["duplicates_applied"] == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var sim in _simulators) await sim.DisposeAsync();
            await _fleet.StopAsync();
            await _fleet.DisposeAsync();
            if (_scratch is not null) Directory.Delete(_scratch, recursive: true);
            AnsiConsole.MarkupLine("All clusters stopped.");
        }
    }

    private static Task<EdgeStoreClient> Connect(EdgeTierHost store) => StoreSimulator.ConnectAsync(store);

    private Task Reconnect(string id) => _simulators.FirstOrDefault(s => s.StoreId == id)?.ReconnectAsync() ?? Task.CompletedTask;

    /// <summary>Registers a model at the cloud's registry and assigns it to every store (global scope).</summary>
    private async Task<ModelManifest> AssignModel(ModelManifest draft, byte[] onnx)
    {
        var registered = await Registry.Register(draft, onnx);
        if (registered.Manifest is null || registered.Problems.Count > 0)
            throw new InvalidOperationException($"the registry refused model {draft.Version}: {string.Join("; ", registered.Problems)}");
        var assigned = await Registry.Assign(PolicyScope.Global, registered.Manifest.Version);
        if (assigned.Problems.Count > 0)
            throw new InvalidOperationException($"the registry refused to assign model {draft.Version}: {string.Join("; ", assigned.Problems)}");
        return registered.Manifest;
    }

    /// <summary>
    /// At 40 % of the run the cloud registers and assigns <see cref="MidRunModelVersion"/>; we time its
    /// arrival at every store (as the stores report it to the cloud) and read the artifact bytes the
    /// cloud and the regions streamed for it. Frames keep flowing meanwhile.
    /// </summary>
    private async Task ChangeModelMidRun(CancellationToken ct)
    {
        try
        {
            await Task.Delay(options.Duration * 0.4, ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var cloudBefore = Served(_fleet.Cloud);
        var regionsBefore = _fleet.Regions.Sum(Served);
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(ShelfModels.V1Bytes());
        proto.DocString = $"{MidRunModelVersion}: the weights of {ShelfModels.V1Version}, re-released by the retail demo to show a rollout";
        var bytes = proto.ToByteArray();
        var draft = ShelfModels.V1Manifest() with { Version = MidRunModelVersion, Sha256 = "", SizeBytes = 0 };
        var changedAt = Stopwatch.StartNew();
        var manifest = await AssignModel(draft, bytes);
        var targeted = _fleet.Stores.Count;
        _rollout = new ModelRolloutEntry(manifest.Version, ShelfModels.V1Version, manifest.SizeBytes, targeted, 0, null, 0, 0);
        while (changedAt.Elapsed < TimeSpan.FromSeconds(60))
        {
            var applied = (await FleetView.GetView()).Stores.Count(s => s.AppliedModelVersion == manifest.Version);
            _rollout = _rollout with
            {
                AppliedStores = applied, BytesFromCloud = Served(_fleet.Cloud) - cloudBefore, BytesFromRegions = _fleet.Regions.Sum(Served) - regionsBefore,
            };
            if (applied == targeted)
            {
                _rollout = _rollout with { SecondsToApplyAll = Math.Round(changedAt.Elapsed.TotalSeconds, 3) };
                return;
            }
            await Task.Delay(50, CancellationToken.None);
        }

        static long Served(EdgeTierHost host) => host.Get<ModelTransferMetrics>()?.BytesServed ?? 0;
    }

    /// <summary>Halfway through, the cloud tightens the global policy; we time its arrival at every store.</summary>
    private async Task ChangePolicyMidRun(CancellationToken ct)
    {
        try
        {
            await Task.Delay(options.Duration / 2, ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var changedAt = Stopwatch.StartNew();
        var result = await Policies.SetPolicy(PolicyScope.Global,
            ReplenishmentPolicy.Default with { LowStockThresholdFraction = 0.35, HysteresisUnits = 3, SummaryWindow = TimeSpan.FromSeconds(10) });
        var version = result.Document!.Version;
        var targeted = _fleet.Stores.Count;
        _policyChange = new PolicyChangeEntry(version, PolicyScope.Global.Key, targeted, 0, null);
        while (changedAt.Elapsed < TimeSpan.FromSeconds(60))
        {
            var applied = (await FleetView.GetView()).Stores.Count(s => s.AppliedPolicyVersion >= version);
            _policyChange = _policyChange with { AppliedStores = applied };
            if (applied == targeted)
            {
                _policyChange = _policyChange with { SecondsToApplyAll = Math.Round(changedAt.Elapsed.TotalSeconds, 3) };
                return;
            }
            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>
    /// Waits until every outbox is empty, the cloud has every alert the stores raised, and the
    /// delivery counters hold still between two readings. Stores and regions keep producing after
    /// the simulation (the last shelf summary windows close, regions summarise every window), so
    /// counters read one after another while events move would count an event produced and acked
    /// in between as produced but not delivered (or delivered and still queued).
    /// </summary>
    private async Task<bool> Drain()
    {
        var raised = async () => (await Task.WhenAll(_fleet.Stores.Select(s => s.Grains.GetGrain<IStoreGrain>(s.Id).GetAlertStats()))).Sum(s => s.AlertsRaised);
        DeliveryCounts? previous = null;
        return await WaitUntil(async () =>
        {
            if (!_fleet.Stores.Concat(_fleet.Regions).All(h => h.Outbox!.Count == 0) || await raised() != (await FleetView.GetAlertStats()).UniqueAlertsRaised)
            {
                previous = null;
                return false;
            }
            var counts = await CountDelivery();
            var settled = counts.Queued == 0 && previous is not null && counts.Raw.SequenceEqual(previous.Raw);
            previous = counts;
            if (settled) _settled = counts;
            return settled;
        }, DrainTimeout);
    }

    /// <summary>
    /// The counters <c>lost</c> is made of, read together. Two equal readings with nothing queued
    /// mean nothing was numbered, accepted or evicted between them and every numbered event had
    /// left its outbox (acked, so accepted by the parent, or evicted): their difference is exact.
    /// </summary>
    private sealed record DeliveryCounts(long Produced, long Delivered, long Evicted, long Queued, IReadOnlyList<long> Raw);

    private DeliveryCounts? _settled;

    private async Task<DeliveryCounts> CountDelivery()
    {
        var children = _fleet.Stores.Concat(_fleet.Regions).ToList();
        var inboxes = _fleet.Stores.Select(s => _fleet[((StoreTierSettings)s.Settings).RegionId].Grains.GetGrain<ILinkInboxGrain>(s.Id))
            .Concat(_fleet.Regions.Select(r => _fleet.Cloud.Grains.GetGrain<ILinkInboxGrain>(r.Id)));
        var accepted = await Task.WhenAll(inboxes.Select(i => i.GetAccepted()));
        var outboxes = children.Select(c => (Numbered: c.Outbox!.EventsNumbered, Queued: (long)c.Outbox.Count, Evicted: c.Outbox.Evicted.Values.Sum())).ToList();
        return new DeliveryCounts(outboxes.Sum(o => o.Numbered), accepted.Sum(), outboxes.Sum(o => o.Evicted), outboxes.Sum(o => o.Queued),
            [.. accepted, .. outboxes.SelectMany(o => new[] { o.Numbered, o.Queued, o.Evicted })]);
    }

    private static async Task<bool> WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }
        return await condition();
    }

    private async Task<DemoReport> BuildReport(TimeSpan simulated, bool drained, LatencyListener latencies)
    {
        var storeStats = await Task.WhenAll(_fleet.Stores.Select(s => s.Grains.GetGrain<IStoreGrain>(s.Id).GetAlertStats()));
        var cloud = await FleetView.GetAlertStats();
        long duplicates = cloud.DuplicateRevisions + cloud.ReplayedForwards;
        foreach (var region in _fleet.Regions)
        {
            foreach (var store in _fleet.Stores.Where(s => ((StoreTierSettings)s.Settings).RegionId == region.Id))
                duplicates += await region.Grains.GetGrain<ILinkInboxGrain>(store.Id).GetDuplicatesDropped();
            duplicates += await _fleet.Cloud.Grains.GetGrain<ILinkInboxGrain>(region.Id).GetDuplicatesDropped();
        }
        var lives = _fleet.Stores.SelectMany(s => _fleet.LivesOf(s.Id)).ToList();
        var uplink = lives.Sum(s => s.Uplink!.Counter.BytesSent);
        var delivery = await Delivery();
        var raw = _simulators.Sum(s => s.RawReadingBytes);
        var ingested = lives.Sum(s => s.Get<StoreCounters>()!.Accepted);
        return new DemoReport
        {
            Clusters = [.. _fleet.All.Select(h => new ClusterEntry(h.Tier switch
            {
                EdgeTier.Store => "store", EdgeTier.Regional => "regional", _ => "cloud",
            }, h.Id, h.ClusterId))],
            DurationSeconds = Math.Round(simulated.TotalSeconds, 1),
            Shelves = _fleet.Stores.Count * options.ShelvesPerStore,
            ReadingsIngested = ingested,
            ReadingsRejected = lives.Sum(s => s.Get<StoreCounters>()!.Rejected),
            ReadingsPerSecond = Math.Round(ingested / simulated.TotalSeconds, 1),
            AlertsRaised = storeStats.Sum(s => s.AlertsRaised),
            AlertsReceivedAtCloud = cloud.UniqueAlertsRaised,
            AlertRevisionsReceivedAtCloud = cloud.UniqueRevisions,
            DuplicatesSuppressed = duplicates,
            Restocks = _simulators.Sum(s => s.Restocks),
            AlertLatencyMs = Percentiles.Summary(latencies.CloudAlertMs),
            LocalAlertLatencyMs = Percentiles.Summary(latencies.LocalAlertMs, full: false),
            SensorToShelfMs = Percentiles.Summary(latencies.SensorToShelfMs, full: false),
            UplinkBytes = uplink,
            UplinkPayloadBytes = lives.Sum(s => s.Uplink!.Status.PayloadBytes),
            UplinkBatches = lives.Sum(s => s.Uplink!.Status.Batches),
            UplinkEvents = lives.Sum(s => s.Uplink!.Status.EventsSent),
            RawReadingBytes = raw,
            UplinkRatio = raw == 0 ? 0 : Math.Round((double)uplink / raw, 5),
            Inference = InferenceFigures(simulated),
            ModelRollout = _rollout,
            PolicyChange = _policyChange,
            Revocation = _revocation?.Result,
            Delivery = delivery,
            Process = _simulationStart!.Until(ProcessSnapshot.Take()),
            Drained = drained,
        };
    }

    /// <summary>
    /// What the cameras' frames cost and gave. The frame bytes on the links are read from the links:
    /// every uplink (stores' and regions', every life) measures each event it sends. A frame is
    /// 24 KiB of noisy pixels, so an event carrying one is at least 16 KiB: frame_bytes_uplinked is
    /// the bytes of all events of 16 KiB or more (an upper bound; 0 means no event could hold a
    /// frame). The largest event and the bytes per payload kind are in the report to check it by.
    /// </summary>
    private InferenceEntry InferenceFigures(TimeSpan simulated)
    {
        var byKind = _fleet.Stores.Concat(_fleet.Regions).SelectMany(h => _fleet.LivesOf(h.Id))
            .SelectMany(h => h.Uplink!.Status.PayloadBytesByKind).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var lives = _fleet.Stores.Concat(_fleet.Regions).SelectMany(h => _fleet.LivesOf(h.Id)).Select(h => h.Uplink!.Status).ToList();
        return new InferenceEntry(
            _frames.Judged, Math.Round(_frames.Judged / simulated.TotalSeconds, 1),
            Percentiles.Summary(_frames.LatenciesMs(), full: false), _frames.LatestModel,
            _frames.SlotAccuracy is { } a ? Math.Round(a, 4) : null,
            lives.Sum(l => l.LargeEventBytes), lives.Max(l => l.LargestEventBytes),
            _frames.Submitted, _frames.RefusedByReason, _frames.Failed, _frames.JudgedByModel, _frames.FrameBytes, byKind);
    }

    /// <summary>
    /// Every upward event on both kinds of link: produced (numbered by an outbox, across restarts),
    /// delivered (distinct events the parent's inbound log accepted), evicted (counted by the outbox)
    /// and lost, which is what is left and must be 0; all four from the settled reading of the
    /// drain (a fresh, possibly moving one if the drain timed out, which the report shows as not
    /// drained). <c>duplicates_applied</c> compares what each consumer applied with what its logs
    /// accepted: more would mean an event applied twice.
    /// </summary>
    private async Task<Dictionary<string, object>> Delivery()
    {
        var children = _fleet.Stores.Concat(_fleet.Regions).ToList();
        var counts = _settled ?? await CountDelivery();
        long duplicates = 0, duplicatesApplied = 0;
        foreach (var region in _fleet.Regions)
        {
            var view = await region.Grains.GetGrain<IRegionAggregatorGrain>(region.Id).GetStores();
            foreach (var store in _fleet.Stores.Where(s => ((StoreTierSettings)s.Settings).RegionId == region.Id))
            {
                var inbox = region.Grains.GetGrain<ILinkInboxGrain>(store.Id);
                var accepted = await inbox.GetAccepted();
                duplicates += await inbox.GetDuplicatesDropped();
                duplicatesApplied += Math.Max(0, (view.SingleOrDefault(v => v.StoreId == store.Id)?.EventsReceived ?? 0) - accepted);
            }
        }
        var applied = await FleetView.GetEventsApplied();
        foreach (var region in _fleet.Regions)
        {
            var inbox = _fleet.Cloud.Grains.GetGrain<ILinkInboxGrain>(region.Id);
            var accepted = await inbox.GetAccepted();
            duplicates += await inbox.GetDuplicatesDropped();
            duplicatesApplied += Math.Max(0, applied.GetValueOrDefault(region.Id) - accepted);
        }
        var cloud = await FleetView.GetAlertStats();
        duplicates += cloud.DuplicateRevisions + cloud.ReplayedForwards;
        var evicted = children.SelectMany(c => c.Outbox!.Evicted).GroupBy(e => e.Key.Class.ToString()).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var evictedByCause = children.SelectMany(c => c.Outbox!.Evicted).GroupBy(e => e.Key.Cause.ToString()).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var delivery = new Dictionary<string, object>
        {
            ["events_produced"] = counts.Produced, ["events_delivered_unique"] = counts.Delivered, ["duplicates_dropped"] = duplicates,
            ["duplicates_applied"] = duplicatesApplied,
            ["evicted_by_class"] = evicted, ["evicted_by_cause"] = evictedByCause, ["still_queued"] = counts.Queued,
            ["lost"] = counts.Produced - counts.Delivered - counts.Evicted - counts.Queued,
            ["max_outbox_depth"] = children.SelectMany(c => _fleet.LivesOf(c.Id)).Max(c => c.Outbox!.MaxCount),
            ["longest_outage_seconds"] = 0.0,
            ["drain_seconds_after_longest_outage"] = 0.0,
        };
        if (_drill is not null)
            foreach (var (key, value) in _drill.Figures()) delivery[key] = value;
        return delivery;
    }
}
