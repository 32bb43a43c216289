using System.Diagnostics;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.RetailDemo;

/// <summary>One fault of a drill: a link cut or a cluster crash, from <c>At</c> for <c>Length</c>.</summary>
public sealed record ChaosFault(string Kind, string Target, TimeSpan At, TimeSpan Length);

/// <summary>
/// The demo's <c>--chaos</c>: during the run, cuts tier links (through the fleet's fault proxies)
/// and crashes and restarts store and region clusters, on a schedule drawn from the seed. Keeps the
/// outage intervals of every link, measures how long each link took to drain after each fault
/// ended, and samples outbox depths.
/// </summary>
public sealed class ChaosDrill(LocalFleet fleet, IReadOnlyList<StoreSimulator> simulators, TimeSpan duration, int seed)
{
    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, List<(TimeSpan Start, TimeSpan End)>> _outages = [];
    private readonly Dictionary<(string Child, TimeSpan End), double> _drains = [];
    private readonly List<Task> _watchers = [];
    private int _maxDepth;

    /// <summary>The schedule: 20 cuts of 1–15 s and 3 crashes each of a store and of a region per 120 s of run (at least 2, 1 and 1).</summary>
    public IReadOnlyList<ChaosFault> Plan { get; } = MakePlan(fleet, duration, seed);

    /// <summary>Faults carried out so far.</summary>
    public int Done { get; private set; }

    /// <summary>Runs the plan; every fault is over (links restored, clusters restarted) when this completes.</summary>
    public async Task RunAsync()
    {
        _clock.Start();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleDepths(sampling.Token);
        await Task.WhenAll(Plan.Select(Carry));
        await Task.WhenAll(_watchers);
        await sampling.CancelAsync();
        await sampler;
    }

    /// <summary>The report's chaos figures, once <see cref="RunAsync"/> has completed.</summary>
    public Dictionary<string, object> Figures()
    {
        var merged = _outages.SelectMany(o => Merge(o.Value).Select(i => (Child: o.Key, i.Start, i.End))).ToList();
        var longest = merged.Count == 0 ? default : merged.MaxBy(i => i.End - i.Start);
        var maxDepth = Math.Max(_maxDepth, fleet.Stores.Concat(fleet.Regions).SelectMany(h => fleet.LivesOf(h.Id)).Max(l => l.Outbox!.MaxCount));
        return new()
        {
            ["link_cuts"] = Plan.Count(f => f.Kind == "cut"),
            ["store_crashes"] = Plan.Count(f => f.Kind == "crash" && fleet[f.Target].Tier == EdgeTier.Store),
            ["region_crashes"] = Plan.Count(f => f.Kind == "crash" && fleet[f.Target].Tier == EdgeTier.Regional),
            ["max_outbox_depth"] = maxDepth,
            ["longest_outage_seconds"] = Math.Round((longest.End - longest.Start).TotalSeconds, 2),
            ["longest_outage_link"] = longest.Child ?? "",
            ["drain_seconds_after_longest_outage"] = longest.Child is null ? 0 : _drains.GetValueOrDefault((longest.Child, longest.End), -1),
        };
    }

    private static List<ChaosFault> MakePlan(LocalFleet fleet, TimeSpan duration, int seed)
    {
        var rng = new Random(seed);
        var scale = duration.TotalSeconds / 120;
        var links = fleet.Stores.Concat(fleet.Regions).Select(h => h.Id).ToList();
        var plan = new List<ChaosFault>();
        // Faults start between 10% and 75% of the run and end by 90% of it, so the run's final drain is not a fault's.
        var (from, to, last) = (duration * 0.10, duration * 0.75, duration * 0.90);
        TimeSpan Start() => from + (to - from) * rng.NextDouble();
        bool Free(string target, TimeSpan at, TimeSpan length) =>
            plan.All(f => f.Target != target || f.At + f.Length + TimeSpan.FromSeconds(1) < at || at + length + TimeSpan.FromSeconds(1) < f.At);
        void Add(string kind, IReadOnlyList<string> targets, int count, Func<TimeSpan> length)
        {
            for (int placed = 0, tries = 0; placed < count && tries < count * 50; tries++)
            {
                var at = Start();
                var fault = new ChaosFault(kind, targets[rng.Next(targets.Count)], at, TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(length().Ticks, (last - at).Ticks))));
                if (!Free(fault.Target, fault.At, fault.Length)) continue;
                plan.Add(fault);
                placed++;
            }
        }
        Add("cut", links, Math.Max(2, (int)Math.Round(20 * scale)), () => TimeSpan.FromSeconds(1 + 14 * rng.NextDouble()));
        Add("crash", [.. fleet.Stores.Select(s => s.Id)], Math.Max(1, (int)Math.Round(3 * scale)), () => TimeSpan.FromSeconds(1 + 3 * rng.NextDouble()));
        Add("crash", [.. fleet.Regions.Select(r => r.Id)], Math.Max(1, (int)Math.Round(3 * scale)), () => TimeSpan.FromSeconds(1 + 3 * rng.NextDouble()));
        return [.. plan.OrderBy(f => f.At)];
    }

    private async Task Carry(ChaosFault fault)
    {
        await Task.Delay(fault.At);
        var start = _clock.Elapsed;
        var affected = new List<string> { fault.Target };
        if (fault.Kind == "cut")
        {
            var link = fleet.LinkOf(fault.Target) ?? throw new InvalidOperationException("a chaos drill needs a fleet with fault proxies");
            link.Cut();
            await Task.Delay(fault.Length);
            link.Restore();
        }
        else
        {
            if (fleet[fault.Target].Tier == EdgeTier.Regional)
                affected.AddRange(fleet.Stores.Where(s => ((StoreTierSettings)s.Settings).RegionId == fault.Target).Select(s => s.Id));
            await fleet.CrashAsync(fault.Target);
            await Task.Delay(fault.Length);
            await fleet.RestartAsync(fault.Target);
            if (simulators.FirstOrDefault(s => s.StoreId == fault.Target) is { } sim) await sim.ReconnectAsync();
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
        Done++;
    }

    /// <summary>How long after <paramref name="end"/> the child's parent had acked everything queued at that moment.</summary>
    private async Task WatchDrain(string child, TimeSpan end)
    {
        var target = fleet[child].Outbox!.LastSequences;
        while (_clock.Elapsed - end < TimeSpan.FromMinutes(2))
        {
            var host = fleet[child];
            if (host.IsRunning && host.Outbox!.Peek(int.MaxValue).All(e => e.Sequence > target[e.Lane])) break;
            await Task.Delay(20);
        }
        lock (_outages) _drains[(child, end)] = Math.Round((_clock.Elapsed - end).TotalSeconds, 2);
    }

    private async Task SampleDepths(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            foreach (var host in fleet.Stores.Concat(fleet.Regions)) _maxDepth = Math.Max(_maxDepth, host.Outbox!.Count);
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
