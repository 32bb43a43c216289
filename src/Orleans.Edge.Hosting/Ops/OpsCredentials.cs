using System.Security.Cryptography;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Hosting.Ops;

/// <summary>
/// The one user <c>/metrics</c> and <c>/dashboard</c> accept (HTTP Basic): the configured
/// <see cref="TierSettings.DashboardUser"/> and <see cref="TierSettings.DashboardPassword"/>, or, in
/// the embedded profile without them, user <see cref="GeneratedUser"/> with a random password made on
/// first start and kept (mode 0600) in <see cref="FileOf"/>, beside the development certificates, so
/// every tier a user starts shares it and later starts reuse it.
/// </summary>
public sealed record OpsCredentials(string User, string Password, string? File)
{
    /// <summary>The user of generated credentials.</summary>
    public const string GeneratedUser = "ops";

    /// <summary>The file generated credentials are kept in, inside the development directory.</summary>
    public const string FileName = "ops-credentials";

    /// <summary>Where a tier of these settings keeps generated credentials: <c>&lt;dev-certs&gt;/ops-credentials</c>.</summary>
    public static string FileOf(TierSettings settings) => Path.Combine(settings.Trust.EffectiveDevelopmentDirectory, FileName);

    /// <summary>The credentials in force for <paramref name="settings"/>; generates them on first use where none are configured.</summary>
    public static OpsCredentials For(TierSettings settings)
    {
        if (settings.DashboardUser is { Length: > 0 } user) return new(user, settings.DashboardPassword!, null);
        // Validation refuses a production tier with an ops port and no credentials.
        if (settings.IsProduction) throw new InvalidOperationException("the production profile needs DashboardUser and DashboardPassword");
        return LoadOrCreate(FileOf(settings));
    }

    /// <summary>
    /// Reads <paramref name="path"/> (one line, <c>user:password</c>, as <c>curl -u</c> takes it), or
    /// creates it with a random password. Tiers starting together race safely: the file is written
    /// whole under a temporary name and moved into place only if none is there yet.
    /// </summary>
    public static OpsCredentials LoadOrCreate(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            var temporary = $"{path}.{Guid.NewGuid():N}.new";
            PemFiles.WriteSecret(temporary, $"{GeneratedUser}:{Base64Url(RandomNumberGenerator.GetBytes(24))}\n");
            try
            {
                System.IO.File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (System.IO.File.Exists(path))
            {
                System.IO.File.Delete(temporary);   // another tier made it first: use theirs
            }
        }
        var line = System.IO.File.ReadAllText(path).Trim();
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == line.Length - 1)
            throw new TrustException($"'{path}' must hold one line 'user:password'; delete it to have a new password made");
        return new(line[..colon], line[(colon + 1)..], path);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
