namespace Orleans.Edge.Store;

/// <summary>Settings of one store cluster's grains (configuration section <c>Edge:Store</c>); the store's ids are its <see cref="EdgeIdentity"/>.</summary>
public sealed class StoreOptions : IValidatedOptions
{
    /// <summary>A reading whose timestamp is further than this from the store clock is rejected.</summary>
    public TimeSpan ClockSkewTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A sensor that sent nothing for this long is reported faulty.</summary>
    public TimeSpan SensorSilentAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a newly provisioned sensor may take to send its first reading before it is
    /// reported silent: stores provision shelves before the hardware is wired up, so a sensor
    /// that has never reported gets this long (at least <see cref="SensorSilentAfter"/>) from
    /// its provisioning, then raises one fault until it reports.
    /// </summary>
    public TimeSpan SensorFirstReadingWithin { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A load cell repeating exactly the same value for this long (and <see cref="StuckMinReadings"/> readings) is reported stuck.</summary>
    public TimeSpan SensorStuckAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Identical readings needed before a load cell counts as stuck.</summary>
    public int StuckMinReadings { get; set; } = 30;

    /// <summary>
    /// Alert changes the store keeps (persisted, numbered) so that a store app's watch can resume
    /// after the last change it saw; a watch away for longer is told of the gap.
    /// </summary>
    public int AlertJournalLength { get; set; } = 256;

    /// <summary>A camera reading older than this is not fused with weight.</summary>
    public TimeSpan CameraFreshness { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lets clients outside the store cluster call every grain method, not only the store-app API
    /// (<see cref="Grains.StoreAppApiAttribute"/>). Off by default; for diagnostics and tests that
    /// inspect a store from another process. A silo started with it says so in its log.
    /// </summary>
    public bool OpenGatewayToInternalGrains { get; set; }

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(
        OptionRules.Positive(ClockSkewTolerance, nameof(ClockSkewTolerance)),
        OptionRules.Positive(SensorSilentAfter, nameof(SensorSilentAfter)),
        OptionRules.Positive(SensorFirstReadingWithin, nameof(SensorFirstReadingWithin)),
        OptionRules.Positive(SensorStuckAfter, nameof(SensorStuckAfter)),
        OptionRules.Between(StuckMinReadings, 2, 1_000_000, nameof(StuckMinReadings)),
        OptionRules.Between(AlertJournalLength, 1, 100_000, nameof(AlertJournalLength)),
        OptionRules.Positive(CameraFreshness, nameof(CameraFreshness)));
}
