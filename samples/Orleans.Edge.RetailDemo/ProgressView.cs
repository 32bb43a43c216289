using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Spectre.Console;

namespace Orleans.Edge.RetailDemo;

/// <summary>
/// Live per-store figures while the simulation runs: a table that fits 80 columns on a terminal,
/// with the time run and left in its title, or a line every 5 s otherwise.
/// </summary>
public sealed class ProgressView(LocalFleet fleet, IReadOnlyList<StoreSimulator> simulators, Func<PolicyChangeEntry?> policy, TimeSpan duration,
    ChaosDrill? drill = null, FrameStats? frames = null, Func<ModelRolloutEntry?>? rollout = null)
{
    private readonly DateTime _started = DateTime.UtcNow;

    private string Clock()
    {
        var run = DateTime.UtcNow - _started;
        var left = duration - run;
        return $"{run.TotalSeconds:F0}s run, {Math.Max(0, left.TotalSeconds):F0}s left";
    }

    public async Task RunAsync(CancellationToken ct)
    {
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            await AnsiConsole.Live(new Table()).AutoClear(false).StartAsync(async live =>
            {
                while (!ct.IsCancellationRequested)
                {
                    live.UpdateTarget(await Render());
                    try { await Task.Delay(1000, ct); } catch (OperationCanceledException) { }
                }
                live.UpdateTarget(await Render());
            });
            return;
        }
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(5000, ct); } catch (OperationCanceledException) { break; }
            var cloud = await fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetAlertStats();
            Console.WriteLine(
                $"[{Clock()}] readings {simulators.Sum(s => s.Accepted):N0}, rejected {simulators.Sum(s => s.Rejected)}, " +
                $"alerts at cloud {cloud.UniqueAlertsRaised}, restocks {simulators.Sum(s => s.Restocks)}, " +
                $"queued {fleet.Stores.Sum(s => s.Outbox!.Count)}{FramesText()}{PolicyText()}{ModelText()}{ChaosText()}");
        }
    }

    private string FramesText() => frames is null ? "" : $", frames {frames.Judged:N0}/{frames.Submitted:N0} judged ({frames.LatestModel ?? "no model"})";

    private string ModelText() => rollout?.Invoke() is { } m
        ? $", model {m.Version} at {m.AppliedStores}/{m.TargetedStores} stores{(m.SecondsToApplyAll is { } s ? $" in {s:F2} s" : "")}" : "";

    private string ChaosText() => drill is null ? "" : $", chaos {drill.Done}/{drill.Plan.Count} faults";

    private string PolicyText() => policy() is { } p ? $", policy v{p.Version} at {p.AppliedStores}/{p.TargetedStores} stores" : "";

    private async Task<Table> Render()
    {
        // Short headers: nine columns must fit an 80-column terminal without truncation.
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]stores[/] ({Clock()})")
            .AddColumns("store", "region", "reads", "bad", "open", "restock", "queue", "link", "policy");
        foreach (var sim in simulators)
        {
            var host = sim.Host;
            string open;
            try
            {
                open = host.IsRunning ? $"{(await sim.Client.GetOpenAlertsAsync().WaitAsync(TimeSpan.FromSeconds(1))).Count}" : "–";
            }
            catch (Exception)
            {
                open = "–";   // the store is restarting
            }
            var link = host.Uplink!.Status;
            var settings = (StoreTierSettings)host.Settings;
            var uplink = !host.IsRunning ? "[red]crashed[/]" : link.Connected ? "[green]up[/]" : "[red]down[/]";
            table.AddRow(sim.StoreId, settings.RegionId, $"{sim.Accepted:N0}", $"{sim.Rejected}", open, $"{sim.Restocks}",
                $"{host.Outbox!.Count}", uplink, $"v{link.PolicyVersionReceived}");
        }
        var cloud = await fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetView();
        table.Caption($"cloud: {cloud.OpenAlerts.Count} open alerts, {cloud.AlertRevisionsReceived} alert revisions received{PolicyText()}{ChaosText()}\n" +
            $"cameras: {FramesText().TrimStart(',', ' ')}{ModelText()}");
        return table;
    }
}
