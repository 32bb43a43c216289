namespace Orleans.Edge.Hosting;

/// <summary>
/// A tier that cannot start for a reason outside its settings' syntax: a port another process
/// holds, a data directory it cannot write, a Redis it cannot reach. <see cref="Setting"/> names
/// the setting to change; <see cref="Describe"/> words the cause with whatever name a caller uses
/// for that setting (the silo executable: its switch).
/// </summary>
public sealed class TierStartException : Exception
{
    private readonly string _template;

    /// <param name="setting">The TierSettings property at fault, e.g. <c>GatewayPort</c>.</param>
    /// <param name="template">The cause, with <c>{0}</c> where the setting's name goes.</param>
    /// <param name="inner">What failed underneath, if anything.</param>
    public TierStartException(string setting, string template, Exception? inner = null)
        : base(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, setting), inner)
    {
        Setting = setting;
        _template = template;
    }

    /// <summary>The TierSettings property at fault, e.g. <c>GatewayPort</c>.</summary>
    public string Setting { get; }

    /// <summary>The cause, naming the setting as <paramref name="settingName"/>.</summary>
    public string Describe(string settingName) => string.Format(System.Globalization.CultureInfo.InvariantCulture, _template, settingName);
}
