using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Spectre.Console;

namespace Orleans.Edge.RetailDemo;

/// <summary>Live per-store figures while the simulation runs (a table on a terminal, a line every 5 s otherwise).</summary>
public sealed class ProgressView(LocalFleet fleet, IReadOnlyList<StoreSimulator> simulators, Func<PolicyChangeEntry?> policy, ChaosDrill? drill = null)
{
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
        var started = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(5000, ct); } catch (OperationCanceledException) { break; }
            var cloud = await fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetAlertStats();
            Console.WriteLine(
                $"[{(DateTime.UtcNow - started).TotalSeconds,4:F0}s] readings {simulators.Sum(s => s.Accepted):N0}, rejected {simulators.Sum(s => s.Rejected)}, " +
                $"alerts at cloud {cloud.UniqueAlertsRaised}, restocks {simulators.Sum(s => s.Restocks)}, " +
                $"queued {fleet.Stores.Sum(s => s.Outbox!.Count)}{PolicyText()}{ChaosText()}");
        }
    }

    private string ChaosText() => drill is null ? "" : $", chaos {drill.Done}/{drill.Plan.Count} faults";

    private string PolicyText() => policy() is { } p ? $", policy v{p.Version} at {p.AppliedStores}/{p.TargetedStores} stores" : "";

    private async Task<Table> Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]stores[/]")
            .AddColumns("store", "region", "readings", "rejected", "open alerts", "restocks", "outbox", "uplink", "policy");
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
        table.Caption($"cloud: {cloud.OpenAlerts.Count} open alerts, {cloud.AlertRevisionsReceived} alert revisions received{PolicyText()}{ChaosText()}");
        return table;
    }
}
