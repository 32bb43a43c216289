using Grpc.Net.Client;
using Orleans.Edge.Trust;
using Microsoft.Extensions.Options;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Child;

/// <summary>Live state of a child's link, for metrics, the SDK and the demo.</summary>
public sealed class LinkStatus
{
    private long _eventsSent;
    private long _eventsAttempted;
    private long _eventsAcked;
    private long _retries;
    private long _duplicatesReported;
    private long _payloadBytes;
    private long _batches;
    private long _compressedBatches;
    private long _faults;
    private long _parked;
    private long _policiesRejected;
    private long _largeEventBytes;
    private long _largestEvent;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<P.UpEvent.PayloadOneofCase, long> _payloadBytesByKind = new();

    /// <summary>True after a successful exchange, false after a failure.</summary>
    public bool Connected { get; set; }

    /// <summary>Last failure, if the link is down.</summary>
    public string? LastError { get; set; }

    /// <summary>Events in batches the parent answered, counting resends it reported as duplicates.</summary>
    public long EventsSent => Interlocked.Read(ref _eventsSent);

    /// <summary>Events written to the link, counting every retry while it was down.</summary>
    public long EventsAttempted => Interlocked.Read(ref _eventsAttempted);

    /// <summary>Events the parent acked.</summary>
    public long EventsAcked => Interlocked.Read(ref _eventsAcked);

    /// <summary>Failed pushes or subscriptions that were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Events the parent reported as duplicates.</summary>
    public long DuplicatesReported => Interlocked.Read(ref _duplicatesReported);

    /// <summary>Protobuf bytes of the batches sent (without gRPC and HTTP/2 framing).</summary>
    public long PayloadBytes => Interlocked.Read(ref _payloadBytes);

    /// <summary>
    /// Protobuf bytes of the events sent, by payload kind (<c>alert</c>, <c>shelf_summary</c>, …): measured
    /// per event as it goes on the link, so a reader can see what every uplinked byte carried.
    /// </summary>
    public IReadOnlyDictionary<string, long> PayloadBytesByKind =>
        _payloadBytesByKind.ToDictionary(e => e.Key.ToString(), e => e.Value);

    /// <summary>Events of at least this many protobuf bytes are counted in <see cref="LargeEventBytes"/>.</summary>
    public const int LargeEventThreshold = 16 * 1024;

    /// <summary>
    /// Bytes of the events sent that were <see cref="LargeEventThreshold"/> or larger: an upper bound on
    /// anything bulky (a camera frame is 24 KiB of pixels) that crossed the link.
    /// </summary>
    public long LargeEventBytes => Interlocked.Read(ref _largeEventBytes);

    /// <summary>The largest single event sent, in protobuf bytes.</summary>
    public long LargestEventBytes => Interlocked.Read(ref _largestEvent);

    /// <summary>Batches sent.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches sent gzip-compressed.</summary>
    public long CompressedBatches => Interlocked.Read(ref _compressedBatches);

    /// <summary>Highest policy version received over the downlink.</summary>
    public long PolicyVersionReceived { get; set; }

    /// <summary>True while the uplink sender's loop runs (it stops only with the host or the uplink's owner).</summary>
    public bool SenderRunning { get; set; }

    /// <summary>Failures of this side of the uplink (not the network), e.g. the outbox's storage; each was retried.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>The last such failure, kept until the next successful exchange.</summary>
    public string? LastFault { get; private set; }

    /// <summary>Events the parent refused for good and the sender parked.</summary>
    public long Parked => Interlocked.Read(ref _parked);

    /// <summary>What was parked last, and why.</summary>
    public string? LastParked { get; private set; }

    /// <summary>Policy documents received over the downlink and rejected as malformed.</summary>
    public long PoliciesRejected => Interlocked.Read(ref _policiesRejected);

    internal void OnPolicyRejected() => Interlocked.Increment(ref _policiesRejected);

    internal void OnSent(IEnumerable<P.UpEvent> events, int bytes, bool compressed)
    {
        var count = 0;
        foreach (var e in events)
        {
            count++;
            var size = e.CalculateSize();
            _payloadBytesByKind.AddOrUpdate(e.PayloadCase, size, (_, sum) => sum + size);
            if (size >= LargeEventThreshold) Interlocked.Add(ref _largeEventBytes, size);
            long largest;
            while (size > (largest = Interlocked.Read(ref _largestEvent)) && Interlocked.CompareExchange(ref _largestEvent, size, largest) != largest) { }
        }
        OnSent(count, bytes, compressed);
    }

    internal void OnSent(int events, int bytes, bool compressed)
    {
        if (compressed) Interlocked.Increment(ref _compressedBatches);
        Interlocked.Add(ref _eventsSent, events);
        Interlocked.Add(ref _payloadBytes, bytes);
        Interlocked.Increment(ref _batches);
    }
    internal void OnAcked(long events, uint duplicates)
    {
        LastFault = null;
        Interlocked.Add(ref _eventsAcked, events);
        Interlocked.Add(ref _duplicatesReported, duplicates);
    }
    internal void OnRetry() => Interlocked.Increment(ref _retries);
    internal void OnAttempt(int events) => Interlocked.Add(ref _eventsAttempted, events);
    internal void OnFault(Exception ex)
    {
        Interlocked.Increment(ref _faults);
        LastFault = $"{ex.GetType().Name}: {ex.Message}";
    }
    internal void OnParked(string what)
    {
        Interlocked.Increment(ref _parked);
        LastParked = what;
    }
}

/// <summary>Closes the parent connection when the host stops, so the parent is not left waiting on it.</summary>
internal sealed class ParentLinkCloser(ParentLink link) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        link.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Creates the link's metrics when the host starts (they are observed, so someone must hold them).</summary>
internal sealed class MetricsActivator(LinkMetrics metrics) : Microsoft.Extensions.Hosting.IHostedService
{
    public LinkMetrics Metrics { get; } = metrics;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The child's one HTTP/2 connection to its parent, shared by uplink and downlink, with its bytes
/// counted. With mutual TLS (the default) the connection is TLS 1.3 with this node's certificate,
/// accepting only its parent's identity; each new connection takes the credentials in force then.
/// </summary>
public sealed class ParentLink : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly LinkTrust _trust;

    /// <summary>Opens (lazily) a channel to the configured parent.</summary>
    public ParentLink(IOptions<TierLinkClientOptions> options, LinkTrust trust)
    {
        _trust = trust;
        var parent = options.Value.ParentAddress!;
        if (LinkAddressProblem(parent, trust) is { } problem) throw new ArgumentException(problem, nameof(options));
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = false,
        };
        // TLS is made in ConnectAsync, per connection, so the handler speaks HTTP/2 with prior
        // knowledge over the authenticated stream (a rotated certificate needs no new handler).
        var address = new UriBuilder(parent) { Scheme = Uri.UriSchemeHttp }.Uri;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new P.TierLink.TierLinkClient(_channel);
    }

    /// <summary>
    /// Why <paramref name="parent"/> is not a tier-link address for a node with <paramref name="trust"/>:
    /// <c>https://</c> with mutual TLS, <c>http://</c> only when insecure; null when it is.
    /// </summary>
    public static string? LinkAddressProblem(Uri? parent, LinkTrust trust)
    {
        if (parent is null || !parent.IsAbsoluteUri) return "the parent's tier-link address must be an absolute URL, e.g. https://127.0.0.1:7200";
        if (parent.Scheme == Uri.UriSchemeHttps && !trust.IsInsecure) return null;
        if (parent.Scheme == Uri.UriSchemeHttp && trust.IsInsecure) return null;
        return trust.IsInsecure
            ? $"the parent's tier-link address '{parent}' must start with http:// when the links run without authentication (--insecure)"
            : $"the parent's tier-link address '{parent}' must start with https://: tier links use mutual TLS (plaintext only with --insecure, on both ends)";
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var transport = await Counter.ConnectAsync(context, cancellationToken);
        if (_trust.IsInsecure) return transport;
        try
        {
            return await _trust.AuthenticateToParentAsync(transport, context.DnsEndPoint.Host, cancellationToken);
        }
        catch (LinkAuthenticationException ex)
        {
            Status.LastError = ex.Message;
            throw;
        }
    }

    /// <summary>Bytes on the wire.</summary>
    public WireCounter Counter { get; } = new();

    /// <summary>The generated gRPC client.</summary>
    public P.TierLink.TierLinkClient Client { get; }

    /// <summary>Link state.</summary>
    public LinkStatus Status { get; } = new();

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
