using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Policies;

namespace Orleans.Edge.Grains;

/// <summary>A region's aggregate of its stores; key: region id. Fed by the region's inbound stream.</summary>
[Alias("edge.region-aggregator")]
public interface IRegionAggregatorGrain : IGrainWithStringKey
{
    /// <summary>The region's view of its stores.</summary>
    [Alias("stores")] Task<IReadOnlyList<RegionStoreView>> GetStores();

    /// <summary>Closes the current summary window now if it has ended.</summary>
    [Alias("tick")] Task Tick();
}

/// <summary>Policy documents held by a source (cloud policy grain or a region's relay) for its children.</summary>
[Alias("edge.policy-source")]
public interface IPolicySource : IGrainWithStringKey
{
    /// <summary>Documents newer than <paramref name="afterVersion"/> for a child region (store null) or store.</summary>
    [Alias("newer"), Orleans.Concurrency.AlwaysInterleave] Task<IReadOnlyList<PolicyDocument>> GetNewer(long afterVersion, string region, string? store);

    /// <summary>
    /// Completes when the book changes past <paramref name="knownMaxVersion"/>, <paramref name="maxWait"/>
    /// passes or the caller cancels (a downlink closed), so no wait outlives its subscriber.
    /// </summary>
    [Alias("wait"), Orleans.Concurrency.AlwaysInterleave]
    Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken = default);
}

/// <summary>A region's copy of the cloud's policies, relayed to its stores; key: region id.</summary>
[Alias("edge.region-config")]
public interface IRegionConfigGrain : IPolicySource
{
    /// <summary>Stores documents received from the cloud.</summary>
    [Alias("apply")] Task Apply(IReadOnlyList<PolicyDocument> documents);

    /// <summary>Highest version held.</summary>
    [Alias("max-version")] Task<long> GetMaxVersion();

    /// <summary>Records documents the region's downlink rejected as malformed; they are not relayed.</summary>
    [Alias("reject")] Task Reject(IReadOnlyList<PolicyRejection> rejected);

    /// <summary>Where the region's downlink resumes: the highest version held or rejected.</summary>
    [Alias("resume-after")] Task<long> GetResumeVersion();

    /// <summary>The newest document the region rejected as malformed, if any.</summary>
    [Alias("rejection")] Task<PolicyRejection?> GetLastRejection();
}

/// <summary>A policy change as recorded by the cloud.</summary>
[GenerateSerializer, Immutable]
public sealed record PolicyChangeResult(
    [property: Id(0)] PolicyDocument? Document,
    [property: Id(1)] IReadOnlyList<string> Problems);

/// <summary>The cloud's scoped policies; key: <see cref="EdgeNames.CloudKey"/>.</summary>
[Alias("edge.policy")]
public interface IPolicyGrain : IPolicySource
{
    /// <summary>Sets the policy of a scope; returns the new document or the problems with the input.</summary>
    [Alias("set")] Task<PolicyChangeResult> SetPolicy(PolicyScope scope, ReplenishmentPolicy policy);

    /// <summary>All current documents.</summary>
    [Alias("all")] Task<IReadOnlyList<PolicyDocument>> GetAll();
}

/// <summary>The cloud's fleet view; key: <see cref="EdgeNames.CloudKey"/>. Fed by the cloud's inbound stream.</summary>
[Alias("edge.fleet")]
public interface IFleetGrain : IGrainWithStringKey
{
    /// <summary>Regions, stores, open alerts.</summary>
    [Alias("view")] Task<FleetView> GetView();

    /// <summary>Unique alert arrivals and their latencies.</summary>
    [Alias("alert-stats")] Task<AlertArrivalStats> GetAlertStats();

    /// <summary>
    /// Inbound events applied, by origin (region), over the fleet's life. Equal to what the cloud's
    /// inbound logs accepted from each region when no event was applied twice.
    /// </summary>
    [Alias("events-applied")] Task<IReadOnlyDictionary<string, long>> GetEventsApplied();
}

/// <summary>A batch of upward events from one origin, in sequence order.</summary>
/// <param name="Origin">The child the batch comes from.</param>
/// <param name="Epoch">Incarnation of the child's outbox (the Unix time in ms it was made).</param>
/// <param name="Events">The events, each with its sequence number in its lane.</param>
/// <param name="Evicted">Per lane, the events of this epoch the child numbered and dropped unsent; gaps in a lane's sequence must not exceed them. Null: none.</param>
[GenerateSerializer, Immutable]
public sealed record SequencedBatch(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Epoch,
    [property: Id(2)] IReadOnlyList<SequencedEvent> Events,
    [property: Id(3)] IReadOnlyList<long>? Evicted = null)
{
    /// <summary>What the child says it dropped unsent in <paramref name="lane"/> (0 if it said nothing).</summary>
    public long EvictedIn(int lane) => Evicted is { } e && lane < e.Count ? e[lane] : 0;
}

/// <summary>One upward event with its per-origin sequence number and its size on the wire.</summary>
[GenerateSerializer, Immutable]
public sealed record SequencedEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] UpEvent Event,
    [property: Id(2)] int Size = 0);

/// <summary>What the inbound log did with a batch.</summary>
/// <param name="AckedThrough">Highest sequence of the priority lane of this origin's epoch that is in the log.</param>
/// <param name="Appended">Events appended.</param>
/// <param name="Duplicates">Events dropped as already appended.</param>
/// <param name="BulkAckedThrough">The same for the bulk lane.</param>
/// <param name="Refused">New events not taken because the log held as much as it may; the child keeps and resends them.</param>
/// <param name="ProtocolError">
/// Set when the batch broke the sequence protocol (an epoch older than the log's, or from the future;
/// a gap its evictions do not explain): nothing of it was taken, and the log is as it was.
/// </param>
[GenerateSerializer, Immutable]
public sealed record InboxResult(
    [property: Id(0)] long AckedThrough,
    [property: Id(1)] int Appended,
    [property: Id(2)] int Duplicates,
    [property: Id(3)] long BulkAckedThrough = 0,
    [property: Id(4)] int Refused = 0,
    [property: Id(5)] string? ProtocolError = null);

/// <summary>A parent's inbound log for one origin; key: origin. Deduplicates by (epoch, sequence).</summary>
[Alias("edge.link-inbox")]
public interface ILinkInboxGrain : IGrainWithStringKey
{
    /// <summary>Appends what is new in the batch to the inbound stream and returns the ack.</summary>
    [Alias("append")] Task<InboxResult> Append(SequencedBatch batch);

    /// <summary>Duplicates dropped so far.</summary>
    [Alias("duplicates")] Task<long> GetDuplicatesDropped();

    /// <summary>The consumer has durably applied everything up to <paramref name="applied"/>; the log may forget it.</summary>
    [Alias("confirm")] Task Confirm(AppliedMark applied);

    /// <summary>
    /// Starts publishing again, in pages, every event accepted but not yet confirmed (after a
    /// restart); returns how many the log holds. The log keeps publishing on its own from then on.
    /// </summary>
    [Alias("replay")] Task<int> Replay();

    /// <summary>Events accepted but not yet confirmed by the consumer.</summary>
    [Alias("pending")] Task<int> GetPendingCount();

    /// <summary>Distinct events accepted over the log's life.</summary>
    [Alias("accepted")] Task<long> GetAccepted();
}

/// <summary>The origins a parent's inbound log has heard from; key: the inbound stream key.</summary>
[Alias("edge.inbox-directory")]
public interface IInboxDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records an origin.</summary>
    [Alias("add")] Task Add(string origin);

    /// <summary>Every origin recorded.</summary>
    [Alias("origins")] Task<IReadOnlyList<string>> GetOrigins();
}
