using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Orleans.Edge.Silo;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The Helm chart (<c>charts/orleans-edge</c>) and the silo cannot drift apart: every EDGE__*
/// variable the chart sets is a setting the silo binds, every <c>silo.*</c> value reaches the
/// silo, and each tier's values file makes a configuration the silo accepts. No helm binary can
/// run here, so the YAML is linted with Debian's yamllint.
/// </summary>
public sealed partial class ChartTests
{
    private static readonly string Chart = Path.Combine(RepositoryRoot(), "charts", "orleans-edge");

    [SkippableFact]
    public void Chart_PassesYamllint()
    {
        var yamllint = new[] { "/usr/bin/yamllint", "/usr/local/bin/yamllint" }.FirstOrDefault(File.Exists);
        if (yamllint is null && Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail("yamllint is not installed; .ci/run installs it");
        Skip.If(yamllint is null, "yamllint is not installed (apt-get install -y yamllint)");
        using var lint = Process.Start(new ProcessStartInfo(yamllint!, ["-c", Path.Combine(Chart, ".yamllint"), "-s", Chart])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = lint.StandardOutput.ReadToEnd() + lint.StandardError.ReadToEnd();
        lint.WaitForExit();
        Assert.True(lint.ExitCode == 0, $"yamllint:\n{output}");
    }

    [Fact]
    public void EveryVariableTheChartSets_IsASettingTheSiloReads()
    {
        var variables = ChartVariables();
        Assert.Contains("EDGE__TIER", variables);
        var settings = typeof(SiloSettings).GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(variables, v => Assert.True(settings.Contains(v["EDGE__".Length..]), $"the chart sets {v}, which the silo does not read"));
    }

    [Fact]
    public void EverySiloValue_ReachesTheSilo()
    {
        var variables = ChartVariables().Select(v => v["EDGE__".Length..]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(SiloValues("values.yaml").Keys, key => Assert.True(variables.Contains(key), $"values.yaml has silo.{key}, which no EDGE__ variable carries"));
    }

    [Theory]
    [InlineData("values-store.yaml", "store")]
    [InlineData("values-regional.yaml", "regional")]
    [InlineData("values-cloud.yaml", "cloud")]
    public void EachTiersValues_MakeASettingsTheSiloAccepts(string file, string tier)
    {
        var values = SiloValues("values.yaml");
        foreach (var (key, value) in SiloValues(file)) values[key] = value;
        // What the templates add besides silo.*: listening on the pod network, the pod IP, the tier's Redis, the dashboard Secret, the node's certificates.
        var environment = values.ToDictionary(kv => $"Edge:{kv.Key}", kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase);
        environment["Edge:ListenAddress"] = "0.0.0.0";
        environment["Edge:AdvertisedAddress"] = "10.42.0.7";
        environment["Edge:Redis"] = "release-redis:6379";
        environment["Edge:DashboardUser"] = "admin";
        environment["Edge:DashboardPassword"] = "generated";
        // The chart mounts the node's certificates at /etc/orleans-edge/certs; the silo checks that the directory exists, so a stand-in here.
        var certificates = Directory.CreateTempSubdirectory("edge-chart-certs-");
        environment["Edge:CertificateDirectory"] = certificates.FullName;
        var settings = new SiloSettings();
        new ConfigurationBuilder().AddInMemoryCollection(environment).Build().GetSection("Edge").Bind(settings);

        Assert.Equal(tier, settings.Tier);
        Assert.Empty(settings.Problems());
        Assert.Equal(8080, settings.OpsPort);
        certificates.Delete();
    }

    /// <summary>Every EDGE__* variable a template sets.</summary>
    private static List<string> ChartVariables() =>
        [.. Directory.GetFiles(Path.Combine(Chart, "templates"), "*.yaml")
            .SelectMany(f => EdgeVariable().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).Distinct()];

    /// <summary>The <c>silo:</c> block of a values file (flat <c>key: value</c> lines, comments dropped).</summary>
    private static Dictionary<string, string> SiloValues(string file)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var inSilo = false;
        foreach (var line in File.ReadLines(Path.Combine(Chart, file)))
        {
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (!char.IsWhiteSpace(line[0])) { inSilo = line.StartsWith("silo:", StringComparison.Ordinal); continue; }
            if (!inSilo) continue;
            var text = line.Split(" #")[0].Trim();
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            values[text[..colon].Trim()] = text[(colon + 1)..].Trim().Trim('"');
        }
        return values;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Edge.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (with Orleans.Edge.sln) is not above the test's directory");
    }

    [GeneratedRegex(@"name:\s*(EDGE__[A-Z_]+)")]
    private static partial Regex EdgeVariable();
}
