using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Edge.Trust;

namespace Orleans.Edge.TierLink.Child;

/// <summary>What a cluster's copy of the deny-list persists.</summary>
[GenerateSerializer]
public sealed class RevocationListData
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public List<string> Entries { get; set; } = [];
}

/// <summary>
/// A cluster's copy of the fleet's deny-list (see <see cref="IRevocationListGrain"/>). Entries are
/// kept in their canonical spelling (<see cref="RevocationList"/>), so one identity or serial is one entry.
/// </summary>
public sealed partial class RevocationListGrain(
    [PersistentState("revocations", EdgeNames.StateStore)] IPersistentState<RevocationListData> state,
    ILogger<RevocationListGrain> logger) : Grain, IRevocationListGrain
{
    private readonly VersionSignal _signal = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _signal.Advance(state.State.Version);
        return Task.CompletedTask;
    }

    public Task<PublishedRevocations> Get() => Task.FromResult(Current);

    private PublishedRevocations Current => new(state.State.Version, [.. state.State.Entries]);

    public async Task<PublishedRevocations> Revoke(string entry, string reason)
    {
        RequireCloud();
        var canonical = Canonical(entry);
        if (state.State.Entries.Contains(canonical, StringComparer.Ordinal)) return Current;
        await SaveAsync([.. state.State.Entries, canonical], state.State.Version + 1);
        LogRevoked(logger, canonical, reason, state.State.Version);
        return Current;
    }

    public async Task<PublishedRevocations> Lift(string entry)
    {
        RequireCloud();
        var canonical = Canonical(entry);
        if (!state.State.Entries.Contains(canonical, StringComparer.Ordinal)) return Current;
        await SaveAsync([.. state.State.Entries.Where(e => e != canonical)], state.State.Version + 1);
        LogLifted(logger, canonical, state.State.Version);
        return Current;
    }

    public async Task<bool> Apply(PublishedRevocations list)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (this.GetPrimaryKeyString() == EdgeNames.CloudKey)
            throw new InvalidOperationException("the cloud's deny-list is its own: revoke and lift entries there");
        if (list.Version <= state.State.Version) return false;
        // Every entry is checked before any is taken: a list with one bad entry changes nothing.
        var entries = list.Entries.Select(Canonical).Distinct(StringComparer.Ordinal).ToList();
        await SaveAsync(entries, list.Version);
        LogApplied(logger, this.GetPrimaryKeyString(), list.Version, entries.Count);
        return true;
    }

    public Task<long> WaitForChange(long knownVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _signal.WaitPast(knownVersion, maxWait, cancellationToken);

    private async Task SaveAsync(List<string> entries, long version)
    {
        var (oldEntries, oldVersion) = (state.State.Entries, state.State.Version);
        (state.State.Entries, state.State.Version) = (entries, version);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not saved, not in force: the caller hears of the failure and nothing changed.
            (state.State.Entries, state.State.Version) = (oldEntries, oldVersion);
            throw;
        }
        _signal.Advance(version);
    }

    private void RequireCloud()
    {
        if (this.GetPrimaryKeyString() != EdgeNames.CloudKey)
            throw new InvalidOperationException($"'{this.GetPrimaryKeyString()}' follows its parent's deny-list; revoke at the cloud");
    }

    /// <summary>The one spelling of a SPIFFE ID or a hex serial; <see cref="ArgumentException"/> for anything else.</summary>
    public static string Canonical(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || entry.Contains('\n', StringComparison.Ordinal) || entry.Contains('#', StringComparison.Ordinal))
            throw new ArgumentException("a deny-list entry is one SPIFFE ID or one hex certificate serial", nameof(entry));
        RevocationList parsed;
        try
        {
            parsed = RevocationList.Parse(entry);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"'{(entry.Length > 64 ? entry[..64] + "…" : entry)}' is no deny-list entry: {ex.Message.Replace("line 1: ", "", StringComparison.Ordinal)}", nameof(entry), ex);
        }
        return parsed.Ids.Concat(parsed.Serials).Single();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoked {Entry} ({Reason}); deny-list version {Version}")]
    private static partial void LogRevoked(ILogger logger, string entry, string reason, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lifted the revocation of {Entry}; deny-list version {Version}")]
    private static partial void LogLifted(ILogger logger, string entry, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster} applied deny-list version {Version} ({Count} entries)")]
    private static partial void LogApplied(ILogger logger, string cluster, long version, int count);
}
