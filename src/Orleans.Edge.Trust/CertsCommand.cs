using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// The <c>certs</c> verb: create the fleet CA, issue region intermediates and the document signer, make a node's key and CSR,
/// sign CSRs, renew and show certificates. Each subcommand prints one line per thing it did; a
/// failure is one line on the error writer starting <c>orleans-edge certs:</c> and exit code 1
/// (2 for a bad command line). Host it with <c>root.Subcommands.Add(CertsCommand.Create())</c>.
/// CA keys may be encrypted: <c>--password-env NAME</c> names an environment variable holding the
/// password, so it never appears on a command line.
/// </summary>
public static class CertsCommand
{
    private const string Prefix = "orleans-edge certs: ";

    /// <summary>The <c>certs</c> command with its subcommands.</summary>
    public static Command Create(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var certs = new Command("certs", "Create the fleet CA, issue region CAs and node certificates, renew and show them.");
        certs.Subcommands.Add(InitCa(time));
        certs.Subcommands.Add(IssueRegion(time));
        certs.Subcommands.Add(IssueSigner(time));
        certs.Subcommands.Add(Csr());
        certs.Subcommands.Add(Sign(time));
        certs.Subcommands.Add(Renew(time));
        certs.Subcommands.Add(Show());
        return certs;
    }

    /// <summary>
    /// Runs <c>certs</c> with <paramref name="args"/> (without the leading <c>certs</c>) in-process:
    /// parse errors are one line each on <paramref name="error"/> with exit code 2.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = new RootCommand("orleans-edge");
        root.Subcommands.Add(Create(time));
        var parsed = root.Parse(["certs", .. args]);
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var problem in parsed.Errors) await error.WriteLineAsync(Prefix + problem.Message).ConfigureAwait(false);
            return 2;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
    }

    private static Command InitCa(TimeProvider time)
    {
        var output = Required("--out", "Directory for ca.crt.pem and ca.key.pem.");
        var domain = Required("--trust-domain", "The fleet's SPIFFE trust domain, e.g. fleet.example.");
        var days = Days(3650);
        var password = PasswordEnv("Environment variable holding a password to encrypt the CA key with.");
        var command = new Command("init-ca", "Create the fleet's root CA (ECDSA P-256, self-signed).") { output, domain, days, password };
        Run(command, (parse, say) =>
        {
            var directory = parse.GetRequiredValue(output);
            RefuseOverwrite(Path.Combine(directory, CertificateAuthority.KeyFile));
            using var ca = CertificateAuthority.CreateRoot(parse.GetRequiredValue(domain), time, TimeSpan.FromDays(parse.GetValue(days)));
            var secret = ReadPassword(parse.GetValue(password));
            ca.Save(directory, secret);
            say($"created root CA for trust domain {ca.TrustDomain}: serial {ca.Certificate.SerialNumber}, valid until {Utc(ca.Certificate.NotAfter)}");
            say($"wrote {Path.Combine(directory, CertificateAuthority.CertificateFile)} (give it to every node as trust-bundle.pem)");
            say($"wrote {Path.Combine(directory, CertificateAuthority.KeyFile)} (mode 0600{(secret is null ? ", not encrypted" : ", encrypted")}); keep it offline");
        });
        return command;
    }

    private static Command IssueRegion(TimeProvider time)
    {
        var caDir = Required("--ca", "Directory of the root CA.");
        var region = Required("--region", "Region id.");
        var output = Required("--out", "Directory for the region CA's ca.crt.pem and ca.key.pem.");
        var days = Days(730);
        var password = PasswordEnv("Environment variable holding the root CA key's password.");
        var newPassword = new Option<string?>("--new-password-env") { Description = "Environment variable holding a password to encrypt the region CA key with." };
        var command = new Command("issue-region", "Issue a region's intermediate CA, which signs that region's stores.") { caDir, region, output, days, password, newPassword };
        Run(command, (parse, say) =>
        {
            var directory = parse.GetRequiredValue(output);
            RefuseOverwrite(Path.Combine(directory, CertificateAuthority.KeyFile));
            using var root = CertificateAuthority.Load(parse.GetRequiredValue(caDir), ReadPassword(parse.GetValue(password)), time);
            using var regional = root.IssueRegionCa(parse.GetRequiredValue(region), TimeSpan.FromDays(parse.GetValue(days)));
            var secret = ReadPassword(parse.GetValue(newPassword));
            regional.Save(directory, secret);
            PemFiles.WritePublic(Path.Combine(directory, NodeDirectory.TrustBundleFile), PemFiles.Certificates([regional.Root]));
            say($"issued region CA {regional.Region}: serial {regional.Certificate.SerialNumber}, valid until {Utc(regional.Certificate.NotAfter)}");
            say($"wrote {Path.Combine(directory, CertificateAuthority.CertificateFile)} (region CA, then root)");
            say($"wrote {Path.Combine(directory, CertificateAuthority.KeyFile)} (mode 0600{(secret is null ? ", not encrypted" : ", encrypted")})");
            say($"wrote {Path.Combine(directory, NodeDirectory.TrustBundleFile)}");
        });
        return command;
    }

    private static Command IssueSigner(TimeProvider time)
    {
        var caDir = Required("--ca", "Directory of the root CA.");
        var output = Required("--out", "Directory for signer.crt.pem and signer.key.pem (give it to the cloud).");
        var days = Days((int)CertificateAuthority.DefaultSignerValidity.TotalDays);
        var password = PasswordEnv("Environment variable holding the root CA key's password.");
        var command = new Command("issue-signer", "Issue the cloud's document signer (spiffe://<domain>/cloud/signer, EKU codeSigning only): it signs policies and model assignments and nothing else.") { caDir, output, days, password };
        Run(command, (parse, say) =>
        {
            var directory = parse.GetRequiredValue(output);
            if (File.Exists(Path.Combine(directory, DocumentSigner.KeyFile)))
                throw new TrustException($"{Path.Combine(directory, DocumentSigner.KeyFile)} already exists; issue a new signer into a new directory (see rotation in docs/trust.md)");
            using var root = CertificateAuthority.Load(parse.GetRequiredValue(caDir), ReadPassword(parse.GetValue(password)), time);
            using var signer = root.IssueSigner(TimeSpan.FromDays(parse.GetValue(days)));
            DocumentSigner.Save(directory, signer);
            say($"issued document signer {NodeIdentity.Signer(root.TrustDomain)}: serial {signer.SerialNumber}, valid until {Utc(signer.NotAfter)}");
            say($"wrote {Path.Combine(directory, DocumentSigner.CertificateFile)}");
            say($"wrote {Path.Combine(directory, DocumentSigner.KeyFile)} (mode 0600, not encrypted); give this directory to the cloud only");
        });
        return command;
    }

    private static Command Csr()
    {
        var identity = Required("--identity", "The SPIFFE ID this node asks for, e.g. spiffe://fleet.example/region/eu/store/eu-s1.");
        var output = Required("--out", "The node's directory: node.key.pem and node.csr.pem are written there.");
        var command = new Command("csr", "On the node: make its private key and a CSR for its identity (the key never leaves the node).") { identity, output };
        Run(command, (parse, say) =>
        {
            var id = NodeIdentity.Parse(parse.GetRequiredValue(identity));
            var directory = parse.GetRequiredValue(output);
            using var csr = NodeKeys.CreateCsr(id);
            PemFiles.WriteSecret(Path.Combine(directory, NodeDirectory.KeyFile), PemFiles.PrivateKey(csr.Key, null));
            PemFiles.WritePublic(Path.Combine(directory, NodeDirectory.CsrFile), csr.CsrPem);
            say($"wrote {Path.Combine(directory, NodeDirectory.KeyFile)} (new ECDSA P-256 key, mode 0600)");
            say($"wrote {Path.Combine(directory, NodeDirectory.CsrFile)} (CSR for {id}); take it to the CA and run: certs sign --csr ... --identity {id}");
        });
        return command;
    }

    private static Command Sign(TimeProvider time)
    {
        var caDir = Required("--ca", "Directory of the signing CA (the root for the cloud and regions, the region CA for its stores).");
        var csrFile = Required("--csr", "The node's CSR (node.csr.pem).");
        var identity = Required("--identity", "The identity the CA issues; the CSR must ask for exactly this one.");
        var output = Required("--out", "Directory for node.crt.pem and trust-bundle.pem (the node's directory).");
        var days = Days(30);
        var password = PasswordEnv("Environment variable holding the CA key's password.");
        var command = new Command("sign", "At the CA: sign a node's CSR as the given identity.") { caDir, csrFile, identity, output, days, password };
        Run(command, (parse, say) =>
        {
            var id = NodeIdentity.Parse(parse.GetRequiredValue(identity));
            using var ca = CertificateAuthority.Load(parse.GetRequiredValue(caDir), ReadPassword(parse.GetValue(password)), time);
            var csrPath = parse.GetRequiredValue(csrFile);
            if (!File.Exists(csrPath)) throw new TrustException($"{csrPath} does not exist");
            using var certificate = ca.SignNodeCsr(File.ReadAllText(csrPath), id, TimeSpan.FromDays(parse.GetValue(days)));
            var directory = parse.GetRequiredValue(output);
            PemFiles.WritePublic(Path.Combine(directory, NodeDirectory.CertificateFile), PemFiles.Certificates([certificate, .. ca.ChainBelowRoot()]));
            PemFiles.WritePublic(Path.Combine(directory, NodeDirectory.TrustBundleFile), PemFiles.Certificates([ca.Root]));
            say($"signed {id}: serial {certificate.SerialNumber}, valid until {Utc(certificate.NotAfter)}, issued by {ca.Certificate.Subject}");
            say($"wrote {Path.Combine(directory, NodeDirectory.CertificateFile)}");
            say($"wrote {Path.Combine(directory, NodeDirectory.TrustBundleFile)}");
        });
        return command;
    }

    private static Command Renew(TimeProvider time)
    {
        var caDir = Required("--ca", "Directory of the signing CA.");
        var node = Required("--node", "The node's directory (holding its current node.crt.pem).");
        var days = Days(30);
        var password = PasswordEnv("Environment variable holding the CA key's password.");
        var command = new Command("renew", "Where node and CA meet (a region onboarding its stores, development): new key, CSR and certificate for the node's current identity; a running node picks them up.") { caDir, node, days, password };
        Run(command, (parse, say) =>
        {
            var directory = parse.GetRequiredValue(node);
            var certPath = Path.Combine(directory, NodeDirectory.CertificateFile);
            if (!File.Exists(certPath)) throw new TrustException($"{certPath} does not exist; use csr and sign for a new node");
            var current = PemFiles.ReadCertificates(certPath)[0];
            var reading = SpiffeSan.Read(current);
            var id = reading.Identity ?? throw new TrustException($"{certPath}: {reading.Problem}");
            using var ca = CertificateAuthority.Load(parse.GetRequiredValue(caDir), ReadPassword(parse.GetValue(password)), time);
            using var csr = NodeKeys.CreateCsr(id);
            PemFiles.WritePublic(Path.Combine(directory, NodeDirectory.CsrFile), csr.CsrPem);
            using var certificate = ca.SignNodeCsr(csr.CsrPem, id, TimeSpan.FromDays(parse.GetValue(days)));
            NodeDirectory.Write(directory, certificate, csr.Key, ca.ChainBelowRoot(), [ca.Root]);
            say($"renewed {id}: serial {certificate.SerialNumber} replaces {current.SerialNumber}, valid until {Utc(certificate.NotAfter)}");
            say($"wrote {Path.Combine(directory, NodeDirectory.KeyFile)} (new key, mode 0600)");
            say($"wrote {certPath}");
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<string>("file") { Description = "A PEM file: certificates (node.crt.pem, ca.crt.pem, trust-bundle.pem) or a CSR." };
        var command = new Command("show", "Show the identities, serials and validity in a PEM file.") { file };
        Run(command, (parse, say) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!File.Exists(path)) throw new TrustException($"{path} does not exist");
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal))
            {
                CertificateRequest request;
                try
                {
                    request = CertificateRequest.LoadSigningRequestPem(text, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
                }
                catch (CryptographicException ex)
                {
                    throw new TrustException($"{path} is not a valid CSR: {ex.Message}", ex);
                }
                var requested = SpiffeSan.Read(request.CertificateExtensions);
                say($"CSR {request.SubjectName.Name}: requests {requested.Identity?.ToString() ?? "no valid SPIFFE ID (" + requested.Problem + ")"}");
                return;
            }
            foreach (var certificate in PemFiles.ReadCertificates(path))
            {
                var isCa = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
                var id = SpiffeSan.Read(certificate);
                var name = id.Identity?.ToString() ?? (isCa ? "(no SPIFFE ID)" : $"(no valid SPIFFE ID: {id.Problem})");
                say($"{(isCa ? (CertificateAuthority.IsSelfSigned(certificate) ? "root CA" : "intermediate CA") : "node")} {name}: subject {certificate.Subject}, serial {certificate.SerialNumber}, valid {Utc(certificate.NotBefore)} to {Utc(certificate.NotAfter)}, issuer {certificate.Issuer}");
            }
        });
        return command;
    }

    private static void Run(Command command, Action<ParseResult, Action<string>> action) =>
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                action(parse, output.WriteLine);
                return 0;
            }
            catch (Exception ex) when (ex is TrustException or FormatException or ArgumentException or IOException or UnauthorizedAccessException or CryptographicException)
            {
                error.WriteLine(Prefix + ex.Message.ReplaceLineEndings(" "));
                return 1;
            }
        });

    private static Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };

    private static Option<int> Days(int days)
    {
        var option = new Option<int>("--days") { Description = $"Validity in days (default {days}).", DefaultValueFactory = _ => days };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 36500) result.AddError("--days must be between 1 and 36500");
        });
        return option;
    }

    private static Option<string?> PasswordEnv(string description) => new("--password-env") { Description = description };

    private static string? ReadPassword(string? variable)
    {
        if (string.IsNullOrEmpty(variable)) return null;
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(value) ? throw new TrustException($"the environment variable {variable} (--password-env) is not set") : value;
    }

    private static void RefuseOverwrite(string keyPath)
    {
        if (File.Exists(keyPath)) throw new TrustException($"{keyPath} already exists; a CA is never overwritten (remove it first if you really mean to)");
    }

    private static string Utc(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
