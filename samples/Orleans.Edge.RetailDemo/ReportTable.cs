using Spectre.Console;

namespace Orleans.Edge.RetailDemo;

/// <summary>The demo's report as the table printed at the end of a run.</summary>
internal static class ReportTable
{
    public static void Print(DemoReport r)
    {
        static string Ms(Dictionary<string, double?> d, string key) => d.TryGetValue(key, out var v) && v is { } x ? $"{x:F2} ms" : "–";
        static string Secs(double? seconds) => seconds is { } x ? $"{x:F2} s" : "–";
        var table = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn("value");
        table.AddRow("clusters", $"{r.Clusters.Count} ({r.Clusters.Count(c => c.Tier == "store")} stores, {r.Clusters.Count(c => c.Tier == "regional")} regions, 1 cloud)");
        table.AddRow("readings ingested / rejected", $"{r.ReadingsIngested:N0} / {r.ReadingsRejected:N0} ({r.ReadingsPerSecond:N0}/s)");
        table.AddRow("alerts raised at stores / unique at cloud", $"{r.AlertsRaised} / {r.AlertsReceivedAtCloud}");
        table.AddRow("duplicates suppressed", $"{r.DuplicatesSuppressed}");
        table.AddRow("local alert latency p50 / p99", $"{Ms(r.LocalAlertLatencyMs, "p50")} / {Ms(r.LocalAlertLatencyMs, "p99")}");
        table.AddRow("store → cloud alert latency p50 / p95 / p99 / max",
            $"{Ms(r.AlertLatencyMs, "p50")} / {Ms(r.AlertLatencyMs, "p95")} / {Ms(r.AlertLatencyMs, "p99")} / {Ms(r.AlertLatencyMs, "max")}");
        table.AddRow("sensor → shelf grain call p50 / p99", $"{Ms(r.SensorToShelfMs, "p50")} / {Ms(r.SensorToShelfMs, "p99")}");
        table.AddRow("uplink bytes / raw reading bytes", $"{r.UplinkBytes:N0} / {r.RawReadingBytes:N0} (ratio {r.UplinkRatio:P2})");
        if (r.Revocation is { } rv)
            table.AddRow("revocation of a store", $"{rv.Identity}: applied by {rv.ClustersApplied}/{rv.Clusters} other clusters in {Secs(rv.SecondsToApplyFleetWide)}, " +
                $"its link refused after {Secs(rv.SecondsUntilRefused)}; lifted, its link back in {Secs(rv.SecondsBackAfterLift)}");
        if (r.PolicyChange is { } p)
            table.AddRow("policy change", $"v{p.Version} ({p.Scope}) applied by {p.AppliedStores}/{p.TargetedStores} stores in {(p.SecondsToApplyAll is { } s ? $"{s:F2} s" : "–")}");
        var i = r.Inference;
        table.AddRow("camera frames submitted / judged / refused / failed",
            $"{i.FramesSubmitted:N0} / {i.Frames:N0} / {i.FramesRefused.Values.Sum()} / {i.FramesFailed} ({i.FramesPerSecond:N1}/s)");
        table.AddRow("frame round trip p50 / p99", $"{Ms(i.LatencyMs, "p50")} / {Ms(i.LatencyMs, "p99")}");
        table.AddRow("frames by model", string.Join(", ", i.FramesByModel.Select(e => $"{e.Key}: {e.Value:N0}")));
        table.AddRow("slot fill accuracy vs truth", i.SlotAccuracyVsTruth is { } acc ? $"{acc:P1}" : "–");
        table.AddRow("frame bytes uplinked / submitted", $"{i.FrameBytesUplinked:N0} / {i.FrameBytesSubmitted:N0} (largest uplinked event {i.LargestUplinkedEventBytes:N0} B)");
        if (r.ModelRollout is { } m)
            table.AddRow("model rollout", $"{m.Version} applied by {m.AppliedStores}/{m.TargetedStores} stores in {(m.SecondsToApplyAll is { } ms ? $"{ms:F2} s" : "–")}; " +
                $"{m.BytesFromCloud:N0} B from cloud, {m.BytesFromRegions:N0} B from regions");
        table.AddRow("restocks by staff", $"{r.Restocks}");
        table.AddRow("upward events produced / delivered / lost", $"{r.Delivery["events_produced"]} / {r.Delivery["events_delivered_unique"]} / {r.Delivery["lost"]}");
        table.AddRow("duplicates dropped / applied", $"{r.Delivery["duplicates_dropped"]} / {r.Delivery["duplicates_applied"]}");
        if (r.Delivery.TryGetValue("link_cuts", out var cuts))
        {
            table.AddRow("chaos: link cuts / store crashes / region crashes", $"{cuts} / {r.Delivery["store_crashes"]} / {r.Delivery["region_crashes"]}");
            table.AddRow("chaos: longest outage / drain after it", $"{r.Delivery["longest_outage_seconds"]} s ({r.Delivery["longest_outage_link"]}) / {r.Delivery["drain_seconds_after_longest_outage"]} s");
            table.AddRow("max outbox depth", $"{r.Delivery["max_outbox_depth"]}");
            if (r.Delivery["faults_injected"] is Dictionary<string, long> injected)
                table.AddRow("chaos: faults injected (outbox writes / trims / grain writes / publishes)",
                    $"{injected["outbox_writes"]} / {injected["outbox_trims"]} / {injected["grain_writes"]} / {injected["stream_publishes"]}");
        }
        table.AddRow("drained", r.Drained ? "[green]yes[/]" : "[red]no[/]");
        AnsiConsole.Write(table);
    }
}
