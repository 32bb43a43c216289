using System.Text;
using System.Text.Json;

namespace Orleans.Edge.Benchmarks;

/// <summary>A benchmark's result: JSON for machines, a markdown table for people, both under docs/benchmarks.</summary>
public sealed class Report(string name, string command)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly List<Dictionary<string, object?>> _rows = [];

    public Dictionary<string, object?> Facts { get; } = [];

    public void Add(Dictionary<string, object?> row)
    {
        _rows.Add(row);
        Console.WriteLine(string.Join(", ", row.Select(kv => $"{kv.Key}={kv.Value}")));
    }

    public async Task WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var machine = new Dictionary<string, object?>
        {
            ["cores"] = Environment.ProcessorCount, ["os"] = Environment.OSVersion.ToString(), ["dotnet"] = Environment.Version.ToString(),
            ["date"] = DateTimeOffset.UtcNow.ToString("u"),
        };
        await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.json"),
            JsonSerializer.Serialize(new { name, command, machine, facts = Facts, rows = _rows }, Json));
        var md = new StringBuilder($"# {name}\n\n`{command}` on {machine["cores"]} cores, .NET {machine["dotnet"]}, {machine["date"]}\n\n");
        foreach (var (k, v) in Facts) md.Append($"- {k}: {v}\n");
        if (_rows.Count > 0)
        {
            var keys = _rows[0].Keys.ToList();
            md.Append('\n').Append("| ").Append(string.Join(" | ", keys)).Append(" |\n|").Append(string.Concat(keys.Select(_ => "---|"))).Append('\n');
            foreach (var row in _rows) md.Append("| ").Append(string.Join(" | ", keys.Select(k => row.GetValueOrDefault(k)))).Append(" |\n");
        }
        await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.md"), md.ToString());
        Console.WriteLine($"wrote {Path.Combine(directory, name)}.json and .md");
    }
}
