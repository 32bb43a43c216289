using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Orleans.Edge.Trust;

/// <summary>
/// Writing credentials to disk: whole files only (a temporary file renamed over the old one, so a
/// reader sees the old or the new content, never half), private keys readable by the owner alone.
/// </summary>
public static class PemFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes a public file (certificates, CSRs, bundles) atomically.</summary>
    public static void WritePublic(string path, string content) => Write(path, content, secret: false);

    /// <summary>Writes a secret (a private key) atomically, with mode 0600 on Unix from the moment it exists.</summary>
    public static void WriteSecret(string path, string content) => Write(path, content, secret: true);

    /// <summary>PEM of <paramref name="certificates"/>, in order.</summary>
    public static string Certificates(IEnumerable<X509Certificate2> certificates)
    {
        var pem = new StringBuilder();
        foreach (var certificate in certificates) pem.Append(certificate.ExportCertificatePem()).Append('\n');
        return pem.ToString();
    }

    /// <summary>A private key as PKCS#8 PEM, encrypted with <paramref name="password"/> (AES-256-CBC, PBKDF2-SHA256) when one is given.</summary>
    public static string PrivateKey(ECDsa key, string? password)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.IsNullOrEmpty(password)
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000));
    }

    /// <summary>Reads a private key PEM, encrypted or not; a clear message when it needs a password that was not given.</summary>
    public static ECDsa ReadPrivateKey(string pem, string? password, string path)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(password)) throw new TrustException($"{path} is encrypted; give its password");
                key.ImportFromEncryptedPem(pem, password);
            }
            else
            {
                key.ImportFromPem(pem);
            }
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new TrustException($"{path} holds no usable ECDSA private key (or the password is wrong): {ex.Message}", ex);
        }
    }

    /// <summary>Every certificate in a PEM file, in file order.</summary>
    public static X509Certificate2Collection ReadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(File.ReadAllText(path));
        }
        catch (CryptographicException ex)
        {
            throw new TrustException($"{path} is not a PEM certificate file: {ex.Message}", ex);
        }
        if (collection.Count == 0) throw new TrustException($"{path} holds no certificate");
        return collection;
    }

    private static void Write(string path, string content, bool secret)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                var bytes = Encoding.ASCII.GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>A trust operation that cannot be done, with a message a person can act on.</summary>
public sealed class TrustException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrustException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public TrustException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception.</summary>
    public TrustException() { }
}
