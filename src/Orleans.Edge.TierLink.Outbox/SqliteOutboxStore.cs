using Microsoft.Data.Sqlite;
using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The embedded profile's outbox on SQLite: one file, write-ahead log, every append committed
/// before it is acknowledged. SQLite because it ships inside its NuGet package for every
/// platform a store box runs, is the most deployed embedded database there is, and a single
/// writer with small rows is exactly its sweet spot. Microsoft.Data.Sqlite does its I/O
/// synchronously whatever the method is called, so every call runs on the thread pool, never on
/// the caller's (a grain's) thread.
/// </summary>
public sealed class SqliteOutboxStore : IOutboxStore
{
    private readonly SqliteConnection _db;
    private readonly string _path;
    private readonly bool _syncEveryAppend;

    /// <summary>A store on the outbox file at <paramref name="path"/>, opened (or created) by <see cref="LoadAsync"/>.</summary>
    public SqliteOutboxStore(string path, bool syncEveryAppend)
    {
        _path = path;
        _syncEveryAppend = syncEveryAppend;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
    }

    private void Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        _db.Open();
        var syncEveryAppend = _syncEveryAppend;
        Execute($"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={(syncEveryAppend ? "FULL" : "NORMAL")};
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS entries (lane INTEGER NOT NULL, seq INTEGER NOT NULL, class INTEGER NOT NULL,
                                                enqueued_us INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (lane, seq));
            CREATE TABLE IF NOT EXISTS parked (lane INTEGER NOT NULL, seq INTEGER NOT NULL, class INTEGER NOT NULL,
                                               enqueued_us INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (lane, seq));
            """);
    }

    /// <inheritdoc />
    public Task<OutboxSnapshot> LoadAsync(long newEpoch, CancellationToken cancellationToken = default) => Task.Run(() => Load(newEpoch), cancellationToken);

    private OutboxSnapshot Load(long newEpoch)
    {
        if (_db.State != System.Data.ConnectionState.Open) Open();
        var epoch = Meta("epoch");
        if (epoch is null)
        {
            SetMeta("epoch", newEpoch, null);
            epoch = newEpoch;
        }
        var entries = new List<OutboxEntry>();
        using (var read = _db.CreateCommand())
        {
            read.CommandText = "SELECT seq, class, enqueued_us, body FROM entries ORDER BY lane, seq";
            using var rows = read.ExecuteReader();
            while (rows.Read())
            {
                var body = (byte[])rows[3];
                entries.Add(new OutboxEntry(rows.GetInt64(0), (EventClass)rows.GetInt32(1), P.UpEvent.Parser.ParseFrom(body), body.Length,
                    LinkMapping.FromUs(rows.GetInt64(2))));
            }
        }
        var next = Enumerable.Range(0, Lanes.Count).Select(lane =>
            Math.Max(Meta(NextKey(lane)) ?? 1, entries.Where(e => e.Lane == lane).Select(e => e.Sequence + 1).DefaultIfEmpty(1).Max())).ToList();
        var evicted = EvictionKeys.All.Select(k => (k.Class, k.Cause, Count: Meta(k.Key) ?? 0)).Where(k => k.Count > 0)
            .ToDictionary(k => (k.Class, k.Cause), k => k.Count);
        return new OutboxSnapshot(epoch.Value, next, entries, evicted);
    }

    /// <inheritdoc />
    public Task WriteAsync(OutboxWrite write, CancellationToken cancellationToken = default) => Task.Run(() => Write(write), cancellationToken);

    private void Write(OutboxWrite write)
    {
        var (appended, evicted, cause, nextSequences) = write;
        using var tx = _db.BeginTransaction();
        if (appended is not null) Insert("entries", appended, tx);
        if (cause == EvictionCause.Parked)
            foreach (var entry in evicted) Insert("parked", entry, tx);
        if (evicted.Count > 0)
        {
            using var delete = _db.CreateCommand();
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM entries WHERE lane = $l AND seq = $s";
            var lane = delete.Parameters.Add("$l", SqliteType.Integer);
            var seq = delete.Parameters.Add("$s", SqliteType.Integer);
            foreach (var entry in evicted)
            {
                lane.Value = entry.Lane;
                seq.Value = entry.Sequence;
                delete.ExecuteNonQuery();
            }
            using var count = _db.CreateCommand();
            count.Transaction = tx;
            count.CommandText = "INSERT INTO meta (key, value) VALUES ($k, $n) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value";
            var key = count.Parameters.Add("$k", SqliteType.Text);
            var n = count.Parameters.Add("$n", SqliteType.Integer);
            foreach (var ((cls, c), number) in EvictionKeys.Count(evicted, cause))
            {
                key.Value = EvictionKeys.Of(cls, c);
                n.Value = number;
                count.ExecuteNonQuery();
            }
        }
        for (var l = 0; l < nextSequences.Count; l++) SetMeta(NextKey(l), nextSequences[l], tx);
        tx.Commit();
    }

    private void Insert(string table, OutboxEntry entry, SqliteTransaction tx)
    {
        using var insert = _db.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT OR REPLACE INTO {table} (lane, seq, class, enqueued_us, body) VALUES ($l, $s, $c, $t, $b)";
        insert.Parameters.AddWithValue("$l", entry.Lane);
        insert.Parameters.AddWithValue("$s", entry.Sequence);
        insert.Parameters.AddWithValue("$c", (int)entry.Class);
        insert.Parameters.AddWithValue("$t", LinkMapping.ToUs(entry.EnqueuedAt));
        insert.Parameters.AddWithValue("$b", Google.Protobuf.MessageExtensions.ToByteArray(entry.Message));
        insert.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public Task RemoveThroughAsync(int lane, long sequence, CancellationToken cancellationToken = default) =>
        Task.Run(() => RemoveThrough(lane, sequence), cancellationToken);

    private void RemoveThrough(int lane, long sequence)
    {
        using var delete = _db.CreateCommand();
        delete.CommandText = "DELETE FROM entries WHERE lane = $l AND seq <= $s";
        delete.Parameters.AddWithValue("$l", lane);
        delete.Parameters.AddWithValue("$s", sequence);
        delete.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _db.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string NextKey(int lane) => $"next_seq.{lane}";

    private long? Meta(string key)
    {
        using var read = _db.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = $k";
        read.Parameters.AddWithValue("$k", key);
        return read.ExecuteScalar() is long value ? value : null;
    }

    private void SetMeta(string key, long value, SqliteTransaction? tx)
    {
        using var upsert = _db.CreateCommand();
        upsert.Transaction = tx;
        upsert.CommandText = "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        upsert.Parameters.AddWithValue("$k", key);
        upsert.Parameters.AddWithValue("$v", value);
        upsert.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
