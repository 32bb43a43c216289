using System.Diagnostics;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A tier running as its own process (the silo executable), so tests can kill it the hard way:
/// <see cref="Kill"/> is SIGKILL, nothing gets to flush or say goodbye.
/// </summary>
public sealed class TierProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private TierProcess(string arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var silo = Path.Combine(AppContext.BaseDirectory, "Orleans.Edge.Silo.dll");
        _process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", $"\"{silo}\" {arguments}")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                Environment = { ["Logging__LogLevel__Default"] = "Warning" },
            },
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) _process.StartInfo.Environment[name] = value;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>Starts the silo executable (with <paramref name="environment"/> added to its own) and waits until it says it is ready.</summary>
    public static async Task<TierProcess> StartAsync(string arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var tier = new TierProcess(arguments, environment);
        var exited = tier._process.WaitForExitAsync();
        var first = await Task.WhenAny(tier._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != tier._ready.Task)
            throw new InvalidOperationException($"silo did not get ready ({arguments}):\n{string.Join('\n', tier.Output)}");
        return tier;
    }

    public IReadOnlyList<string> Output { get { lock (_output) return [.. _output]; } }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (line.Contains(" ready: ", StringComparison.Ordinal)) _ready.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
