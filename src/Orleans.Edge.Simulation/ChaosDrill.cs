using System.Diagnostics;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.Simulation;

/// <summary>What a <see cref="ChaosFault"/> does to its target.</summary>
public enum ChaosFaultKind
{
    /// <summary>Cuts the target's link to its parent (through the fleet's fault proxy).</summary>
    Cut,

    /// <summary>Crashes the store or region cluster, then restarts it on its ports and data directory.</summary>
    Crash,

    /// <summary>A share of the target's outbox store writes (appends, evictions, parking) fail.</summary>
    OutboxWrites,

    /// <summary>A share of the target's outbox store trims (removing what the parent acked) fail.</summary>
    OutboxTrims,

    /// <summary>A share of the target's grain state writes fail.</summary>
    GrainWrites,

    /// <summary>A share of the target's publishes to its in-memory streams fail (regions: the inbound stream).</summary>
    StreamPublishes,
}

/// <summary>One fault of a drill: <see cref="Kind"/> on <see cref="Target"/> from <see cref="At"/> for <see cref="Length"/>; storage and publish faults fail a share <see cref="Rate"/> of calls.</summary>
public sealed record ChaosFault(ChaosFaultKind Kind, string Target, TimeSpan At, TimeSpan Length, double Rate = 1)
{
    /// <summary>A cut or a crash: at most one at a time per target.</summary>
    public bool IsOutage => Kind is ChaosFaultKind.Cut or ChaosFaultKind.Crash;
}

/// <summary>What a <see cref="ChaosDrill"/> does, per 120 s of run (each kind at least once), and how hard.</summary>
public sealed class ChaosDrillOptions
{
    /// <summary>How long the run lasts; faults start between 10% and 75% of it and are over by 90%.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The seed every fault (kind, target, start, length, rate) is drawn from.</summary>
    public int Seed { get; set; }

    /// <summary>Link cuts of 1–15 s per 120 s.</summary>
    public int Cuts { get; set; } = 20;

    /// <summary>Crashes of a store (down 1–4 s) per 120 s.</summary>
    public int StoreCrashes { get; set; } = 3;

    /// <summary>Crashes of a region (down 1–4 s) per 120 s.</summary>
    public int RegionCrashes { get; set; } = 3;

    /// <summary>Periods of outbox write faults at stores and regions per 120 s; 0 schedules none (likewise the other storage faults).</summary>
    public int OutboxWriteFaults { get; set; } = 4;

    /// <summary>Periods of outbox trim faults at stores and regions per 120 s.</summary>
    public int OutboxTrimFaults { get; set; } = 3;

    /// <summary>Periods of grain state write faults at stores and regions per 120 s.</summary>
    public int GrainWriteFaults { get; set; } = 4;

    /// <summary>Periods of stream publish faults at regions per 120 s.</summary>
    public int StreamPublishFaults { get; set; } = 3;

    /// <summary>How long each storage or publish fault lasts (cut short by the run's 90% mark).</summary>
    public TimeSpan StorageFaultLength { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Share of outbox writes that fail during an outbox write fault.</summary>
    public double OutboxWriteRate { get; set; } = 0.01;

    /// <summary>Share of outbox trims that fail during an outbox trim fault.</summary>
    public double OutboxTrimRate { get; set; } = 0.05;

    /// <summary>Share of grain writes that fail during a grain write fault: drawn per fault between this and <see cref="GrainWriteRateMax"/>.</summary>
    public double GrainWriteRateMin { get; set; } = 0.01;

    /// <summary>See <see cref="GrainWriteRateMin"/>.</summary>
    public double GrainWriteRateMax { get; set; } = 0.05;

    /// <summary>Share of stream publishes that fail during a publish fault.</summary>
    public double StreamPublishRate { get; set; } = 0.05;

    /// <summary>Called once a crashed cluster runs again (e.g. to reconnect a store app's client).</summary>
    public Func<string, Task>? Restarted { get; set; }

    /// <summary>Told about each fault as it starts and ends.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Problems with these options; empty when valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (Duration < TimeSpan.FromSeconds(10)) yield return $"a chaos drill needs at least 10 s, got {Duration.TotalSeconds:0.###} s";
        if (new[] { Cuts, StoreCrashes, RegionCrashes, OutboxWriteFaults, OutboxTrimFaults, GrainWriteFaults, StreamPublishFaults }.Any(n => n < 0))
            yield return "fault counts cannot be negative";
        if (StorageFaultLength < TimeSpan.FromSeconds(1)) yield return $"storage faults last at least 1 s, got {StorageFaultLength.TotalSeconds:0.###} s";
        foreach (var (name, rate) in new[] { ("outbox write", OutboxWriteRate), ("outbox trim", OutboxTrimRate), ("grain write", GrainWriteRateMin),
                     ("grain write", GrainWriteRateMax), ("stream publish", StreamPublishRate) })
            if (rate is <= 0 or > 1) yield return $"the {name} fault rate must be in (0, 1], got {rate}";
        if (GrainWriteRateMax < GrainWriteRateMin) yield return "the grain write fault rate's maximum is below its minimum";
    }
}

/// <summary>
/// The chaos drill of the demo's <c>--chaos</c> and of the in-process chaos tests: during a run it
/// cuts tier links (through the fleet's fault proxies), crashes and restarts store and region
/// clusters, and, given the fleet's <see cref="FleetFaults"/>, fails a share of outbox writes,
/// outbox trims and grain writes at stores and regions and of stream publishes at regions, each for
/// a period, all on a schedule drawn from the seed. Keeps the outage intervals of every link,
/// measures how long each link took to drain after each outage ended, and samples outbox depths.
/// </summary>
public sealed class ChaosDrill
{
    private readonly LocalFleet _fleet;
    private readonly ChaosDrillOptions _options;
    private readonly FleetFaults? _faults;
    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, List<(TimeSpan Start, TimeSpan End)>> _outages = [];
    private readonly Dictionary<(string Child, TimeSpan End), double> _drains = [];
    private readonly List<Task> _watchers = [];
    private int _maxDepth;
    private int _done;

    /// <summary>A drill on <paramref name="fleet"/>; without <paramref name="faults"/> (installed in the fleet with <see cref="FleetFaults.Install"/>) it only cuts and crashes.</summary>
    public ChaosDrill(LocalFleet fleet, ChaosDrillOptions options, FleetFaults? faults = null)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        (_fleet, _options, _faults) = (fleet, options, faults);
        Plan = MakePlan(fleet, options, faults is not null);
    }

    /// <summary>The schedule, by start time.</summary>
    public IReadOnlyList<ChaosFault> Plan { get; }

    /// <summary>Faults carried out so far.</summary>
    public int Done => Volatile.Read(ref _done);

    /// <summary>Faults injected so far by the storage and publish faults (zero without <see cref="FleetFaults"/>).</summary>
    public FaultCounts Injected => _faults?.Injected() ?? new FaultCounts(0, 0, 0, 0);

    /// <summary>Runs the plan; every fault is over (links restored, clusters restarted, switches healed) when this completes.</summary>
    public async Task RunAsync()
    {
        _clock.Start();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleDepths(sampling.Token);
        try
        {
            await Task.WhenAll(Plan.Select(Carry));
            Task[] watchers;
            lock (_outages) watchers = [.. _watchers];
            await Task.WhenAll(watchers);
        }
        finally
        {
            _faults?.HealAll();
            await sampling.CancelAsync();
            await sampler;
        }
    }

    /// <summary>The report's chaos figures, once <see cref="RunAsync"/> has completed.</summary>
    public Dictionary<string, object> Figures()
    {
        var merged = _outages.SelectMany(o => Merge(o.Value).Select(i => (Child: o.Key, i.Start, i.End))).ToList();
        var longest = merged.Count == 0 ? default : merged.MaxBy(i => i.End - i.Start);
        var maxDepth = Math.Max(_maxDepth, _fleet.Stores.Concat(_fleet.Regions).SelectMany(h => _fleet.LivesOf(h.Id)).Max(l => l.Outbox!.MaxCount));
        var injected = Injected;
        return new()
        {
            ["link_cuts"] = Count(ChaosFaultKind.Cut),
            ["store_crashes"] = Plan.Count(f => f.Kind == ChaosFaultKind.Crash && _fleet[f.Target].Tier == EdgeTier.Store),
            ["region_crashes"] = Plan.Count(f => f.Kind == ChaosFaultKind.Crash && _fleet[f.Target].Tier == EdgeTier.Regional),
            ["outbox_write_fault_periods"] = Count(ChaosFaultKind.OutboxWrites),
            ["outbox_trim_fault_periods"] = Count(ChaosFaultKind.OutboxTrims),
            ["grain_write_fault_periods"] = Count(ChaosFaultKind.GrainWrites),
            ["stream_publish_fault_periods"] = Count(ChaosFaultKind.StreamPublishes),
            ["faults_injected"] = new Dictionary<string, long>
            {
                ["outbox_writes"] = injected.OutboxWrites, ["outbox_trims"] = injected.OutboxTrims,
                ["grain_writes"] = injected.GrainWrites, ["stream_publishes"] = injected.StreamPublishes,
            },
            ["max_outbox_depth"] = maxDepth,
            ["longest_outage_seconds"] = Math.Round((longest.End - longest.Start).TotalSeconds, 2),
            ["longest_outage_link"] = longest.Child ?? "",
            ["drain_seconds_after_longest_outage"] = longest.Child is null ? 0 : _drains.GetValueOrDefault((longest.Child, longest.End), -1),
        };
    }

    /// <summary>Faults of <paramref name="kind"/> in the plan.</summary>
    public int Count(ChaosFaultKind kind) => Plan.Count(f => f.Kind == kind);

    private static List<ChaosFault> MakePlan(LocalFleet fleet, ChaosDrillOptions options, bool storageFaults)
    {
        var rng = new Random(options.Seed);
        var duration = options.Duration;
        var scale = duration.TotalSeconds / 120;
        var stores = fleet.Stores.Select(s => s.Id).ToList();
        var regions = fleet.Regions.Select(r => r.Id).ToList();
        List<string> links = [.. stores, .. regions];
        var plan = new List<ChaosFault>();
        // Faults start between 10% and 75% of the run and end by 90% of it, so the run's final drain is not a fault's.
        var (from, to, last) = (duration * 0.10, duration * 0.75, duration * 0.90);
        TimeSpan Start() => from + (to - from) * rng.NextDouble();
        // One outage at a time per target, and one period of each storage fault; storage faults may overlap outages.
        bool Free(ChaosFault fault) => plan.All(f => f.Target != fault.Target || (f.IsOutage ? !fault.IsOutage : f.Kind != fault.Kind)
            || f.At + f.Length + TimeSpan.FromSeconds(1) < fault.At || fault.At + fault.Length + TimeSpan.FromSeconds(1) < f.At);
        int Scaled(int per120) => per120 == 0 ? 0 : Math.Max(1, (int)Math.Round(per120 * scale));
        void Add(ChaosFaultKind kind, IReadOnlyList<string> targets, int count, Func<TimeSpan> length, Func<double>? rate = null)
        {
            for (int placed = 0, tries = 0; placed < count && tries < count * 50; tries++)
            {
                var at = Start();
                var fault = new ChaosFault(kind, targets[rng.Next(targets.Count)], at,
                    TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(length().Ticks, (last - at).Ticks))), rate?.Invoke() ?? 1);
                if (!Free(fault)) continue;
                plan.Add(fault);
                placed++;
            }
        }
        Add(ChaosFaultKind.Cut, links, Math.Max(2, Scaled(options.Cuts)), () => TimeSpan.FromSeconds(1 + 14 * rng.NextDouble()));
        Add(ChaosFaultKind.Crash, stores, Scaled(options.StoreCrashes), () => TimeSpan.FromSeconds(1 + 3 * rng.NextDouble()));
        Add(ChaosFaultKind.Crash, regions, Scaled(options.RegionCrashes), () => TimeSpan.FromSeconds(1 + 3 * rng.NextDouble()));
        if (storageFaults)
        {
            var length = () => options.StorageFaultLength;
            Add(ChaosFaultKind.OutboxWrites, links, Scaled(options.OutboxWriteFaults), length, () => options.OutboxWriteRate);
            Add(ChaosFaultKind.OutboxTrims, links, Scaled(options.OutboxTrimFaults), length, () => options.OutboxTrimRate);
            Add(ChaosFaultKind.GrainWrites, links, Scaled(options.GrainWriteFaults), length,
                () => options.GrainWriteRateMin + (options.GrainWriteRateMax - options.GrainWriteRateMin) * rng.NextDouble());
            Add(ChaosFaultKind.StreamPublishes, regions, Scaled(options.StreamPublishFaults), length, () => options.StreamPublishRate);
        }
        return [.. plan.OrderBy(f => f.At)];
    }

    private async Task Carry(ChaosFault fault)
    {
        await Task.Delay(fault.At);
        var start = _clock.Elapsed;
        var affected = new List<string> { fault.Target };
        _options.Log?.Invoke($"{fault.Kind} {fault.Target} for {fault.Length.TotalSeconds:F1} s{(fault.IsOutage ? "" : $" at {fault.Rate:P1}")}");
        switch (fault.Kind)
        {
            case ChaosFaultKind.Cut:
                var link = _fleet.LinkOf(fault.Target) ?? throw new InvalidOperationException("a chaos drill needs a fleet with fault proxies");
                link.Cut();
                await Task.Delay(fault.Length);
                link.Restore();
                break;
            case ChaosFaultKind.Crash:
                if (_fleet[fault.Target].Tier == EdgeTier.Regional)
                    affected.AddRange(_fleet.Stores.Where(s => ((StoreTierSettings)s.Settings).RegionId == fault.Target).Select(s => s.Id));
                await _fleet.CrashAsync(fault.Target);
                await Task.Delay(fault.Length);
                await _fleet.RestartAsync(fault.Target);
                if (_options.Restarted is { } restarted) await restarted(fault.Target);
                break;
            default:
                var faults = _faults![fault.Target];
                var fails = fault.Kind switch
                {
                    ChaosFaultKind.OutboxWrites => faults.OutboxWrites,
                    ChaosFaultKind.OutboxTrims => faults.OutboxTrims,
                    ChaosFaultKind.GrainWrites => faults.GrainWrites,
                    _ => faults.StreamPublishes,
                };
                var before = fails.Injected;
                fails.FailFor(fault.Length, fault.Rate);
                await Task.Delay(fault.Length);
                fails.Heal();
                _options.Log?.Invoke($"{fault.Kind} {fault.Target} healed after {fails.Injected - before} injected");
                Interlocked.Increment(ref _done);
                return;
        }
        var end = _clock.Elapsed;
        lock (_outages)
        {
            foreach (var child in affected)
            {
                if (!_outages.TryGetValue(child, out var list)) _outages[child] = list = [];
                list.Add((start, end));
                _watchers.Add(WatchDrain(child, end));
            }
        }
        Interlocked.Increment(ref _done);
    }

    /// <summary>How long after <paramref name="end"/> the child's parent had acked everything queued at that moment.</summary>
    private async Task WatchDrain(string child, TimeSpan end)
    {
        var target = _fleet[child].Outbox!.LastSequences;
        while (_clock.Elapsed - end < TimeSpan.FromMinutes(2))
        {
            var host = _fleet[child];
            if (host.IsRunning && host.Outbox!.Peek(int.MaxValue).All(e => e.Sequence > target[e.Lane])) break;
            await Task.Delay(20);
        }
        lock (_outages) _drains[(child, end)] = Math.Round((_clock.Elapsed - end).TotalSeconds, 2);
    }

    private async Task SampleDepths(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            foreach (var host in _fleet.Stores.Concat(_fleet.Regions)) _maxDepth = Math.Max(_maxDepth, host.Outbox!.Count);
            try { await Task.Delay(200, ct); } catch (OperationCanceledException) { }
        }
    }

    private static List<(TimeSpan Start, TimeSpan End)> Merge(List<(TimeSpan Start, TimeSpan End)> intervals)
    {
        var merged = new List<(TimeSpan Start, TimeSpan End)>();
        foreach (var i in intervals.OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && i.Start <= merged[^1].End) merged[^1] = (merged[^1].Start, i.End > merged[^1].End ? i.End : merged[^1].End);
            else merged.Add(i);
        }
        return merged;
    }
}
