using CsCheck;
using Microsoft.Extensions.Configuration;
using Orleans.Edge.Silo;

namespace Orleans.Edge.EndToEnd.Tests.Fuzz;

/// <summary>
/// Hostile silo settings, as the switches and EDGE__* variables give them (the Edge section the command
/// line is bound into): each yields problems that name their setting, or settings a tier can start from;
/// reading and judging them never throws. The switch parser in front of them is fuzzed in process by
/// SiloCommandLineFuzzTests (SiloCommandLine.Read).
/// </summary>
public sealed class SiloSettingsFuzzTests
{
    private static readonly Gen<string?> Port = Gen.Frequency(
        (4, Gen.Int[1, 65535].Select(p => (string?)p.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Const((string?)null)),
        (1, Hostile.Long.Select(p => (string?)p.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf<string?>("", "abc", "80.5", "0x50", " 80", "+80", "٨٠", "99999999999999999999")));

    private static readonly Gen<string?> Text = Gen.Frequency(
        (2, Gen.Const((string?)null)), (2, Hostile.Id.Select(s => (string?)s)), (1, Gen.String.Select(s => (string?)s)));

    private static readonly Gen<Dictionary<string, string?>> Settings =
        from tier in Gen.Frequency((6, Gen.OneOf<string?>("store", "regional", "cloud")), (1, Text))
        from ids in Gen.Select(Gen.Frequency((3, Gen.Const((string?)"s1")), (1, Text)), Gen.Frequency((3, Gen.Const((string?)"eu")), (1, Text)),
            Gen.Frequency((3, Gen.OneOf<string?>("http://127.0.0.1:7100", "https://[::1]:1")), (1, Text)))
        from ports in Gen.Select(Port, Port, Port, Port)
        from addresses in Gen.Select(Gen.Frequency((3, Gen.OneOf<string?>(null, "127.0.0.1", "0.0.0.0", "::")), (1, Text)),
            Gen.Frequency((3, Gen.OneOf<string?>(null, "10.0.0.5")), (1, Text)),
            Gen.Frequency((6, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("", "missing.json", "x.txt", "/", "\0.csv"))))
        select new Dictionary<string, string?>
        {
            ["Edge:Tier"] = tier, ["Edge:Id"] = ids.Item1, ["Edge:RegionId"] = ids.Item2, ["Edge:ParentAddress"] = ids.Item3,
            ["Edge:SiloPort"] = ports.Item1, ["Edge:GatewayPort"] = ports.Item2, ["Edge:LinkPort"] = ports.Item3, ["Edge:OpsPort"] = ports.Item4,
            ["Edge:ListenAddress"] = addresses.Item1, ["Edge:AdvertisedAddress"] = addresses.Item2, ["Edge:Planogram"] = addresses.Item3,
        };

    [Fact]
    public void HostileSettings_NameEachBadSetting_OrMakeATierThatCanStart()
    {
        var (valid, invalid) = (0, 0);
        Fuzzing.Check(Settings, values =>
        {
            var edge = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Edge");
            var settings = SiloSettings.From(edge);
            var problems = settings.Problems().ToList();
            if (problems.Count > 0)
            {
                invalid++;
                // Each is one line naming an Edge setting (and its switch where it has one), as the silo prints it after "orleans-edge: ".
                // The tier's own cross-checks (TierSettings.Problems) get the settings they mention appended, with their switches:
                // "OpsPort must differ from SiloPort and GatewayPort: Edge:OpsPort (--ops-port), …".
                Assert.All(problems, p => Assert.Contains("Edge:", p, StringComparison.Ordinal));
                return;
            }
            valid++;
            Assert.Contains(settings.Tier, new[] { "store", "regional", "cloud" });
            Assert.InRange(settings.SiloPort, 1, 65535);
            Assert.InRange(settings.GatewayPort, 1, 65535);
            if (settings.OpsPort is { } ops) Assert.InRange(ops, 1, 65535);
            Assert.NotNull(settings.ToTierSettings());
        }, print: v => string.Join(" ", v.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(valid > 500 && invalid > 1000, $"{valid} valid, {invalid} invalid");
    }
}
