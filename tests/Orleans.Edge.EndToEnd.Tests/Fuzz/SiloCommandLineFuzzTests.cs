using System.Globalization;
using CsCheck;
using Orleans.Edge.Silo;

namespace Orleans.Edge.EndToEnd.Tests.Fuzz;

/// <summary>
/// The silo executable's raw argument vector, judged in process by <see cref="SiloCommandLine.Read"/>
/// (the code path Program.cs runs before it starts anything): hostile switches, values and junk each
/// stop the silo with problems, one of which names the switch or token at fault, or give settings a
/// tier can start from; none throws or hangs. Valid lines, in any order and either switch form,
/// give exactly the settings they say.
/// </summary>
public sealed class SiloCommandLineFuzzTests
{
    private static readonly string[] Known = [.. SiloSettings.Switches.Keys, "--Edge:DashboardUser", "--Edge:DashboardPassword"];
    private static readonly string[] Answers = ["--help", "-h", "-?", "/h", "/?", "--version"];

    // A piece of the line: its tokens, and (when hostile) the names a problem about it would quote.
    private sealed record Segment(string[] Tokens, string[] Culprits)
    {
        public static Segment Good(params string[] tokens) => new(tokens, []);
    }

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static readonly Gen<string> HostileValue = Gen.Frequency(
        (4, Hostile.Id),
        (2, Hostile.Long.Select(Text)),
        (2, Gen.OneOf("", " ", "\0", "\0store", "store\0", "abc", "-1", "0", "65536", "99999999999999999999", "+80", "0x50", "٨٠", "80.5",
            "true", "false", "maybe", "STORE", " store", "cloud ", "http://127.0.0.1:7100", "https://", "\u202Ecloud", "ﬁ")),
        (1, Gen.Char.Array[20_000, 70_000].Select(c => new string(c))),
        (1, Gen.OneOf(Known)),   // a value that looks like a switch
        (1, Gen.OneOf("-", "--", "-x", "--bogus", "@/dev/zero", "@/nonexistent", "@", "[diagram]", "[suggest]", "[bogus]", "=", ":")),
        (2, Gen.String));

    private static readonly Gen<Segment> HostileSegment = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf(Known), HostileValue, (s, v) => new Segment([s, v], [s, .. ActsAsASwitch(v)]))),
        (2, Gen.Select(Gen.OneOf(Known), HostileValue, Gen.OneOf("=", ":"), (s, v, sep) => new Segment([s + sep + v], [s]))),
        (2, Gen.OneOf(Known).Select(s => new Segment([s], [s]))),   // without its value (at the end, or before another switch)
        (2, Gen.OneOf(Known).Select(s => "-" + s).Select(s => new Segment([s], [s]))),
        (1, Gen.OneOf(Known).Select(s => s.ToUpperInvariant()).Select(s => new Segment([s], [s]))),
        (1, Gen.OneOf(Known).Select(s => "—" + s[2..]).Select(s => new Segment([s], [s]))),
        (2, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz-:=\0😀"], 1, 30].Select(s => "--" + s).Select(s => new Segment([s], [s]))),
        (3, HostileValue.Where(v => !v.StartsWith('-')).Select(v => new Segment([v], [v]))));   // positional junk

    private static Segment[] GoodLine(string tier) =>
    [
        Segment.Good("--tier", tier),
        .. tier == "cloud" ? Array.Empty<Segment>() : [Segment.Good("--id", tier == "store" ? "s1" : "eu"), Segment.Good("--parent", "https://127.0.0.1:7100")],
        .. tier == "store" ? [Segment.Good("--region", "eu")] : new[] { Segment.Good("--link-port", "7101") },
        Segment.Good("--silo-port", "11111"), Segment.Good("--gateway-port", "30000"), Segment.Good("--ops-port", "8080"),
    ];

    // A good line with one to four pieces made hostile: inserted, a value replaced, a value or a switch dropped, a switch repeated.
    private static readonly Gen<(string[] Args, string[] Culprits)> HostileLine =
        from tier in Gen.OneOf("store", "regional", "cloud")
        from edits in Gen.Select(Gen.Int[0, 4], HostileSegment, HostileValue, Gen.Int[0, 1000]).Array[1, 4]
        select Mutate(GoodLine(tier), edits);

    private static (string[], string[]) Mutate(Segment[] good, (int Kind, Segment Segment, string Value, int At)[] edits)
    {
        var line = good.ToList();
        foreach (var (kind, segment, value, at) in edits)
        {
            var i = at % (line.Count + 1);
            var target = line[Math.Min(i, line.Count - 1)];
            if (target.Tokens.Length == 0)
            {
                line.Insert(i, segment);   // a switch dropped already
                continue;
            }
            var name = SwitchOf(target.Tokens[0]);
            switch (kind)
            {
                case 0: line.Insert(i, segment); break;
                case 1 when target.Tokens.Length == 2: line[line.IndexOf(target)] = new Segment([name, value], [name, .. ActsAsASwitch(value)]); break;
                case 2 when target.Tokens.Length == 2: line[line.IndexOf(target)] = new Segment([name], [name]); break;
                case 3: line[line.IndexOf(target)] = new Segment([], [name]); break;
                case 4: line.Insert(i, target with { Culprits = [name] }); break;
                default: line.Add(segment); break;
            }
        }
        return ([.. line.SelectMany(s => s.Tokens)], [.. line.SelectMany(s => s.Culprits)]);
    }

    // A value that is a switch itself (or "--", which ends the switches) is read as one, and a problem may blame it instead.
    private static string[] ActsAsASwitch(string value) => value == "--" || Known.Contains(SwitchOf(value)) ? [SwitchOf(value)] : [];

    // The switch a token gives (`--tier=x` gives --tier), or the token itself.
    private static string SwitchOf(string token) => Known
        .Where(k => token == k || token.StartsWith(k + "=", StringComparison.Ordinal) || token.StartsWith(k + ":", StringComparison.Ordinal))
        .MaxBy(k => k.Length) ?? token;

    [Fact]
    public async Task HostileArgv_IsRefusedNamingTheSwitchAtFault_OrGivesSettingsATierCanStartFrom()
    {
        var counts = new Dictionary<SiloArgumentsOutcome, int>();
        var run = Task.Run(() => Fuzzing.Check(HostileLine, input =>
        {
            var (args, culprits) = input;
            var read = SiloCommandLine.Read(args);
            counts[read.Outcome] = counts.GetValueOrDefault(read.Outcome) + 1;
            switch (read.Outcome)
            {
                case SiloArgumentsOutcome.Refused:
                    Assert.NotEmpty(read.Problems);
                    Assert.True(read.Problems.Any(p => culprits.Any(c => Names(p, c))),
                        $"no problem names any of {string.Join(", ", culprits.Select(Fuzzing.Print))}: {string.Join(" | ", read.Problems.Select(Fuzzing.Print))}");
                    break;
                case SiloArgumentsOutcome.Answer:
                    Assert.Contains(args, a => Answers.Any(h => a == h || a.StartsWith(h + "=", StringComparison.Ordinal) || a.StartsWith(h + ":", StringComparison.Ordinal))
                        || a.StartsWith('[') || a == "certs");
                    break;
                default:
                    var settings = read.Settings!;
                    Assert.Contains(settings.Tier, new[] { "store", "regional", "cloud" });
                    Assert.InRange(settings.SiloPort, 1, 65535);
                    Assert.InRange(settings.GatewayPort, 1, 65535);
                    Assert.Empty(settings.Problems());
                    Assert.NotNull(settings.ToTierSettings());
                    break;
            }
        }, print: i => string.Join(" ", i.Args.Select(a => $"'{a}'"))));

        // A hang is a failure too: the whole run has a deadline far above its usual few seconds.
        var n = await run.WaitAsync(TimeSpan.FromMinutes(3));

        Console.WriteLine($"silo argv: {string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(n >= Fuzzing.Iterations(), $"{n} inputs");
        Assert.True(counts.GetValueOrDefault(SiloArgumentsOutcome.Refused) > n / 2 && counts.GetValueOrDefault(SiloArgumentsOutcome.Start) > 100,
            string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}")));
    }

    // The dashboard's settings have no switch of their own: --Edge:DashboardUser is the setting's name behind "--".
    private static bool Names(string problem, string culprit) => problem.Contains(culprit, StringComparison.Ordinal)
        || (culprit.StartsWith("--Edge:", StringComparison.Ordinal) && problem.Contains(culprit[2..], StringComparison.Ordinal));

    private static readonly Gen<string> Id = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 20];

    // Valid lines: every switch in any order, as "--x v", "--x=v" or "--x:v".
    private static readonly Gen<(string[] Args, Dictionary<string, string> Given)> GoodLines =
        from tier in Gen.OneOf("store", "regional", "cloud")
        from ids in Gen.Select(Id, Id)
        from ports in Gen.Int[1, 65535].Array[4].Where(p => p.Distinct().Count() == 4)
        from address in Gen.OneOf("127.0.0.1", "0.0.0.0", "::1", "10.1.2.3")
        from forms in Gen.Int[0, 2].Array[12]
        from order in Gen.Int.Array[12]
        select GoodLine(tier, ids, ports, address, forms, order);

    private static (string[], Dictionary<string, string>) GoodLine(string tier, (string, string) ids, int[] ports, string address, int[] forms, int[] order)
    {
        var given = new Dictionary<string, string>
        {
            ["--tier"] = tier, ["--silo-port"] = Text(ports[0]), ["--gateway-port"] = Text(ports[1]), ["--ops-port"] = Text(ports[2]),
            ["--listen-address"] = address, ["--data-dir"] = "/tmp/edge data/ü",
        };
        if (tier != "cloud") (given["--id"], given["--parent"]) = (ids.Item1, $"https://127.0.0.1:{ports[3]}");
        if (tier == "store") given["--region"] = ids.Item2;
        else given["--link-port"] = Text(ports[3]);
        var args = given.Select((kv, i) => (Key: order[i], Tokens: forms[i] switch
        {
            0 => new[] { kv.Key, kv.Value },
            1 => [$"{kv.Key}={kv.Value}"],
            _ => [$"{kv.Key}:{kv.Value}"],
        })).OrderBy(t => t.Key).SelectMany(t => t.Tokens).ToArray();
        return (args, given);
    }

    [Fact]
    public void ValidArgv_InAnyOrderAndSwitchForm_GivesExactlyTheSettingsItSays()
    {
        Fuzzing.Check(GoodLines, input =>
        {
            var (args, given) = input;
            var read = SiloCommandLine.Read(args);

            Assert.True(read.Outcome == SiloArgumentsOutcome.Start, string.Join(" | ", read.Problems));
            var settings = read.Settings!;
            Assert.Equal(given["--tier"], settings.Tier);
            Assert.Equal(given.GetValueOrDefault("--id"), settings.Id);
            Assert.Equal(given.GetValueOrDefault("--region"), settings.RegionId);
            Assert.Equal(given.GetValueOrDefault("--parent"), settings.ParentAddress);
            Assert.Equal(given["--silo-port"], Text(settings.SiloPort));
            Assert.Equal(given["--gateway-port"], Text(settings.GatewayPort));
            Assert.Equal(given["--ops-port"], Text(settings.OpsPort!.Value));
            Assert.Equal(given.GetValueOrDefault("--link-port") ?? "0", Text(settings.LinkPort));
            Assert.Equal(given["--listen-address"], settings.ListenAddress);
            Assert.Equal(given["--data-dir"], settings.DataDirectory);
            Assert.False(settings.Insecure);
        }, iterations: 2_000, print: i => string.Join(" ", i.Args));
    }

    // Found by the fuzzer (docs/fuzzing.md): each was refused naming only a token that was not at fault, or not refused at all.
    [Theory]
    [InlineData("--parent --link-port 7101", "Edge:ParentAddress (--parent) is missing its value: it took the next switch, '--link-port', as one")]
    [InlineData("--data-dir --insecure", "Edge:DataDirectory (--data-dir) is missing its value: it took the next switch, '--insecure', as one")]
    [InlineData("--insecure=482", "Edge:Insecure (--insecure) is a flag: it takes true, false or nothing, not '482'")]
    [InlineData("-- --ops-port 8080", "'--' ends the switches: the 2 arguments after it are not read as switches, and the silo takes no other arguments")]
    [InlineData("--Edge:DashboardPassword x", "DashboardUser and DashboardPassword go together: set both or neither: Edge:DashboardUser, Edge:DashboardPassword")]
    public void FuzzFinding_IsRefusedNamingTheSwitchAtFault(string tail, string problem)
    {
        string[] line = ["--tier", "regional", "--id", "eu", "--parent", "https://127.0.0.1:7100", "--link-port", "7101", "--silo-port", "11111", "--gateway-port", "30000"];
        var read = SiloCommandLine.Read([.. line.Where((_, i) => !tail.StartsWith("--parent", StringComparison.Ordinal) || i is < 4 or > 7), .. tail.Split(' ')]);

        Assert.Equal(SiloArgumentsOutcome.Refused, read.Outcome);
        Assert.Equal(problem, read.Problems[0]);
    }

    [Theory]
    [InlineData("@/dev/zero")]   // read as a response file it never ends
    [InlineData("@/etc/hostname")]
    public void ResponseFileToken_IsAnArgument_NotAFileToRead(string token)
    {
        var read = SiloCommandLine.Read(["--tier", "cloud", "--silo-port", "1", "--gateway-port", "2", "--link-port", "3", token]);

        Assert.Equal(SiloArgumentsOutcome.Refused, read.Outcome);
        Assert.Contains(read.Problems, p => p.Contains(token, StringComparison.Ordinal));
    }
}
