using System.Collections.Immutable;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>Import, export and advertisement rules of one RibActor, driven synchronously.</summary>
public class RibActorTests
{
    private static readonly AddressFamily V4 = AddressFamily.Ipv4Unicast;

    [Fact]
    public void Rfc8212_ebgp_without_policy_exchanges_nothing_and_counts_it()
    {
        var rib = T.Actor();
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        var p1 = T.Peer(1, "192.0.2.1", 65001, s1) with { ImportPolicy = null, ExportPolicy = null };
        var p2 = T.Peer(2, "192.0.2.2", 65002, s2);
        rib.Execute(new RibCommand.PeerUp(p1), new RibCommand.PeerUp(p2));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        rib.Execute(T.Announce(2, T.Attrs("192.0.2.2", 65002), "198.51.100.0/24"));

        Assert.Null(rib.Route("203.0.113.0/24")?.BestPath);
        var n1 = rib.Read(a => a.SnapshotNeighbor(1))!;
        Assert.Equal(1, n1.DeniedByRfc8212);
        Assert.True(n1.Rfc8212InboundBlocked);
        Assert.True(n1.Rfc8212OutboundBlocked);
        Assert.Equal(0, n1.PrefixesAccepted);
        Assert.Equal(1, n1.PrefixesReceived);
        // Peer 1 gets only its End-of-RIB, not 198.51.100.0/24.
        var got = T.Summarize(s1.Drain());
        Assert.Empty(got.Announced);
        Assert.Equal(1, got.EndOfRibs);

        // no bgp ebgp-requires-policy: both directions work.
        rib.Execute(new RibCommand.OptionsChanged(T.Options() with { EbgpRequiresPolicy = false }));
        Assert.NotNull(rib.Route("203.0.113.0/24")?.BestPath);
        Assert.Contains(P("198.51.100.0/24"), T.Summarize(s1.Drain()).Announced.Keys);
    }

    private static Prefix P(string s) => Prefix.Parse(s);

    [Fact]
    public void Ebgp_route_to_ebgp_prepends_own_as_sets_self_and_drops_med_and_local_pref()
    {
        var rib = T.Actor();
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s1)), new RibCommand.PeerUp(T.Peer(2, "198.51.100.2", 65002, s2, local: "198.51.100.1")));
        s2.Drain();
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001, 65010) with { Med = 50, Communities = [Community.Create(65001, 7)] }, "203.0.113.0/24"));
        var got = T.Summarize(s2.Drain());
        var a = got.Announced[P("203.0.113.0/24")];
        Assert.Equal("65000 65001 65010", a.AsPath.ToString());
        Assert.Equal(NextHop.Parse("198.51.100.1"), a.NextHop);
        Assert.Null(a.Med);
        Assert.Null(a.LocalPref);
        Assert.Equal([Community.Create(65001, 7)], a.Communities.ToArray());
    }

    [Fact]
    public void Ebgp_route_to_ibgp_keeps_next_hop_and_path_and_adds_local_pref_unless_next_hop_self()
    {
        var rib = T.Actor();
        var e = new RecordingSender();
        var i = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, e)), new RibCommand.PeerUp(T.Peer(2, "10.0.0.2", T.LocalAs, i)));
        i.Drain();
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with { Med = 5 }, "203.0.113.0/24"));
        var a = T.Summarize(i.Drain()).Announced[P("203.0.113.0/24")];
        Assert.Equal("65001", a.AsPath.ToString());
        Assert.Equal(NextHop.Parse("192.0.2.1"), a.NextHop);
        Assert.Equal(100u, a.LocalPref);
        Assert.Equal(5u, a.Med);

        rib.Execute(new RibCommand.PeerChanged(T.Peer(2, "10.0.0.2", T.LocalAs, i) with { NextHopSelf = NextHopSelf.On }));
        a = T.Summarize(i.Drain()).Announced[P("203.0.113.0/24")];
        Assert.Equal(NextHop.Parse("10.0.0.1"), a.NextHop);
    }

    [Fact]
    public void Ibgp_learned_routes_are_not_sent_to_ibgp_peers_without_reflection()
    {
        var rib = T.Actor();
        var i1 = new RecordingSender();
        var i2 = new RecordingSender();
        var e = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "10.0.0.2", T.LocalAs, i1)), new RibCommand.PeerUp(T.Peer(2, "10.0.0.3", T.LocalAs, i2)),
            new RibCommand.PeerUp(T.Peer(3, "192.0.2.3", 65003, e)));
        i2.Drain();
        e.Drain();
        rib.Execute(T.Announce(1, T.Attrs("10.0.0.2", 65001) with { LocalPref = 100 }, "203.0.113.0/24"));
        Assert.Empty(T.Summarize(i2.Drain()).Announced);
        Assert.Single(T.Summarize(e.Drain()).Announced);
    }

    [Fact]
    public void Route_reflector_reflects_client_routes_with_originator_id_and_cluster_list()
    {
        var rib = T.Actor(T.Options() with { ClusterId = T.Id("10.255.0.1") });
        var c1 = new RecordingSender();
        var c2 = new RecordingSender();
        var nc = new RecordingSender();
        rib.Execute(
            new RibCommand.PeerUp(T.Peer(1, "10.0.0.2", T.LocalAs, c1) with { RouteReflectorClient = true }),
            new RibCommand.PeerUp(T.Peer(2, "10.0.0.3", T.LocalAs, c2) with { RouteReflectorClient = true }),
            new RibCommand.PeerUp(T.Peer(3, "10.0.0.4", T.LocalAs, nc)));
        c2.Drain();
        nc.Drain();
        rib.Execute(T.Announce(1, T.Attrs("10.0.0.2", 65001) with { LocalPref = 120 }, "203.0.113.0/24"));
        foreach (var s in new[] { c2, nc })
        {
            var a = T.Summarize(s.Drain()).Announced[P("203.0.113.0/24")];
            Assert.Equal(T.Id("10.0.0.2"), a.OriginatorId);
            Assert.Equal([T.Id("10.255.0.1")], a.ClusterList.ToArray());
            Assert.Equal(NextHop.Parse("10.0.0.2"), a.NextHop);
            Assert.Equal(120u, a.LocalPref);
        }
        // A non-client's route goes to clients only.
        rib.Execute(T.Announce(3, T.Attrs("10.0.0.4", 65004) with { LocalPref = 100 }, "198.51.100.0/24"));
        Assert.Contains(P("198.51.100.0/24"), T.Summarize(c1.Drain()).Announced.Keys);
        Assert.Empty(T.Summarize(nc.Drain()).Announced);
    }

    [Fact]
    public void Reflection_loops_are_rejected_by_originator_id_and_cluster_list()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "10.0.0.2", T.LocalAs, s)));
        rib.Execute(T.Announce(1, T.Attrs("10.0.0.2") with { OriginatorId = T.RouterId }, "203.0.113.0/24"));
        rib.Execute(T.Announce(1, T.Attrs("10.0.0.2") with { OriginatorId = 5, ClusterList = [7, T.RouterId] }, "198.51.100.0/24"));
        Assert.Null(rib.Route("203.0.113.0/24")?.BestPath);
        Assert.Null(rib.Route("198.51.100.0/24")?.BestPath);
        Assert.Equal(2, rib.Read(a => a.SnapshotNeighbor(1))!.DeniedByLoop);
        var received = rib.Read(a => a.SnapshotReceived(1, V4));
        Assert.Equal(["originator-id", "cluster-list"], received.Routes.OrderByDescending(r => r.Prefix).Select(r => r.Paths[0].Rejected));
    }

    [Fact]
    public void Own_as_in_path_is_a_loop_unless_allowas_in()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001, T.LocalAs, 65010), "203.0.113.0/24"));
        Assert.Null(rib.Route("203.0.113.0/24")?.BestPath);

        rib.Execute(new RibCommand.PeerChanged(T.Peer(1, "192.0.2.1", 65001, s) with { AllowAsIn = AllowAsIn.Times(1) }));
        Assert.NotNull(rib.Route("203.0.113.0/24")?.BestPath);

        // Twice is more than allowas-in 1.
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001, T.LocalAs, T.LocalAs), "198.51.100.0/24"));
        Assert.Null(rib.Route("198.51.100.0/24")?.BestPath);

        // allowas-in origin: only when we are the origin AS.
        rib.Execute(new RibCommand.PeerChanged(T.Peer(1, "192.0.2.1", 65001, s) with { AllowAsIn = AllowAsIn.OriginOnly }));
        Assert.Null(rib.Route("203.0.113.0/24")?.BestPath);
        Assert.NotNull(rib.Route("198.51.100.0/24")?.BestPath);
    }

    [Fact]
    public void Ecmp_installs_all_equal_next_hops_and_removes_exactly_the_failed_one()
    {
        var fib = new RecordingFib();
        var rib = T.Actor(T.Options() with { MaxPaths = ImmutableDictionary<AddressFamily, MaxPaths>.Empty.Add(V4, new MaxPaths(4, 4)) }, fib);
        for (int i = 1; i <= 3; i++)
            rib.Execute(new RibCommand.PeerUp(T.Peer(i, $"192.0.2.{i}", 65001, new RecordingSender(), routerId: $"1.1.1.{i}")));
        for (int i = 1; i <= 3; i++)
            rib.Execute(T.Announce(i, T.Attrs($"192.0.2.{i}", 65001), "203.0.113.10/32"));
        var r = fib.Current[P("203.0.113.10/32")];
        Assert.Equal(3, r.NextHops.Length);
        var snap = rib.Route("203.0.113.10/32")!;
        Assert.Equal(3, snap.Paths.Count(p => p.Multipath));
        Assert.Single(snap.Paths, p => p.Best);

        rib.Execute(new RibCommand.PeerDown(2));
        r = fib.Current[P("203.0.113.10/32")];
        Assert.Equal([NextHop.Parse("192.0.2.1"), NextHop.Parse("192.0.2.3")], r.NextHops.Select(n => n.NextHop).Order(Comparer<NextHop>.Create((a, b) => a.V4.CompareTo(b.V4))));
    }

    [Fact]
    public void Withdraw_is_sent_when_the_path_disappears_and_end_of_rib_follows_the_initial_table()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        rib.Execute(new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        var first = dst.Drain();
        Assert.True(first[^1].EndOfRib, "End-of-RIB comes after the initial table");
        Assert.Equal(2, T.Summarize(first).Announced.Count);

        rib.Execute(T.Withdraw(1, "203.0.113.0/24"));
        var got = T.Summarize(dst.Drain());
        Assert.Contains(P("203.0.113.0/24"), got.Withdrawn);
    }

    [Fact]
    public void Peers_with_the_same_outbound_shape_share_one_encoding()
    {
        var rib = T.Actor();
        var a = new RecordingSender();
        var b = new RecordingSender();
        var src = new RecordingSender();
        // Same export policy instance, same local address → same update group.
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, a)), new RibCommand.PeerUp(T.Peer(3, "192.0.2.3", 65003, b)));
        a.Raw.Clear();
        b.Raw.Clear();
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        Assert.Single(a.Raw);
        Assert.True(a.Raw[0].Equals(b.Raw[0]), "both members get the very same buffer");
        var n2 = rib.Read(x => x.SnapshotNeighbor(2))!;
        var n3 = rib.Read(x => x.SnapshotNeighbor(3))!;
        Assert.Equal(n2.UpdateGroups[V4], n3.UpdateGroups[V4]);
    }

    [Fact]
    public void Import_policy_can_deny_and_modify_and_clear_soft_in_reapplies_it()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        var deny198 = new DelegatePolicy("IN", (p, a, c) => p.ToString().StartsWith("198.", StringComparison.Ordinal)
            ? PolicyResult.Deny(a) : new PolicyResult(true, a with { LocalPref = 300 }, 10));
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s) with { ImportPolicy = deny198 }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        var best = rib.Route("203.0.113.0/24")!.BestPath!;
        Assert.Equal(300u, best.Attributes.LocalPref);
        Assert.Equal(10, best.Weight);
        Assert.Null(rib.Route("198.51.100.0/24")?.BestPath);
        Assert.Equal(1, rib.Read(a => a.SnapshotNeighbor(1))!.DeniedByPolicy);

        // New policy: permit all. The kept pre-policy route comes back without a new UPDATE.
        rib.Execute(new RibCommand.PeerChanged(T.Peer(1, "192.0.2.1", 65001, s)));
        Assert.NotNull(rib.Route("198.51.100.0/24")?.BestPath);
        Assert.Null(rib.Route("203.0.113.0/24")!.BestPath!.Attributes.LocalPref);
        rib.Execute(new RibCommand.ClearSoft(1, true, false));
        Assert.Equal(2, rib.Read(a => a.SnapshotNeighbor(1))!.PrefixesAccepted);
    }

    [Fact]
    public void Export_policy_filters_and_the_withdraw_follows_a_policy_change()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(dst.Drain()).Announced.Keys);
        var denyAll = new DelegatePolicy("OUT", (_, a, _) => PolicyResult.Deny(a));
        rib.Execute(new RibCommand.PeerChanged(T.Peer(2, "192.0.2.2", 65002, dst) with { ExportPolicy = denyAll }));
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(dst.Drain()).Withdrawn);
    }

    [Fact]
    public void Graceful_shutdown_community_lowers_local_pref_on_receipt_and_is_added_when_configured()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "10.0.0.2", T.LocalAs, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with { Communities = [Community.GracefulShutdown] }, "203.0.113.0/24"));
        Assert.Equal(0u, rib.Route("203.0.113.0/24")!.BestPath!.Attributes.LocalPref);

        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "198.51.100.0/24"));
        rib.Execute(new RibCommand.OptionsChanged(T.Options() with { GracefulShutdown = true }));
        var a = T.Summarize(dst.Drain()).Announced[P("198.51.100.0/24")];
        Assert.True(a.HasCommunity(Community.GracefulShutdown));
        Assert.Equal(0u, a.LocalPref);
    }

    [Fact]
    public void Locally_originated_routes_have_weight_32768_are_sent_with_self_and_stay_out_of_the_fib()
    {
        var fib = new RecordingFib();
        var rib = T.Actor(fib: fib);
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(P("203.0.113.0/24"))),
            new RibCommand.AddLocalRoute(LocalRoute.Redistributed(P("198.51.100.1/32"), LocalRouteSource.Connected)));
        var best = rib.Route("203.0.113.0/24")!.BestPath!;
        Assert.Equal(32768, best.Weight);
        Assert.Equal(PeerKind.Local, best.Kind);
        Assert.Empty(fib.Changes);
        var got = T.Summarize(dst.Drain()).Announced;
        Assert.Equal(Origin.Igp, got[P("203.0.113.0/24")].Origin);
        Assert.Equal(Origin.Incomplete, got[P("198.51.100.1/32")].Origin);
        Assert.Equal(NextHop.Parse("10.0.0.1"), got[P("198.51.100.1/32")].NextHop);
        Assert.Equal("65000", got[P("198.51.100.1/32")].AsPath.ToString());

        rib.Execute(new RibCommand.RemoveLocalRoute(P("198.51.100.1/32"), LocalRouteSource.Connected));
        Assert.Contains(P("198.51.100.1/32"), T.Summarize(dst.Drain()).Withdrawn);
    }

    [Fact]
    public void Send_community_none_strips_communities()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst) with { SendCommunity = SendCommunity.Large }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with { Communities = [Community.Create(1, 1)], LargeCommunities = [new LargeCommunity(1, 2, 3)] }, "203.0.113.0/24"));
        var a = T.Summarize(dst.Drain()).Announced[P("203.0.113.0/24")];
        Assert.Empty(a.Communities);
        Assert.Equal([new LargeCommunity(1, 2, 3)], a.LargeCommunities.ToArray());
    }

    [Fact]
    public void No_export_community_is_not_sent_to_ebgp()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var e = new RecordingSender();
        var i = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, e)),
            new RibCommand.PeerUp(T.Peer(3, "10.0.0.3", T.LocalAs, i)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with { Communities = [Community.NoExport] }, "203.0.113.0/24"));
        Assert.Empty(T.Summarize(e.Drain()).Announced);
        Assert.Single(T.Summarize(i.Drain()).Announced);
    }

    [Fact]
    public void Aggregate_summary_only_announces_the_aggregate_and_suppresses_more_specifics()
    {
        var rib = T.Actor(T.Options() with { Aggregates = [new AggregateAddress(P("203.0.113.0/24"), SummaryOnly: true, AsSet: true)] });
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001, 65010), "203.0.113.0/25", "203.0.113.128/25"));
        var got = T.Summarize(dst.Drain());
        Assert.Equal([P("203.0.113.0/24")], got.Announced.Keys);
        Assert.Equal("65000 {65001,65010}", got.Announced[P("203.0.113.0/24")].AsPath.ToString());
        rib.Execute(T.Withdraw(1, "203.0.113.0/25", "203.0.113.128/25"));
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(dst.Drain()).Withdrawn);
    }

    [Fact]
    public void Default_originate_sends_a_default_route()
    {
        var rib = T.Actor();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst) with { DefaultOriginate = [V4] }));
        var a = T.Summarize(dst.Drain()).Announced[P("0.0.0.0/0")];
        Assert.Equal("65000", a.AsPath.ToString());
        Assert.Equal(NextHop.Parse("10.0.0.1"), a.NextHop);
    }

    [Fact]
    public void Enhanced_route_refresh_is_answered_from_adj_rib_out_between_borr_and_eorr()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst) with { EnhancedRouteRefresh = true }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        dst.Drain();
        rib.Execute(new RibCommand.RouteRefresh(2, V4));
        var got = dst.Drain();
        Assert.Equal(RouteRefreshSubtype.BeginningOfRouteRefresh, got[0].Refresh);
        Assert.Equal([P("203.0.113.0/24")], got[1].Announced.ToArray());
        Assert.Equal(RouteRefreshSubtype.EndOfRouteRefresh, got[^1].Refresh);
    }

    [Fact]
    public void Graceful_restart_keeps_stale_routes_until_end_of_rib()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        var p = T.Peer(1, "192.0.2.1", 65001, s) with { GracefulRestart = T.Gr(forwarding: true) };
        rib.Execute(new RibCommand.PeerUp(p));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        rib.Execute(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.True(rib.Route("203.0.113.0/24")!.BestPath!.Stale);
        rib.Execute(new RibCommand.PeerUp(p));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        Assert.False(rib.Route("203.0.113.0/24")!.BestPath!.Stale);
        Assert.True(rib.Route("198.51.100.0/24")!.BestPath!.Stale);
        rib.Execute(new RibCommand.EndOfRib(1, V4));
        Assert.Null(rib.Route("198.51.100.0/24"));
    }

    [Fact]
    public void Maximum_prefix_closes_the_session_unless_warning_only()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s) with { MaximumPrefix = new MaximumPrefix(1) }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        Assert.Equal(CeaseSubcode.MaximumPrefixesReached, Assert.Single(s.Closed).Subcode);
    }

    [Fact]
    public void Attribute_sets_are_interned_and_freed()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "198.51.100.0/24"));
        var a = rib.Route("203.0.113.0/24")!.BestPath!.Attributes;
        var b = rib.Route("198.51.100.0/24")!.BestPath!.Attributes;
        Assert.Same(a, b);
        rib.Execute(new RibCommand.PeerDown(1));
        Assert.Equal(0, rib.Read(x => x.SnapshotStatistics()).AttributeSets);
    }

    [Fact]
    public void A_shared_group_sends_a_clients_route_back_and_the_client_drops_it_by_originator_id()
    {
        // Two clients with the same outbound shape (same local address on the reflector) share a group.
        var rr = T.Actor();
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        rr.Execute(new RibCommand.PeerUp(T.Peer(1, "10.0.0.2", T.LocalAs, s1) with { RouteReflectorClient = true }),
            new RibCommand.PeerUp(T.Peer(2, "10.0.0.3", T.LocalAs, s2) with { RouteReflectorClient = true }));
        s1.Drain();
        rr.Execute(T.Announce(1, T.Attrs("10.0.0.2") with { LocalPref = 100 }, "203.0.113.0/24"));
        var back = T.Summarize(s1.Drain()).Announced[P("203.0.113.0/24")];
        Assert.Equal(T.Id("10.0.0.2"), back.OriginatorId);

        // The client (router id 10.0.0.2) sees its own ORIGINATOR_ID and rejects the route.
        var client = T.Actor(T.Options(routerId: T.Id("10.0.0.2")));
        client.Execute(new RibCommand.PeerUp(T.Peer(1, "10.0.0.1", T.LocalAs, new RecordingSender())));
        client.Execute(T.Announce(1, back, "203.0.113.0/24"));
        Assert.Equal(1, client.Read(a => a.SnapshotNeighbor(1))!.DeniedByLoop);
        Assert.Null(client.Route("203.0.113.0/24")?.BestPath);
    }

    [Fact]
    public void A_single_member_group_does_not_get_its_own_routes_back_until_a_second_member_joins()
    {
        var rib = T.Actor();
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s1)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        Assert.Empty(T.Summarize(s1.Drain()).Announced);
        rib.Execute(new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, s2)));
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(s1.Drain()).Announced.Keys);
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(s2.Drain()).Announced.Keys);
        rib.Execute(new RibCommand.PeerDown(2));
        Assert.Contains(P("203.0.113.0/24"), T.Summarize(s1.Drain()).Withdrawn);
    }

    [Fact]
    public async Task The_actor_loop_processes_posted_commands_and_answers_queries()
    {
        var rib = T.Actor();
        rib.Start();
        var s = new RecordingSender();
        await rib.PostAsync(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s)));
        await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        var table = await rib.GetTableAsync(V4);
        Assert.Equal([P("203.0.113.0/24")], table.Routes.Select(r => r.Prefix));
        var neighbors = await rib.GetNeighborsAsync();
        Assert.Equal(1, neighbors[0].PrefixesAccepted);
        await rib.StopAsync();
    }
}
