using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Orleans.Edge.Trust.Tests;

/// <summary>The parent side's judgement of a child at the handshake, as the tier-link listener calls it.</summary>
public sealed class LinkTrustTests
{
    [Fact]
    public void CallerWithNoCertificate_IsRefusedCountedAndLoggedOncePerAddress()
    {
        using var fleet = new Fleet(TimeProvider.System);
        using var dir = new TempDir();
        fleet.WriteNode(dir.Path, Fleet.RegionEu);
        using var source = new CertificateFileSource(dir.Path, pollInterval: TimeSpan.FromHours(1));
        var logger = new ListLogger<LinkTrust>();
        var trust = LinkTrust.Mutual(source, logger);
        var counted = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LinkTrust.MeterName && instrument.Name == "orleans_edge_link_peers_refused") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "reason", Value: nameof(PeerRefusal.NoCertificate) }) Interlocked.Add(ref counted, value);
        });
        listener.Start();

        // Two connections from one address (each from another port), one from a second address.
        var results = new[] { new IPEndPoint(IPAddress.Parse("10.0.0.9"), 50001), new IPEndPoint(IPAddress.Parse("10.0.0.9"), 50002), new IPEndPoint(IPAddress.Parse("10.0.0.8"), 50003) }
            .Select(remote => trust.ValidateChild(null, null, remote)).ToList();

        Assert.All(results, r => Assert.Equal(PeerRefusal.NoCertificate, r.Refusal));
        Assert.All(results, r => Assert.False(r.IsAuthenticated));
        Assert.Equal(3, Interlocked.Read(ref counted));
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("(no certificate) from 10.0.0.9", StringComparison.Ordinal) && w.Contains(nameof(PeerRefusal.NoCertificate), StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("(no certificate) from 10.0.0.8", StringComparison.Ordinal));
    }
}
