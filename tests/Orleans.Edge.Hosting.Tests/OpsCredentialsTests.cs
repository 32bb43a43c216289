using Orleans.Edge.Hosting.Ops;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Hosting.Tests;

/// <summary>
/// The embedded profile's generated ops credentials: made once, owner-only, reused by later starts
/// and by tiers starting at the same moment; configured ones win; a damaged file is named.
/// </summary>
public sealed class OpsCredentialsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edge-ops-credentials-").FullName;

    private string File => Path.Combine(_directory, OpsCredentials.FileName);

    [Fact]
    public void FirstStart_MakesAnOwnerOnlyFileWithARandomPassword_LaterStartsReuseIt()
    {
        var first = OpsCredentials.LoadOrCreate(File);

        Assert.Equal(OpsCredentials.GeneratedUser, first.User);
        Assert.True(first.Password.Length >= 32, first.Password);
        Assert.Equal($"{first.User}:{first.Password}\n", System.IO.File.ReadAllText(File));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(File));
        Assert.Equal(first, OpsCredentials.LoadOrCreate(File));
        Assert.NotEqual(first.Password, OpsCredentials.LoadOrCreate(Path.Combine(_directory, "other")).Password);
    }

    [Fact]
    public void TiersStartingTogether_AllGetTheSamePassword_AndLeaveNoTemporaryFiles()
    {
        var passwords = Enumerable.Range(0, 16).AsParallel().Select(_ => OpsCredentials.LoadOrCreate(File).Password).Distinct().ToList();

        Assert.Single(passwords);
        Assert.Equal([File], Directory.GetFiles(_directory));
    }

    [Fact]
    public void ConfiguredCredentials_WinOverTheFile_AndTheDevelopmentDirectoryHoldsIt()
    {
        var settings = new CloudTierSettings { DashboardUser = "prom", DashboardPassword = "secret", Trust = { DevelopmentDirectory = _directory } };
        Assert.Equal(new OpsCredentials("prom", "secret", null), OpsCredentials.For(settings));
        Assert.False(System.IO.File.Exists(File));

        settings.DashboardUser = settings.DashboardPassword = null;
        Assert.Equal(File, OpsCredentials.For(settings).File);
    }

    [Fact]
    public void DamagedFile_IsRefusedWithItsPath()
    {
        System.IO.File.WriteAllText(File, "no-colon-here\n");

        var error = Assert.Throws<TrustException>(() => OpsCredentials.LoadOrCreate(File));
        Assert.Contains(File, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
