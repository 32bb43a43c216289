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
