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
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Locked(() =>
    {
        using var read = Command("SELECT etag, body FROM grain_state WHERE state_name = $n AND grain_id = $g", stateName, grainId);
        using var row = read.ExecuteReader();
        if (!row.Read())
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = _serializer.Deserialize<T>(new BinaryData((byte[])row[1]));
        grainState.ETag = row.GetInt64(0).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    });

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Locked(() =>
    {
        var body = _serializer.Serialize(grainState.State).ToArray();
        long next;
        int changed;
        if (grainState.ETag is null)
        {
            next = 1;
            using var insert = Command("INSERT OR IGNORE INTO grain_state (state_name, grain_id, etag, body) VALUES ($n, $g, 1, $b)", stateName, grainId);
            insert.Parameters.AddWithValue("$b", body);
            changed = insert.ExecuteNonQuery();
        }
        else
        {
            var expected = long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
            next = expected + 1;
            using var update = Command("UPDATE grain_state SET etag = $next, body = $b WHERE state_name = $n AND grain_id = $g AND etag = $e", stateName, grainId);
            update.Parameters.AddWithValue("$b", body);
            update.Parameters.AddWithValue("$e", expected);
            update.Parameters.AddWithValue("$next", next);
            changed = update.ExecuteNonQuery();
        }
        if (changed == 0)
            throw new InconsistentStateException($"state '{stateName}' of {grainId} in storage '{_name}' was changed by someone else (expected ETag {grainState.ETag ?? "none"})");
        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    });

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Locked(() =>
    {
        using var delete = Command("DELETE FROM grain_state WHERE state_name = $n AND grain_id = $g", stateName, grainId);
        delete.ExecuteNonQuery();
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    });

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
    private async Task Locked(Action action)
    {
        await _gate.WaitAsync();
        try
        {
            await Task.Run(action);
        }
        finally
        {
            _gate.Release();
        }
    }
}
