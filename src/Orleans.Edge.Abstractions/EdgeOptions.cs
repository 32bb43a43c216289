using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orleans.Edge;

/// <summary>Options that say what is wrong with them: the one validation style of every Orleans.Edge options class.</summary>
public interface IValidatedOptions
{
    /// <summary>Each problem as a sentence naming the setting and the value; empty when valid.</summary>
    IEnumerable<string> Problems();
}

/// <summary>The one options pipeline: bound from the <c>Edge</c> configuration section, then code, validated at start.</summary>
public static class EdgeOptionsExtensions
{
    /// <summary>The configuration section every option is bound from (<c>Edge:&lt;Section&gt;:&lt;Property&gt;</c>, or <c>EDGE__SECTION__PROPERTY</c>).</summary>
    public const string Section = "Edge";

    /// <summary>
    /// Registers <typeparamref name="T"/> bound from <c>Edge:<paramref name="section"/></c>, then
    /// changed by <paramref name="configure"/>, and validated by its <see cref="IValidatedOptions.Problems"/>
    /// when the host starts: a host with a bad setting does not start, and says which.
    /// </summary>
    public static OptionsBuilder<T> AddEdgeOptions<T>(this IServiceCollection services, string section, Action<T>? configure = null)
        where T : class, IValidatedOptions
    {
        var builder = services.AddOptions<T>().BindConfiguration($"{Section}:{section}");
        if (configure is not null) builder.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, ProblemsValidator<T>>());
        return builder.ValidateOnStart();
    }

    private sealed class ProblemsValidator<T> : IValidateOptions<T> where T : class, IValidatedOptions
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Problems().Select(p => $"{typeof(T).Name}: {p}").ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>The checks options classes share; each returns a problem sentence, or null.</summary>
public static class OptionRules
{
    /// <summary><paramref name="value"/> must be more than zero.</summary>
    public static string? Positive(TimeSpan value, string name) => value > TimeSpan.Zero ? null : $"{name} must be positive, got {value}";

    /// <summary><paramref name="value"/> must be zero or more.</summary>
    public static string? NotNegative(TimeSpan value, string name) => value >= TimeSpan.Zero ? null : $"{name} must not be negative, got {value}";

    /// <summary><paramref name="value"/> must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static string? Between(long value, long min, long max, string name) =>
        value >= min && value <= max ? null : $"{name} must be {min}–{max}, got {value}";

    /// <summary>The problems among <paramref name="checks"/>.</summary>
    public static IEnumerable<string> Collect(params string?[] checks) => checks.OfType<string>();
}
