using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Hosting;
using Orleans.Edge.TierLink;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests.Attacks;

/// <summary>
/// Attacks on a running region's tier link over real TLS, each from the outside with a raw gRPC client:
/// no certificate, another CA's, an expired one, a store of another region, another store's, a revoked one,
/// a plaintext client, a replayed batch. Every one is refused where it enters (at the handshake, or with
/// PermissionDenied per call), is counted by reason, and changes nothing at the region; the genuine store
/// keeps being served.
/// </summary>
public sealed class TierLinkAttackTests(AttackFleet fx) : IClassFixture<AttackFleet>
{
    private static readonly EdgeIdentity Victim = EdgeIdentity.Store(AttackFleet.Region, AttackFleet.Store);

    private static P.UpBatch AlertBatch(string child, string aboutStore, ulong sequence = 1)
    {
        var alert = new Alert($"x1/LowStock/{sequence}", new StoreId(aboutStore), new ShelfId("x1"), null, AlertType.LowStock,
            AlertState.Raised, 1, "sku", 1, 2, "forged", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "system", 0);
        var batch = new P.UpBatch { ChildId = child, Epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        batch.Events.Add(LinkMapping.ToWire(child, (long)sequence, new AlertEvent(alert)) is var e && aboutStore != child ? WithStore(e, aboutStore) : e);
        return batch;

        static P.UpEvent WithStore(P.UpEvent e, string store)
        {
            e.Alert.StoreId = store;
            return e;
        }
    }

    private async Task<long> VictimEvents() => (await fx.RegionView(AttackFleet.Store))?.EventsReceived ?? 0;

    // Every refusal at the handshake is counted, a caller with no certificate too (NoCertificate, TrustSetup.UseLinkTls).
    private async Task AssertRefusedAtHandshake(P.TierLink.TierLinkClient attacker, PeerRefusal reason)
    {
        var before = fx.Refusals[reason];
        var eventsBefore = await VictimEvents();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await attacker.PushAsync(AlertBatch(AttackFleet.Store, AttackFleet.Store)));
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        Assert.True(fx.Refusals[reason] > before, $"a refusal for {reason} was not counted");
        Assert.Equal(eventsBefore, await VictimEvents());
        await GenuineStoreStillServed();
    }

    // The genuine store's own link still works after each attack: an alert it raises now reaches the
    // region. (Its link's Connected flag alone says nothing: an idle link that a keepalive on a loaded
    // machine once dropped shows false until it next has something to send.)
    private async Task GenuineStoreStillServed()
    {
        var before = await VictimEvents();
        await using var client = await FleetFixture.Connect(fx.StoreHost);
        var (_, cell) = await FleetFixture.NewShelf(client, $"genuine-{Interlocked.Increment(ref _shelves)}");
        await FleetFixture.Put(client, cell, 0);
        await Eventually.Get(VictimEvents, n => n > before, $"an event of the genuine store at the region (its link: {fx.StoreHost.Uplink!.Status.LastError})", TimeSpan.FromSeconds(30));
    }

    private static int _shelves;

    [Fact]
    public async Task NoClientCertificate_IsRefusedAtTheHandshake() =>
        await AssertRefusedAtHandshake(fx.Attacker(fx.RegionHost, null), PeerRefusal.NoCertificate);

    [Fact]
    public async Task PlaintextClient_GetsNoService()
    {
        var eventsBefore = await VictimEvents();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await fx.Plaintext(fx.RegionHost).PushAsync(AlertBatch(AttackFleet.Store, AttackFleet.Store)));
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        Assert.Equal(eventsBefore, await VictimEvents());
    }

    [Fact]
    public async Task CertificateOfAnotherCa_ForTheVictimsOwnIdentity_IsRefusedAtTheHandshake()
    {
        using var rogue = CertificateAuthority.CreateRoot(TrustSettings.DefaultTrustDomain);
        var identity = NodeIdentity.From(TrustSettings.DefaultTrustDomain, Victim);
        using var csr = NodeKeys.CreateCsr(identity);
        using var signed = rogue.SignNodeCsr(csr.CsrPem, identity);
        using var certificate = NodeKeys.Combine(signed, csr.Key);

        await AssertRefusedAtHandshake(fx.Attacker(fx.RegionHost, certificate), PeerRefusal.UntrustedIssuer);
    }

    [Fact]
    public async Task CertificateOfTheFleetsOwnCa_NotValidYet_OrExpired_IsRefusedAtTheHandshake()
    {
        var identity = NodeIdentity.From(TrustSettings.DefaultTrustDomain, Victim);
        // Minted by the fleet's real CA on a clock a day ahead: every byte genuine, only not valid yet.
        using (var ahead = fx.RootCa(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1))))
        using (var csr = NodeKeys.CreateCsr(identity))
        using (var signed = ahead.SignNodeCsr(csr.CsrPem, identity))
        using (var future = NodeKeys.Combine(signed, csr.Key))
            await AssertRefusedAtHandshake(fx.Attacker(fx.RegionHost, future), PeerRefusal.NotYetValid);

        // Minted now for one second (for another store, so the victim's link is not touched while it is
        // valid): refused once it has expired, each try a new connection.
        var other = NodeIdentity.From(TrustSettings.DefaultTrustDomain, EdgeIdentity.Store(AttackFleet.Region, "atk-s5"));
        using var ca = fx.RootCa();
        using var shortCsr = NodeKeys.CreateCsr(other);
        using var shortSigned = ca.SignNodeCsr(shortCsr.CsrPem, other, TimeSpan.FromSeconds(1));
        using var expiring = NodeKeys.Combine(shortSigned, shortCsr.Key);
        var before = fx.Refusals[PeerRefusal.Expired];
        await Eventually.Get(async () =>
        {
            try
            {
                await fx.Attacker(fx.RegionHost, expiring).PushAsync(AlertBatch("atk-s5", "atk-s5"));
            }
            catch (RpcException)
            {
            }
            return fx.Refusals[PeerRefusal.Expired];
        }, n => n > before, "the expired certificate refused", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task GenuineStoreOfAnotherRegion_IsRefusedAtTheHandshake()
    {
        var other = fx.Genuine(EdgeIdentity.Store("elsewhere", AttackFleet.Store));
        await AssertRefusedAtHandshake(fx.Attacker(fx.RegionHost, other.Certificate, other.Intermediates), PeerRefusal.NotAuthorized);
    }

    [Fact]
    public async Task RegionCertificate_CannotDialARegionAsAChild() =>
        await AssertRefusedAtHandshake(fx.Attacker(fx.RegionHost, fx.Genuine(EdgeIdentity.Region("rogue")).Certificate), PeerRefusal.NotAuthorized);

    [Fact]
    public async Task GenuineSiblingStore_CannotSpeakAsTheVictim_OrAboutIt()
    {
        var sibling = fx.Genuine(EdgeIdentity.Store(AttackFleet.Region, "atk-s2"));
        var attacker = fx.Attacker(fx.RegionHost, sibling.Certificate, sibling.Intermediates);
        var eventsBefore = await VictimEvents();
        var before = fx.Refusals[PeerRefusal.NotAuthorized];

        // As the victim (child_id), and in its own name with a payload naming the victim.
        var asVictim = await Assert.ThrowsAsync<RpcException>(async () => await attacker.PushAsync(AlertBatch(AttackFleet.Store, AttackFleet.Store)));
        var aboutVictim = await Assert.ThrowsAsync<RpcException>(async () => await attacker.PushAsync(AlertBatch("atk-s2", AttackFleet.Store)));
        using var subscribe = attacker.Subscribe(new P.SubscribeRequest { ChildId = AttackFleet.Store, RegionId = AttackFleet.Region, StoreId = AttackFleet.Store });
        var policies = await Assert.ThrowsAsync<RpcException>(() => subscribe.ResponseStream.MoveNext());

        Assert.All(new[] { asVictim, aboutVictim, policies }, ex => Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode));
        Assert.Contains("may only push as 'atk-s2'", asVictim.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("sent an alert of store 'atk-s1'", aboutVictim.Status.Detail, StringComparison.Ordinal);
        Assert.True(fx.Refusals[PeerRefusal.NotAuthorized] >= before + 3);
        Assert.Equal(eventsBefore, await VictimEvents());
        // The sibling's own alert, in its own name, is taken: it is a genuine store of this region.
        var own = await attacker.PushAsync(AlertBatch("atk-s2", "atk-s2"));
        Assert.Equal(1u, own.Appended);
    }

    [Fact]
    public async Task RevokedStore_IsRefusedOnItsLiveConnection_AndAtTheNextHandshake()
    {
        var revoked = fx.Genuine(EdgeIdentity.Store(AttackFleet.Region, "atk-s3"));
        var attacker = fx.Attacker(fx.RegionHost, revoked.Certificate, revoked.Intermediates);
        var first = AlertBatch("atk-s3", "atk-s3");
        Assert.Equal(1u, (await attacker.PushAsync(first)).Appended);   // connected and served
        // An uplink session open before the revocation, as a store's sender keeps one, in the same epoch.
        using var session = attacker.Uplink();
        var next = AlertBatch("atk-s3", "atk-s3", 2);
        next.Epoch = first.Epoch;
        await session.RequestStream.WriteAsync(next);
        Assert.True(await session.ResponseStream.MoveNext());

        // The operator revokes it: the region's deny-list file gains its SPIFFE ID.
        var regionDir = fx.RegionHost.CredentialsDirectory!;
        var list = Path.Combine(regionDir, NodeDirectory.RevocationsFile);
        await File.WriteAllTextAsync(list, revoked.Identity + "\n");
        try
        {
            var before = fx.Refusals[PeerRefusal.Revoked];
            // Its live connection's next call is refused once the region has reloaded the list (seconds).
            var refused = await Eventually.Get(async () =>
            {
                try
                {
                    await attacker.PushAsync(AlertBatch("atk-s3", "atk-s3", 2));
                    return StatusCode.OK;
                }
                catch (RpcException ex)
                {
                    return ex.StatusCode;
                }
            }, s => s == StatusCode.PermissionDenied, "the revoked store refused on its live connection", TimeSpan.FromSeconds(15));
            Assert.Equal(StatusCode.PermissionDenied, refused);
            // The session's next batch is refused too: a stream does not outlive the revocation.
            await session.RequestStream.WriteAsync(AlertBatch("atk-s3", "atk-s3", 3));
            var ended = await Assert.ThrowsAsync<RpcException>(() => session.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.PermissionDenied, ended.StatusCode);
            // A new connection does not get past the handshake.
            var fresh = fx.Attacker(fx.RegionHost, revoked.Certificate, revoked.Intermediates);
            await Assert.ThrowsAsync<RpcException>(async () => await fresh.PushAsync(AlertBatch("atk-s3", "atk-s3", 2)));
            Assert.True(fx.Refusals[PeerRefusal.Revoked] >= before + 2);
            await GenuineStoreStillServed();
        }
        finally
        {
            File.Delete(list);
        }
    }

    [Fact]
    public async Task AtTheCloud_AStoreCannotDial_AndARegionCannotSpeakForAnother()
    {
        var store = fx.Genuine(Victim);
        var asStore = await Assert.ThrowsAsync<RpcException>(async () =>
            await fx.Attacker(fx.Cloud, store.Certificate, store.Intermediates).PushAsync(AlertBatch(AttackFleet.Region, AttackFleet.Store)));
        Assert.NotEqual(StatusCode.OK, asStore.StatusCode);

        var rogue = fx.Attacker(fx.Cloud, fx.Genuine(EdgeIdentity.Region("atk-rogue")).Certificate);
        var asRegion = await Assert.ThrowsAsync<RpcException>(async () => await rogue.PushAsync(AlertBatch(AttackFleet.Region, AttackFleet.Store)));
        Assert.Equal(StatusCode.PermissionDenied, asRegion.StatusCode);
        // In its own name, reporting the victim as one of its stores: the event names region 'atk'.
        var state = new P.UpBatch { ChildId = "atk-rogue", Epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        state.Events.Add(LinkMapping.ToWire("atk-rogue", 1,
            new StoreStateEvent(new StoreId(AttackFleet.Store), new RegionId(AttackFleet.Region), 0, 1, DateTimeOffset.UtcNow)));
        var moved = await Assert.ThrowsAsync<RpcException>(async () => await rogue.PushAsync(state));
        Assert.Equal(StatusCode.PermissionDenied, moved.StatusCode);
        Assert.Contains("a region reports its own stores", moved.Status.Detail, StringComparison.Ordinal);

        // Claiming the victim as a store of its own region passes the link (a region vouches for its
        // stores), but the fleet knows the victim in region 'atk' and ignores the claim.
        var fleet = fx.Cloud.Grains.GetGrain<Orleans.Edge.Grains.IFleetGrain>(EdgeNames.CloudKey);
        await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == AttackFleet.Store), "the victim in the fleet view", TimeSpan.FromSeconds(20));
        var claim = new P.UpBatch { ChildId = "atk-rogue", Epoch = state.Epoch };
        claim.Events.Add(LinkMapping.ToWire("atk-rogue", 1,
            new StoreStateEvent(new StoreId(AttackFleet.Store), new RegionId("atk-rogue"), 99, 1, DateTimeOffset.UtcNow)));
        claim.Events.Add(LinkMapping.ToWire("atk-rogue", 2,
            new StoreStateEvent(new StoreId("atk-rogue-s1"), new RegionId("atk-rogue"), 1, 1, DateTimeOffset.UtcNow)));
        Assert.Equal(2u, (await rogue.PushAsync(claim)).Appended);
        var view = await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == "atk-rogue-s1"), "the rogue region's own store applied after the claim", TimeSpan.FromSeconds(20));
        Assert.Equal(AttackFleet.Region, view.Stores.Single(s => s.StoreId == AttackFleet.Store).RegionId);
        Assert.NotEqual(99, view.Stores.Single(s => s.StoreId == AttackFleet.Store).AppliedPolicyVersion);
    }

    [Fact]
    public async Task RevokedAtTheCloud_IsRefusedByItsRegionWithinSeconds_AndTheDenyListReachesTheStores()
    {
        var revoked = fx.Genuine(EdgeIdentity.Store(AttackFleet.Region, "atk-s6"));
        var attacker = fx.Attacker(fx.RegionHost, revoked.Certificate, revoked.Intermediates);
        Assert.Equal(1u, (await attacker.PushAsync(AlertBatch("atk-s6", "atk-s6"))).Appended);
        var cloudList = fx.Cloud.Grains.GetGrain<Orleans.Edge.Grains.IRevocationListGrain>(EdgeNames.CloudKey);

        // A bad entry is refused with its reason and publishes nothing.
        var before = await cloudList.Get();
        await Assert.ThrowsAsync<ArgumentException>(() => cloudList.Revoke("spiffe://edge.local/region/atk/store/ATK", "typo"));
        Assert.Equal(before.Version, (await cloudList.Get()).Version);

        var published = await cloudList.Revoke(revoked.Identity.ToString(), "stolen");
        try
        {
            var refused = await Eventually.Get(async () =>
            {
                try
                {
                    await attacker.PushAsync(AlertBatch("atk-s6", "atk-s6", 2));
                    return StatusCode.OK;
                }
                catch (RpcException ex)
                {
                    return ex.StatusCode;
                }
            }, s => s == StatusCode.PermissionDenied, "the region refusing a store revoked at the cloud", TimeSpan.FromSeconds(10));
            Assert.Equal(StatusCode.PermissionDenied, refused);
            // The region relayed the list to its store, whose links apply it too.
            var storeList = fx.StoreHost.Grains.GetGrain<Orleans.Edge.Grains.IRevocationListGrain>(AttackFleet.Store);
            await Eventually.Get(storeList.Get, l => l.Version == published.Version && l.Entries.Contains(revoked.Identity.ToString()), "the deny-list at the store");
            await Eventually.Get(() => Task.FromResult(fx.StoreHost.LinkTrust!.PublishedRevocationsVersion), v => v == published.Version, "the store's links on it");
        }
        finally
        {
            await cloudList.Lift(revoked.Identity.ToString());
        }
    }

    [Fact]
    public async Task ReplayedGenuineBatch_IsAckedAsDuplicates_AndAppliedOnce()
    {
        var replayer = fx.Genuine(EdgeIdentity.Store(AttackFleet.Region, "atk-s4"));
        var client = fx.Attacker(fx.RegionHost, replayer.Certificate, replayer.Intermediates);
        var batch = AlertBatch("atk-s4", "atk-s4");

        var first = await client.PushAsync(batch);
        var replays = new List<P.UpAck>();
        for (var i = 0; i < 5; i++) replays.Add(await client.PushAsync(batch));

        Assert.Equal(1u, first.Appended);
        Assert.All(replays, ack => Assert.Equal((0u, 1u), (ack.Appended, ack.Duplicates)));
        var view = await Eventually.Get(() => fx.RegionView("atk-s4"), v => v is { EventsReceived: 1 }, "the one event at the region");
        Assert.Single(view!.OpenAlerts);
    }
}
