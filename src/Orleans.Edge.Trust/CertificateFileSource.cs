using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orleans.Edge.Trust;

/// <summary>
/// Serves a node's credentials from its directory (<see cref="NodeDirectory"/>) and reloads them when
/// the files change, so rotation and a new deny-list need no restart. Changes are noticed by a
/// <see cref="FileSystemWatcher"/> (debounced) and, as a backstop for file systems that do not report
/// changes, a periodic check. A set of files that does not load (half-written, key of another
/// certificate, a certificate this node's own validator refuses) never replaces the last good one;
/// it is logged once and retried when the files change again.
/// </summary>
public sealed partial class CertificateFileSource : IDisposable
{
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly NodeIdentity? _expected;
    private readonly Lock _gate = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly ITimer _poll;
    private readonly ITimer _debounced;
    private volatile NodeCredentials _current;
    private byte[] _lastSeen;
    private byte[] _lastGood;
    private bool _disposed;
    private volatile CachedValidator? _validator;

    /// <summary>
    /// Loads <paramref name="directory"/> now (throws <see cref="TrustException"/> when it does not
    /// hold usable credentials) and watches it. <paramref name="expected"/>, when given, pins the identity:
    /// a certificate naming another identity is never served.
    /// </summary>
    public CertificateFileSource(string directory, ILogger<CertificateFileSource>? logger = null, TimeProvider? time = null,
        NodeIdentity? expected = null, TimeSpan? pollInterval = null, TimeSpan? debounce = null)
    {
        _directory = Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(250);
        _expected = expected;
        var files = NodeCredentials.Read(_directory);
        _lastSeen = _lastGood = Fingerprint(files);
        _current = Check(NodeCredentials.Load(files, _directory, _time));
        var poll = pollInterval ?? TimeSpan.FromSeconds(5);
        _debounced = _time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll = _time.CreateTimer(_ => Reload(), null, poll, poll);
        try
        {
            _watcher = new FileSystemWatcher(_directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or ArgumentException)
        {
            // Out of inotify watches, or a file system without notifications: the periodic check still reloads.
            LogWatcherUnavailable(_logger, _directory, ex.Message);
            _watcher = null;
        }
    }

    /// <summary>The credentials in force.</summary>
    public NodeCredentials Current => _current;

    /// <summary>The clock validity is judged by.</summary>
    public TimeProvider Time => _time;

    /// <summary>The node's certificate with its key, e.g. for Kestrel: <c>ServerCertificateSelector = (_, _) =&gt; source.Certificate</c>.</summary>
    public X509Certificate2 Certificate => _current.Certificate;

    /// <summary>
    /// A validator under the current trust bundle and deny-list, on this source's clock; replaced
    /// with the credentials, so a callback reading it per handshake applies a new deny-list at once.
    /// </summary>
    public PeerValidator Validator
    {
        get
        {
            var current = _current;
            var cached = _validator;
            if (cached is not null && cached.For == current) return cached.Validator;
            var fresh = current.CreateValidator(_time);
            _validator = new CachedValidator(current, fresh); // one reference: never a torn pair
            return fresh;
        }
    }

    /// <summary>Raised after new credentials replaced the old ones.</summary>
    public event Action<NodeCredentials>? Changed;

    /// <summary>Checks the files now; true when new credentials were loaded.</summary>
    public bool Reload()
    {
        NodeCredentials loaded;
        lock (_gate)
        {
            if (_disposed) return false;
            NodeFiles files;
            try
            {
                files = NodeCredentials.Read(_directory);
            }
            catch (IOException ex)
            {
                LogReadFailed(_logger, _directory, ex.Message);
                return false;
            }
            var fingerprint = Fingerprint(files);
            if (fingerprint.AsSpan().SequenceEqual(_lastSeen)) return false;
            _lastSeen = fingerprint;
            // Files put back to what is being served (after a botched copy) are nothing new.
            if (fingerprint.AsSpan().SequenceEqual(_lastGood)) return false;
            try
            {
                loaded = Check(NodeCredentials.Load(files, _directory, _time));
            }
            catch (TrustException ex)
            {
                LogKeptLastGood(_logger, _directory, ex.Message, _current.Certificate.SerialNumber);
                return false;
            }
            _current = loaded;
            _lastGood = fingerprint;
        }
        LogReloaded(_logger, loaded.Identity.ToString(), loaded.Certificate.SerialNumber, loaded.Certificate.NotAfter.ToUniversalTime(), loaded.Revocations.Serials.Count + loaded.Revocations.Ids.Count);
        Changed?.Invoke(loaded);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate) _disposed = true;
        _watcher?.Dispose();
        _poll.Dispose();
        _debounced.Dispose();
    }

    private NodeCredentials Check(NodeCredentials credentials) =>
        _expected is null || credentials.Identity == _expected
            ? credentials
            : throw new TrustException($"{_directory}: the certificate names {credentials.Identity}, but this node is {_expected}");

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        try
        {
            _debounced.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while an event was in flight: nothing to reload any more.
        }
    }

    private static byte[] Fingerprint(NodeFiles files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var text in new[] { files.Certificate, files.Key, files.TrustBundle, files.Revocations })
        {
            hash.AppendData(text is null ? [0] : [1]);
            hash.AppendData(Encoding.UTF8.GetBytes(text ?? ""));
            hash.AppendData(BitConverter.GetBytes(text?.Length ?? -1));
        }
        return hash.GetHashAndReset();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded node credentials {Identity}: serial {Serial}, valid until {NotAfter:u}, {Revoked} deny-list entries")]
    private static partial void LogReloaded(ILogger logger, string identity, string serial, DateTime notAfter, int revoked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The credentials in {Directory} do not load ({Problem}); still serving the last good certificate, serial {Serial}")]
    private static partial void LogKeptLastGood(ILogger logger, string directory, string problem, string serial);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the credentials in {Directory}: {Problem}; will retry")]
    private static partial void LogReadFailed(ILogger logger, string directory, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch {Directory} for changes ({Problem}); relying on the periodic check")]
    private static partial void LogWatcherUnavailable(ILogger logger, string directory, string problem);

    private sealed record CachedValidator(NodeCredentials For, PeerValidator Validator);
}
