namespace Orleans.Edge.Trust.Tests;

public sealed class CertsCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Exit, string[] Output, string[] Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CertsCommand.InvokeAsync(args, output, error);
        static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (exit, Lines(output), Lines(error));
    }

    [Fact]
    public async Task Commands_CreateTheCa_IssueARegionCa_AndEnrolAStoreFromItsCsr()
    {
        string ca = _dir.Sub("root"), region = _dir.Sub("region-eu"), store = _dir.Sub("store-eu-s1");
        const string storeId = "spiffe://fleet.test/region/eu/store/eu-s1";

        var init = await Run("init-ca", "--out", ca, "--trust-domain", "fleet.test");
        Assert.Equal(0, init.Exit);
        Assert.Equal(3, init.Output.Length);
        Assert.StartsWith("created root CA for trust domain fleet.test", init.Output[0], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ca, CertificateAuthority.KeyFile)));

        var issue = await Run("issue-region", "--ca", ca, "--region", "eu", "--out", region);
        Assert.Equal(0, issue.Exit);
        Assert.StartsWith("issued region CA spiffe://fleet.test/region/eu", issue.Output[0], StringComparison.Ordinal);

        var csr = await Run("csr", "--identity", storeId, "--out", store);
        Assert.Equal(0, csr.Exit);
        Assert.Equal(2, csr.Output.Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(store, NodeDirectory.KeyFile)));
        var keyBefore = File.ReadAllText(Path.Combine(store, NodeDirectory.KeyFile));
        var showCsr = await Run("show", Path.Combine(store, NodeDirectory.CsrFile));
        Assert.Equal($"CSR O=fleet.test, CN=store-eu-s1: requests {storeId}", Assert.Single(showCsr.Output).Replace("CN=store-eu-s1, O=fleet.test", "O=fleet.test, CN=store-eu-s1", StringComparison.Ordinal));

        var sign = await Run("sign", "--ca", region, "--csr", Path.Combine(store, NodeDirectory.CsrFile), "--identity", storeId, "--out", store, "--days", "7");
        Assert.Equal(0, sign.Exit);
        Assert.StartsWith($"signed {storeId}: serial ", sign.Output[0], StringComparison.Ordinal);
        Assert.Equal(keyBefore, File.ReadAllText(Path.Combine(store, NodeDirectory.KeyFile))); // the CA never touched the node's key

        var credentials = NodeCredentials.Load(store);
        Assert.Equal(NodeIdentity.Parse(storeId), credentials.Identity);
        Assert.InRange((credentials.Certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 6.9, 7.1);
        Assert.True(credentials.CreateValidator().Validate(credentials.Certificate, credentials.Intermediates).IsAuthenticated);

        var show = await Run("show", Path.Combine(store, NodeDirectory.CertificateFile));
        Assert.Equal(0, show.Exit);
        Assert.Equal(2, show.Output.Length);
        Assert.StartsWith($"node {storeId}: ", show.Output[0], StringComparison.Ordinal);
        Assert.StartsWith("intermediate CA spiffe://fleet.test/region/eu: ", show.Output[1], StringComparison.Ordinal);

        var renew = await Run("renew", "--ca", region, "--node", store);
        Assert.Equal(0, renew.Exit);
        Assert.StartsWith($"renewed {storeId}: serial ", renew.Output[0], StringComparison.Ordinal);
        var renewed = NodeCredentials.Load(store);
        Assert.NotEqual(credentials.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        Assert.NotEqual(keyBefore, File.ReadAllText(Path.Combine(store, NodeDirectory.KeyFile)));
    }

    [Fact]
    public async Task Failures_AreOneClearLine_WithANonZeroExit()
    {
        string ca = _dir.Sub("root"), region = _dir.Sub("region-eu"), store = _dir.Sub("store");
        Assert.Equal(0, (await Run("init-ca", "--out", ca, "--trust-domain", "fleet.test")).Exit);
        Assert.Equal(0, (await Run("issue-region", "--ca", ca, "--region", "eu", "--out", region)).Exit);
        Assert.Equal(0, (await Run("csr", "--identity", "spiffe://fleet.test/region/eu/store/eu-s2", "--out", store)).Exit);

        var cases = new[]
        {
            (Args: new[] { "sign", "--ca", region, "--csr", Path.Combine(store, NodeDirectory.CsrFile), "--identity", "spiffe://fleet.test/region/eu/store/eu-s1", "--out", store }, Says: "requests spiffe://fleet.test/region/eu/store/eu-s2", Exit: 1),
            (new[] { "sign", "--ca", region, "--csr", Path.Combine(store, NodeDirectory.CsrFile), "--identity", "spiffe://fleet.test/region/us/store/eu-s2", "--out", store }, "may not sign", 1),
            (new[] { "init-ca", "--out", ca, "--trust-domain", "fleet.test" }, "already exists", 1),
            (new[] { "csr", "--identity", "spiffe://fleet.test/region/EU", "--out", store }, "region id 'EU' contains 'E'", 1),
            (new[] { "issue-region", "--ca", _dir.Sub("nowhere"), "--region", "eu", "--out", _dir.Sub("x") }, "does not exist", 1),
            (new[] { "init-ca", "--out", _dir.Sub("ca2"), "--trust-domain", "fleet.test", "--password-env", "ORLEANS_EDGE_TEST_UNSET_VARIABLE" }, "is not set", 1),
            (new[] { "show", _dir.Sub("missing.pem") }, "does not exist", 1),
            (new[] { "init-ca", "--trust-domain", "fleet.test" }, "--out", 2),
            (new[] { "sign", "--ca", region, "--days", "0", "--csr", "x", "--identity", "y", "--out", "z" }, "--days must be between", 2),
        };
        foreach (var (args, says, exit) in cases)
        {
            var result = await Run(args);
            Assert.True(exit == result.Exit, $"{string.Join(' ', args)} exited {result.Exit}");
            var line = Assert.Single(result.Error);
            Assert.StartsWith("orleans-edge certs: ", line, StringComparison.Ordinal);
            Assert.Contains(says, line, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", line.Replace("at the", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EncryptedCaKey_IsUsedThroughAnEnvironmentVariable()
    {
        string ca = _dir.Sub("root"), cloud = _dir.Sub("cloud");
        Environment.SetEnvironmentVariable("ORLEANS_EDGE_TEST_CA_PASSWORD", "s3cret");
        try
        {
            var init = await Run("init-ca", "--out", ca, "--trust-domain", "fleet.test", "--password-env", "ORLEANS_EDGE_TEST_CA_PASSWORD");
            Assert.Contains("encrypted", init.Output[2], StringComparison.Ordinal);
            Assert.Equal(0, (await Run("csr", "--identity", "spiffe://fleet.test/cloud", "--out", cloud)).Exit);
            var withoutPassword = await Run("sign", "--ca", ca, "--csr", Path.Combine(cloud, NodeDirectory.CsrFile), "--identity", "spiffe://fleet.test/cloud", "--out", cloud);
            Assert.Equal(1, withoutPassword.Exit);
            Assert.Contains("is encrypted", Assert.Single(withoutPassword.Error), StringComparison.Ordinal);
            var signed = await Run("sign", "--ca", ca, "--csr", Path.Combine(cloud, NodeDirectory.CsrFile), "--identity", "spiffe://fleet.test/cloud", "--out", cloud, "--password-env", "ORLEANS_EDGE_TEST_CA_PASSWORD");
            Assert.Equal(0, signed.Exit);
            Assert.Equal(NodeIdentity.Cloud("fleet.test"), NodeCredentials.Load(cloud).Identity);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ORLEANS_EDGE_TEST_CA_PASSWORD", null);
        }
    }
}
