using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>Reads the current value of one host's observable instruments, as a scrape would.</summary>
public static class MetricsProbe
{
    public static double Read(EdgeTierHost host, string instrument)
    {
        var scope = host.Services.GetRequiredService<IMeterFactory>();
        double total = 0;
        var seen = false;
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Name == instrument && ReferenceEquals(i.Meter.Scope, scope)) l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<int>((_, v, _, _) => { total += v; seen = true; });
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => { total += v; seen = true; });
        listener.SetMeasurementEventCallback<double>((_, v, _, _) => { total += v; seen = true; });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen ? total : throw new InvalidOperationException($"{host.ClusterId} has no instrument '{instrument}'");
    }
}
