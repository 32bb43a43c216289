using Microsoft.Extensions.Time.Testing;

namespace Orleans.Edge.Trust.Tests;

/// <summary>A fleet on a fake clock with the cloud's document signer, and a verifier that trusts its root: what signing tests share.</summary>
public abstract class SignerTests : IDisposable
{
    protected SignerTests()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        Fleet = new Fleet(Time);
        using var issued = Fleet.Root.IssueSigner();
        Signer = new DocumentSigner(issued);
    }

    private protected FakeTimeProvider Time { get; }

    private protected Fleet Fleet { get; }

    private protected DocumentSigner Signer { get; }

    /// <summary>A verifier of the fleet's root under <paramref name="revocations"/>, on the fake clock.</summary>
    private protected DocumentVerifier Verifier(RevocationList? revocations = null) => new(Fleet.Domain, [Fleet.Root.Root], revocations, Time);

    public void Dispose()
    {
        Signer.Dispose();
        Fleet.Dispose();
        GC.SuppressFinalize(this);
    }
}
