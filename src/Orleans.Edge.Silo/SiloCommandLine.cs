using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Silo;

/// <summary>
/// The silo executable's switches (<see cref="SiloSettings.Switches"/>), parsed by System.CommandLine.
/// <see cref="Read"/> runs the whole judgement of an argument vector in process and starts nothing,
/// so a test (or the fuzzer) sees exactly what the executable would refuse or start with.
/// </summary>
public sealed class SiloCommandLine
{
    private readonly Dictionary<string, Option> _switches;
    private readonly Dictionary<string, string> _unswitched;

    public SiloCommandLine()
    {
        _switches = SiloSettings.Switches.Keys.ToDictionary(name => name, Option (name) => SiloSettings.Flags.Contains(name)
            ? new Option<bool>(name) { Description = $"{SiloSettings.Descriptions[name]} ({SiloSettings.Switches[name]})" }
            : new Option<string>(name) { Description = $"{SiloSettings.Descriptions[name]} ({SiloSettings.Switches[name]})" });
        // Settings without a switch of their own (the dashboard's credentials) may still be given as
        // --Edge:<Setting>, the form the configuration command line took before; --help does not list them.
        _unswitched = typeof(SiloSettings).GetProperties().Select(p => $"Edge:{p.Name}")
            .Where(key => !SiloSettings.Switches.ContainsValue(key))
            .ToDictionary(key => $"--{key}", key => key);
        foreach (var (name, key) in _unswitched) _switches[name] = new Option<string>(name) { Hidden = true, Description = key };
        Root = new RootCommand("Orleans.Edge silo: runs one store, region or cloud cluster. Settings also come from appsettings.json (section Edge) and EDGE__* environment variables.");
        foreach (var option in _switches.Values) Root.Options.Add(option);
        Root.Subcommands.Add(CertsCommand.Create());   // listed by --help; the executable runs `certs …` before parsing
        // The executable starts the tier itself once Judge says Start; the root still needs an action of
        // its own, or a command with subcommands refuses a line that names none.
        Root.SetAction(_ => 0);
    }

    /// <summary>The root command: its options are the switches, its subcommand <c>certs</c>.</summary>
    public RootCommand Root { get; }

    /// <summary>
    /// Parses <paramref name="args"/>. Response files (<c>@file</c>) are not read: an argument is what
    /// it says, never the contents of a file (or of a device such as <c>/dev/zero</c>) named by it.
    /// </summary>
    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    // Whether parse would start a silo rather than fail, or answer --help, --version, a directive or `certs`.
    private bool Starts(ParseResult parse) => parse.Action is not null && parse.Action == Root.Action;

    // The settings the switches of parse give, over sources.
    private SiloSettings Settings(ParseResult parse, IConfigurationBuilder? sources = null)
    {
        var given = _switches
            .Select(s => (Key: SiloSettings.Switches.GetValueOrDefault(s.Key) ?? _unswitched[s.Key], Value: ValueOf(parse, s.Value)))
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => s.Value);
        var configuration = (sources ?? new ConfigurationBuilder()).AddInMemoryCollection(given).Build();
        return SiloSettings.From(configuration.GetSection("Edge"));
    }

    // System.CommandLine gives a switch whose value is missing the next token, even another switch:
    // `--parent --link-port 7101` read --parent as "--link-port" and blamed only '7101', and
    // `--data-dir --insecure` would have started with a data directory named "--insecure".
    private IEnumerable<string> SwallowedSwitches(ParseResult parse) =>
        from s in _switches
        where s.Value is Option<string>
        from token in parse.GetResult(s.Value)?.Tokens ?? []
        where IsSwitch(token.Value)
        select $"{Describe(s.Key)} is missing its value: it took the next switch, '{token.Value}', as one";

    // A flag given a value it cannot take (`--insecure=482`, `--insecure 482`): System.CommandLine leaves the
    // value as an unmatched token and blamed only '482'; this names the flag it was meant for.
    private IEnumerable<string> FlagValues(ParseResult parse)
    {
        var tokens = parse.Tokens;
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.Option && SiloSettings.Flags.Contains(tokens[i].Value)
                && tokens[i + 1].Type == TokenType.Argument && parse.UnmatchedTokens.Contains(tokens[i + 1].Value))
                yield return $"{Describe(tokens[i].Value)} is a flag: it takes true, false or nothing, not '{tokens[i + 1].Value}'";
        }
    }

    // After "--" every token is an argument, and the silo takes none: without this line the switches
    // after it were refused as "Unrecognized command or argument '--silo-port'", with nothing saying why.
    private static IEnumerable<string> AfterDoubleDash(ParseResult parse) =>
        parse.Tokens.Any(t => t.Type == TokenType.DoubleDash) && parse.UnmatchedTokens.Count > 0
            ? [$"'--' ends the switches: the {parse.UnmatchedTokens.Count} arguments after it are not read as switches, and the silo takes no other arguments"]
            : [];

    private bool IsSwitch(string token) => _switches.Keys.Concat(["--help", "-h", "-?", "/h", "/?", "--version"])
        .Any(name => token == name || token.StartsWith(name + "=", StringComparison.Ordinal) || token.StartsWith(name + ":", StringComparison.Ordinal));

    private string Describe(string name) => SiloSettings.Switches.TryGetValue(name, out var key) ? $"{key} ({name})" : _unswitched[name];

    // A flag that is given says "true"; one that is not given leaves the setting to appsettings.json or the environment.
    private static string? ValueOf(ParseResult parse, Option option) => option switch
    {
        Option<bool> flag => parse.GetResult(flag) is null ? null : parse.GetValue(flag) ? "true" : "false",
        Option<string> text => parse.GetValue(text),
        _ => null,
    };

    /// <summary>
    /// What the executable makes of <paramref name="args"/> given no appsettings.json or EDGE__* variables:
    /// the settings it would start with, the problems (one line each) it would stop with (exit code 2),
    /// or an answer that starts nothing. Runs nothing and touches nothing but a planogram file it is given.
    /// </summary>
    public static SiloArguments Read(IReadOnlyList<string> args)
    {
        // The executable hands `certs …` to CertsCommand before parsing (Program.cs).
        if (args.Count > 0 && args[0] == "certs") return new SiloArguments(SiloArgumentsOutcome.Answer, null, []);
        var commandLine = new SiloCommandLine();
        return commandLine.Judge(commandLine.Parse(args), sources: null);
    }

    /// <summary>
    /// What the executable does with <paramref name="parse"/>, its settings read over <paramref name="sources"/>
    /// (appsettings.json, EDGE__*): start, stop naming every problem, or answer without starting.
    /// </summary>
    public SiloArguments Judge(ParseResult parse, IConfigurationBuilder? sources)
    {
        var swallowed = SwallowedSwitches(parse).Concat(FlagValues(parse)).Concat(AfterDoubleDash(parse)).ToList();
        if (parse.Action is ParseErrorAction || swallowed.Count > 0) return SiloArguments.Refused([.. swallowed, .. parse.Errors.Select(e => e.Message)]);
        if (!Starts(parse)) return new SiloArguments(SiloArgumentsOutcome.Answer, null, []);
        var settings = Settings(parse, sources);
        var problems = settings.Problems().ToList();
        return problems.Count > 0 ? SiloArguments.Refused(problems) : new SiloArguments(SiloArgumentsOutcome.Start, settings, []);
    }
}

/// <summary>What an argument vector makes the silo executable do.</summary>
public enum SiloArgumentsOutcome
{
    /// <summary>Start a tier with <see cref="SiloArguments.Settings"/>.</summary>
    Start,
    /// <summary>Stop before anything starts, one line per problem, exit code 2.</summary>
    Refused,
    /// <summary>Answer --help, --version, a System.CommandLine directive or a <c>certs</c> command; no silo starts.</summary>
    Answer,
}

/// <summary>The outcome of <see cref="SiloCommandLine.Read"/>: valid settings, or every problem that stops the silo.</summary>
public sealed record SiloArguments(SiloArgumentsOutcome Outcome, SiloSettings? Settings, IReadOnlyList<string> Problems)
{
    internal static SiloArguments Refused(IReadOnlyList<string> problems) => new(SiloArgumentsOutcome.Refused, null, problems);
}
