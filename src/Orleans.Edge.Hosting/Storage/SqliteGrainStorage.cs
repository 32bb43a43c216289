using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Edge.Hosting.Storage;

/// <summary>
/// Grain state in one SQLite file: the embedded profile's storage when a tier has a data
/// directory, so shelves, alerts, policies and link watermarks survive a restart without a
/// server. Optimistic concurrency by an integer ETag, as Orleans expects of a storage provider.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly SqliteConnection _db;
    private readonly IGrainStorageSerializer _serializer;
    private readonly string _name;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens (or creates) the state file at <paramref name="path"/>.</summary>
    public SqliteGrainStorage(string name, string path, IGrainStorageSerializer serializer)
    {
        _name = name;
        _serializer = serializer;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        using var create = _db.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT NOT NULL, grain_id TEXT NOT NULL, etag INTEGER NOT NULL, body BLOB NOT NULL,
                PRIMARY KEY (state_name, grain_id));
            """;
        create.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = await Locked(() =>
        {
            using var read = Command("SELECT etag, body FROM grain_state WHERE state_name = $n AND grain_id = $g", stateName, grainId);
            using var reader = read.ExecuteReader();
            return reader.Read() ? (ETag: reader.GetInt64(0), Body: (byte[])reader[1]) : default((long ETag, byte[] Body)?);
        });
        // Back on the caller's (the grain's) thread: the state is only ever touched there.
        if (row is not { } found)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = _serializer.Deserialize<T>(new BinaryData(found.Body))!;
        grainState.ETag = found.ETag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Serialize here, on the caller's (the grain's) thread, before anything awaits: a grain's
        // interleaved turns (e.g. [AlwaysInterleave] calls) change its state while a write is
        // pending, and a dictionary enumerated on a pool thread meanwhile throws "Collection was
        // modified" or stores a torn mix. Orleans' own Redis and memory storages do the same.
        var body = _serializer.Serialize(grainState.State).ToArray();
        var expected = grainState.ETag;
        var next = await Locked(() =>
        {
            if (expected is null)
            {
                using var insert = Command("INSERT OR IGNORE INTO grain_state (state_name, grain_id, etag, body) VALUES ($n, $g, 1, $b)", stateName, grainId);
                insert.Parameters.AddWithValue("$b", body);
                return insert.ExecuteNonQuery() == 0 ? (long?)null : 1;
            }
            var current = long.Parse(expected, CultureInfo.InvariantCulture);
            using var update = Command("UPDATE grain_state SET etag = $next, body = $b WHERE state_name = $n AND grain_id = $g AND etag = $e", stateName, grainId);
            update.Parameters.AddWithValue("$b", body);
            update.Parameters.AddWithValue("$e", current);
            update.Parameters.AddWithValue("$next", current + 1);
            return update.ExecuteNonQuery() == 0 ? null : current + 1;
        });
        if (next is null)
            throw new InconsistentStateException($"state '{stateName}' of {grainId} in storage '{_name}' was changed by someone else (expected ETag {expected ?? "none"})");
        grainState.ETag = next.Value.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await Locked(() =>
        {
            using var delete = Command("DELETE FROM grain_state WHERE state_name = $n AND grain_id = $g", stateName, grainId);
            return delete.ExecuteNonQuery();
        });
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Let a read or write that is running finish before the connection closes under it.
        var idle = _gate.Wait(TimeSpan.FromSeconds(10));
        _db.Dispose();
        if (idle) _gate.Release();
    }

    private SqliteCommand Command(string sql, string stateName, GrainId grainId)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$n", stateName);
        command.Parameters.AddWithValue("$g", grainId.ToString());
        return command;
    }

    // SQLite calls block; keep them off the grain scheduler and one at a time on the connection.
    // Only the database is touched off the grain's thread, never the grain's state.
    private async Task<TResult> Locked<TResult>(Func<TResult> action)
    {
        await _gate.WaitAsync();
        try
        {
            return await Task.Run(action);
        }
        finally
        {
            _gate.Release();
        }
    }
}
