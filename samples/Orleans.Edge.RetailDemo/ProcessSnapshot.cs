using System.Diagnostics;

namespace Orleans.Edge.RetailDemo;

/// <summary>CPU and GC figures of this process at one moment, so a run can report what the simulation itself cost.</summary>
public sealed record ProcessSnapshot(TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long WorkingSet)
{
    public static ProcessSnapshot Take()
    {
        using var process = Process.GetCurrentProcess();
        return new(process.TotalProcessorTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), process.WorkingSet64);
    }

    /// <summary>What happened between this snapshot and <paramref name="later"/>.</summary>
    public Dictionary<string, double> Until(ProcessSnapshot later) => new()
    {
        ["cpu_seconds"] = Math.Round((later.Cpu - Cpu).TotalSeconds, 1),
        ["gc_gen0"] = later.Gen0 - Gen0,
        ["gc_gen1"] = later.Gen1 - Gen1,
        ["gc_gen2"] = later.Gen2 - Gen2,
        ["gc_pause_ms"] = Math.Round((later.GcPause - GcPause).TotalMilliseconds, 1),
        ["working_set_mb"] = later.WorkingSet / (1024 * 1024),
    };
}
