using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>OPEN checks and capability negotiation as a pure function (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 7911, RFC 8950, RFC 9234).</summary>
public class NegotiationTests
{
    private static SessionConfig Local(Func<SessionConfig, SessionConfig>? tweak = null) =>
        Sessions.Config(IPAddress.Parse("192.0.2.2"), 65001, 65002, 0x01010101, tweak);

    private static (bool Ok, NegotiatedSession? Session, NotificationMessage? Error) Negotiate(SessionConfig cfg, OpenMessage theirs)
    {
        var ours = CapabilityNegotiation.BuildOpen(cfg);
        bool ok = CapabilityNegotiation.TryNegotiate(cfg, ours, theirs, null, null, out var s, out var e);
        return (ok, s, e);
    }

    [Fact]
    public void Our_OPEN_carries_the_configured_capabilities()
    {
        var open = CapabilityNegotiation.BuildOpen(Local(c => c with
        {
            LocalAs = 4200000001,
            HostName = "node1",
            DomainName = "example.org",
            Role = BgpRole.Customer,
            ExtendedNextHop = [new ExtendedNextHopEntry(AddressFamily.Ipv4Unicast, Afi.Ipv6)],
        }));
        Assert.Equal(Asn.AsTrans, open.MyAs);
        Assert.Equal(4200000001u, open.Asn);
        Assert.Equal(9, open.HoldTime);
        Assert.Equal(2, open.Capabilities.OfType<MultiprotocolCapability>().Count());
        Assert.NotNull(open.GetCapability<RouteRefreshCapability>());
        Assert.NotNull(open.GetCapability<EnhancedRouteRefreshCapability>());
        Assert.NotNull(open.GetCapability<ExtendedMessageCapability>());
        Assert.Equal("node1", open.GetCapability<FqdnCapability>()!.HostName);
        Assert.Equal(BgpRole.Customer, open.GetCapability<RoleCapability>()!.Role);
        Assert.NotNull(open.GetCapability<ExtendedNextHopCapability>());
        Assert.Null(open.GetCapability<AddPathCapability>());
    }

    [Fact]
    public void A_peer_without_multiprotocol_supports_ipv4_unicast_only()
    {
        var (ok, s, _) = Negotiate(Local(), OpenMessage.Create(65002, 90, 0x02020202, [new FourOctetAsCapability(65002)]));
        Assert.True(ok);
        Assert.Equal([AddressFamily.Ipv4Unicast], s!.Families.ToArray());
        Assert.False(s.RouteRefresh);
        Assert.False(s.ExtendedMessage);
        Assert.Equal(4096, s.DecodeContext.MaxMessageLength);
        Assert.Equal(9, s.HoldTime);
    }

    [Fact]
    public void Four_octet_peer_AS_comes_from_the_capability_and_must_match_AS_TRANS()
    {
        var cfg = Local(c => c with { PeerAs = 4200000002 });
        var good = OpenMessage.Create(4200000002, 90, 0x02020202, [new FourOctetAsCapability(4200000002)]);
        Assert.True(Negotiate(cfg, good).Ok);
        Assert.True(Negotiate(cfg, good).Session!.FourOctetAs);
        var lying = good with { MyAs = 65002 };
        var (ok, _, err) = Negotiate(cfg, lying);
        Assert.False(ok);
        Assert.Equal((byte)OpenMessageSubcode.BadPeerAs, err!.Subcode);
    }

    [Theory]
    [InlineData(PeerAsMode.External, 65002u, true)]
    [InlineData(PeerAsMode.External, 65001u, false)]
    [InlineData(PeerAsMode.Internal, 65001u, true)]
    [InlineData(PeerAsMode.Internal, 65002u, false)]
    public void Remote_as_internal_and_external(PeerAsMode mode, uint peerAs, bool ok)
    {
        var r = Negotiate(Local(c => c with { PeerAsMode = mode, PeerAs = 0 }), Sessions.PeerOpen(peerAs, 0x02020202));
        Assert.Equal(ok, r.Ok);
        if (ok) Assert.Equal(peerAs == 65001, r.Session!.IsInternal);
        else Assert.Equal((byte)OpenMessageSubcode.BadPeerAs, r.Error!.Subcode);
    }

    [Fact]
    public void Same_router_id_is_refused_within_an_AS_and_allowed_between_ASes()
    {
        Assert.True(Negotiate(Local(), Sessions.PeerOpen(65002, 0x01010101)).Ok);
        var r = Negotiate(Local(c => c with { PeerAs = 65001 }), Sessions.PeerOpen(65001, 0x01010101));
        Assert.False(r.Ok);
        Assert.Equal((byte)OpenMessageSubcode.BadBgpIdentifier, r.Error!.Subcode);
    }

    [Theory]
    [InlineData(BgpRole.Customer, BgpRole.Provider, true)]
    [InlineData(BgpRole.Provider, BgpRole.Customer, true)]
    [InlineData(BgpRole.Peer, BgpRole.Peer, true)]
    [InlineData(BgpRole.RouteServer, BgpRole.RouteServerClient, true)]
    [InlineData(BgpRole.Customer, BgpRole.Customer, false)]
    [InlineData(BgpRole.Peer, BgpRole.Provider, false)]
    public void Roles_must_pair_up(BgpRole mine, BgpRole theirs, bool ok)
    {
        var open = Sessions.PeerOpen(65002, 0x02020202, 90, new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(65002), new RoleCapability(theirs));
        var r = Negotiate(Local(c => c with { Role = mine }), open);
        Assert.Equal(ok, r.Ok);
        if (!ok) Assert.Equal((byte)OpenMessageSubcode.RoleMismatch, r.Error!.Subcode);
        else Assert.Equal(theirs, r.Session!.PeerRole);
    }

    [Fact]
    public void Strict_role_refuses_a_peer_without_the_role_capability()
    {
        Assert.True(Negotiate(Local(c => c with { Role = BgpRole.Customer }), Sessions.PeerOpen(65002, 0x02020202)).Ok);
        var r = Negotiate(Local(c => c with { Role = BgpRole.Customer, StrictRole = true }), Sessions.PeerOpen(65002, 0x02020202));
        Assert.False(r.Ok);
        Assert.Equal((byte)OpenMessageSubcode.RoleMismatch, r.Error!.Subcode);
    }

    [Fact]
    public void Extended_next_hop_is_used_when_both_sides_sent_the_tuple()
    {
        var tuple = new ExtendedNextHopEntry(AddressFamily.Ipv4Unicast, Afi.Ipv6);
        var cfg = Local(c => c with { ExtendedNextHop = [tuple] });
        var with = Sessions.PeerOpen(65002, 0x02020202, 90, new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(65002),
            new ExtendedNextHopCapability([tuple]));
        var r = Negotiate(cfg, with);
        Assert.True(r.Session!.DecodeContext.AllowsExtendedNextHop(AddressFamily.Ipv4Unicast));
        Assert.True(r.Session.EncodeContext.Ipv4ViaMpReach);
        var without = Negotiate(cfg, Sessions.PeerOpen(65002, 0x02020202));
        Assert.False(without.Session!.DecodeContext.AllowsExtendedNextHop(AddressFamily.Ipv4Unicast));
        Assert.False(without.Session.EncodeContext.Ipv4ViaMpReach);
    }

    [Theory]
    [InlineData(AddPathMode.Both, AddPathMode.Both, AddPathMode.Both)]
    [InlineData(AddPathMode.Receive, AddPathMode.Send, AddPathMode.Receive)]
    [InlineData(AddPathMode.Send, AddPathMode.Send, AddPathMode.None)]
    [InlineData(AddPathMode.Both, AddPathMode.Receive, AddPathMode.Send)]
    public void Add_path_direction_per_family(AddPathMode ours, AddPathMode theirs, AddPathMode expected)
    {
        var cfg = Local(c => c with { AddPath = [new AddPathEntry(AddressFamily.Ipv4Unicast, ours)] });
        var open = Sessions.PeerOpen(65002, 0x02020202, 90, new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(65002),
            new AddPathCapability([new AddPathEntry(AddressFamily.Ipv4Unicast, theirs)]));
        var s = Negotiate(cfg, open).Session!;
        AddPathMode got = s.AddPath.FirstOrDefault(a => a.Family == AddressFamily.Ipv4Unicast).Mode;
        Assert.Equal(expected, got);
        Assert.Equal(expected.HasFlag(AddPathMode.Receive), s.DecodeContext.ReceivesPathId(AddressFamily.Ipv4Unicast));
        Assert.Equal(expected.HasFlag(AddPathMode.Send), s.EncodeContext.SendsPathId(AddressFamily.Ipv4Unicast));
    }

    [Fact]
    public void Graceful_restart_and_llgr_of_the_peer_are_kept()
    {
        var gr = new GracefulRestartCapability(true, true, 120, [new GracefulRestartFamily(AddressFamily.Ipv4Unicast, true)]);
        var llgr = new LongLivedGracefulRestartCapability([new LlgrFamily(AddressFamily.Ipv4Unicast, true, 3600)]);
        var s = Negotiate(Local(), Sessions.PeerOpen(65002, 0x02020202, 90, new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(65002), gr, llgr)).Session!;
        Assert.Equal(gr, s.PeerGracefulRestart);
        Assert.Equal(llgr, s.PeerLongLivedGracefulRestart);
    }
}
