namespace Orleans.Edge.StoreApp;

/// <summary>What this app does once connected (section <c>StoreApp</c>).</summary>
public sealed class StoreAppOptions
{
    /// <summary>A planogram file (<c>.csv</c> or <c>.json</c>) to provision at start; none if empty.</summary>
    public string? Planogram { get; set; }

    /// <summary>Who the app acknowledges alerts as.</summary>
    public string AcknowledgeAs { get; set; } = "store-app";
}
