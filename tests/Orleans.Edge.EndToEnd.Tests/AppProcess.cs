using System.Diagnostics;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>A process the tests start (the sample store app, a README command), its output kept line by line.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public AppProcess(string fileName, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        CommandLine = $"{fileName} {string.Join(' ', arguments)}";
    }

    public string CommandLine { get; }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Output { get { lock (_output) return [.. _output]; } }

    /// <summary>The repository's root, found from the test's output directory.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Orleans.Edge.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException($"no Orleans.Edge.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The sample store app's output directory, built with this test project in the same configuration.</summary>
    public static string StoreAppDirectory
    {
        get
        {
            var tfm = new DirectoryInfo(AppContext.BaseDirectory);   // .../bin/<Configuration>/<tfm>/
            return Path.Combine(RepositoryRoot, "samples", "Orleans.Edge.StoreApp", "bin", tfm.Parent!.Name, tfm.Name);
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; fails, with the output so far, if the process ends first or the deadline passes.</summary>
    public async Task<string> WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line) return line;
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"no line with '{text}' from {CommandLine} ({(_process.HasExited ? $"exited {_process.ExitCode}" : $"still running after {timeout}")}):\n{string.Join('\n', Output)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM, as a service manager or `kill` does.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Whether it exits within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExit(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
