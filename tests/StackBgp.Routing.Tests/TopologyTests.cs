using System.Collections.Immutable;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>Several speakers in memory, talking real BGP bytes through Wire.</summary>
public class TopologyTests
{
    private static readonly AddressFamily V4 = AddressFamily.Ipv4Unicast;

    [Fact]
    public void Route_reflector_spreads_client_routes_and_the_originator_drops_its_own()
    {
        var t = new Topology();
        var rr = t.Add("rr", 65000);
        var c1 = t.Add("c1", 65000);
        var c2 = t.Add("c2", 65000);
        var nc = t.Add("nc", 65000);
        t.Connect(rr, c1, onA: d => d with { RouteReflectorClient = true });
        t.Connect(rr, c2, onA: d => d with { RouteReflectorClient = true });
        t.Connect(rr, nc);
        c1.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.168.1.0/24"))));
        t.Pump();

        foreach (var n in new[] { c2, nc })
        {
            var best = n.Route("192.168.1.0/24")!.BestPath!;
            Assert.Equal(c1.RouterId, best.Attributes.OriginatorId);
            Assert.Equal([rr.RouterId], best.Attributes.ClusterList.ToArray());
            Assert.Equal(PeerKind.Internal, best.Kind);
        }
        // c1 is alone in its update group on the reflector, so its own route is not sent back to it.
        var own = c1.Route("192.168.1.0/24")!;
        Assert.Single(own.Paths);
        Assert.Equal(PeerKind.Local, own.Paths[0].Kind);

        // The non-client's route reaches the clients but not back to other non-clients.
        nc.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.168.2.0/24"))));
        t.Pump();
        Assert.NotNull(c1.Route("192.168.2.0/24")?.BestPath);
        Assert.NotNull(c2.Route("192.168.2.0/24")?.BestPath);

        // Withdrawal propagates.
        c1.Rib.Execute(new RibCommand.RemoveLocalRoute(T.P("192.168.1.0/24"), LocalRouteSource.Network));
        t.Pump();
        Assert.Null(c2.Route("192.168.1.0/24"));
        Assert.Null(nc.Route("192.168.1.0/24"));
    }

    [Fact]
    public void Two_reflectors_of_one_cluster_drop_each_others_reflections_by_cluster_list()
    {
        // A redundant pair: rr1 and rr2 share cluster 10.255.0.9, peer with each other as non-clients
        // and both serve the client c1; c2 is a client of rr2 only.
        var t = new Topology();
        uint cluster = T.Id("10.255.0.9");
        var rr1 = t.Add("rr1", 65000, o => o with { ClusterId = cluster });
        var rr2 = t.Add("rr2", 65000, o => o with { ClusterId = cluster });
        var c1 = t.Add("c1", 65000);
        var c2 = t.Add("c2", 65000);
        var rr = t.Connect(rr1, rr2);
        t.Connect(rr1, c1, onA: d => d with { RouteReflectorClient = true });
        t.Connect(rr2, c1, onA: d => d with { RouteReflectorClient = true });
        t.Connect(rr2, c2, onA: d => d with { RouteReflectorClient = true });
        c1.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.168.30.0/24"))));
        t.Pump();

        // rr1 reflected c1's route to rr2 with CLUSTER_LIST [cluster]: rr2 drops that copy as a loop
        // (RFC 4456 §8) and keeps only the one straight from c1.
        var atRr2 = rr2.Route("192.168.30.0/24")!;
        Assert.Single(atRr2.Paths);
        Assert.Empty(atRr2.BestPath!.Attributes.ClusterList);
        Assert.True(rr2.Rib.Read(x => x.SnapshotNeighbor(rr.PeerIdOnB))!.DeniedByLoop >= 1);
        Assert.Contains(rr2.Rib.Read(x => x.SnapshotReceived(rr.PeerIdOnB, V4)).Routes, r => r.Paths.Any(p => p.Rejected == "cluster-list"));

        // c2 gets it once, reflected by rr2.
        var atC2 = c2.Route("192.168.30.0/24")!.BestPath!;
        Assert.Equal([cluster], atC2.Attributes.ClusterList.ToArray());
        Assert.Equal(c1.RouterId, atC2.Attributes.OriginatorId);

        // With distinct cluster ids rr2 accepts rr1's reflection as a second path.
        rr2.Rib.Execute(new RibCommand.OptionsChanged(rr2.Rib.Options with { ClusterId = T.Id("10.255.0.10") }));
        rr2.Rib.Execute(new RibCommand.ClearSoft(rr.PeerIdOnB, In: true, Out: false));
        t.Pump();
        Assert.Equal(2, rr2.Route("192.168.30.0/24")!.Paths.Length);
    }

    [Fact]
    public void Leaf_balances_over_nodes_announcing_the_same_vip_and_drops_exactly_the_failed_one()
    {
        var t = new Topology();
        var leaf = t.Add("leaf", 65100, o => o with
        {
            MaxPaths = ImmutableDictionary<AddressFamily, MaxPaths>.Empty.Add(V4, new MaxPaths(8, 8)),
            BestPath = o.BestPath with { AsPathMultipathRelax = true },
        });
        var n1 = t.Add("n1", 65201);
        var n2 = t.Add("n2", 65202);
        var n3 = t.Add("n3", 65203);
        var l1 = t.Connect(leaf, n1);
        var l2 = t.Connect(leaf, n2);
        t.Connect(leaf, n3);
        foreach (var n in new[] { n1, n2, n3 })
            n.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Redistributed(T.P("172.16.0.10/32"), LocalRouteSource.Connected)));
        t.Pump();

        var fib = leaf.Fib.Current[T.P("172.16.0.10/32")];
        Assert.Equal(3, fib.NextHops.Length);
        Assert.Equal(3, leaf.Route("172.16.0.10/32")!.Paths.Count(p => p.Multipath));

        t.Fail(l2);
        fib = leaf.Fib.Current[T.P("172.16.0.10/32")];
        Assert.Equal(2, fib.NextHops.Length);
        Assert.DoesNotContain(fib.NextHops, h => h.NextHop == NextHop.FromAddress(l2.OnA.Address));
        Assert.Contains(fib.NextHops, h => h.NextHop == NextHop.FromAddress(l1.OnA.Address));

        // Without multipath-relax, different neighbour ASes are not multipath: one next hop.
        leaf.Rib.Execute(new RibCommand.OptionsChanged(leaf.Rib.Options with { BestPath = leaf.Rib.Options.BestPath with { AsPathMultipathRelax = false } }));
        Assert.Single(leaf.Fib.Current[T.P("172.16.0.10/32")].NextHops);
    }

    [Fact]
    public void Ebgp_loops_are_cut_by_as_path_and_allowas_in_lets_a_split_as_through()
    {
        var t = new Topology();
        var a = t.Add("a", 65001);
        var b = t.Add("b", 65002);
        var c = t.Add("c", 65001); // the same AS as a, on the other side of b
        t.Connect(a, b);
        var bc = t.Connect(b, c);
        a.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.168.10.0/24"))));
        t.Pump();
        Assert.NotNull(b.Route("192.168.10.0/24")?.BestPath);
        // c sees its own AS in "65002 65001": a loop.
        Assert.Null(c.Route("192.168.10.0/24")?.BestPath);
        Assert.Equal(1, c.Rib.Read(x => x.SnapshotNeighbor(bc.PeerIdOnB))!.DeniedByLoop);

        c.Rib.Execute(new RibCommand.PeerChanged(bc.OnB with { AllowAsIn = AllowAsIn.Times(1) }));
        t.Pump();
        Assert.Equal("65002 65001", c.Route("192.168.10.0/24")!.BestPath!.Attributes.AsPath.ToString());
    }

    [Fact]
    public void A_triangle_of_ebgp_speakers_converges_on_the_shortest_paths()
    {
        var t = new Topology();
        var a = t.Add("a", 65001);
        var b = t.Add("b", 65002);
        var c = t.Add("c", 65003);
        t.Connect(a, b);
        t.Connect(b, c);
        t.Connect(c, a);
        a.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.168.20.0/24"))));
        t.Pump();
        Assert.Equal("65001", b.Route("192.168.20.0/24")!.BestPath!.Attributes.AsPath.ToString());
        Assert.Equal("65001", c.Route("192.168.20.0/24")!.BestPath!.Attributes.AsPath.ToString());
        // b also holds the longer path via c as a backup.
        Assert.Equal(2, b.Route("192.168.20.0/24")!.Paths.Length);
        Assert.Equal(BestPathReason.AsPath, b.Route("192.168.20.0/24")!.Reason);
    }

    [Fact]
    public void Policies_keep_each_cloud_in_its_lane()
    {
        var t = new Topology();
        var cloudA = t.Add("cloud-a", 64512, o => o with { EbgpRequiresPolicy = true });
        var cloudB = t.Add("cloud-b", 64513, o => o with { EbgpRequiresPolicy = true });
        // cloud-a exports only 10.10/16 more-specifics; cloud-b accepts and raises local-pref.
        var onlyTenant = new DelegatePolicy("TENANT-OUT", (p, a, c) =>
            Prefix.Parse("10.10.0.0/16").Contains(p) ? new PolicyResult(true, a, c.Weight) : PolicyResult.Deny(a));
        var setLp = new DelegatePolicy("FROM-A", (p, a, c) => new PolicyResult(true, a with { LocalPref = 250 }, c.Weight));
        t.Connect(cloudA, cloudB,
            onA: d => d with { ExportPolicy = onlyTenant, ImportPolicy = DelegatePolicy.PermitAll },
            onB: d => d with { ImportPolicy = setLp }); // no export policy on b: RFC 8212 sends nothing back
        cloudA.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("10.10.1.0/24"))),
            new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("10.99.0.0/24"))));
        cloudB.Rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("10.20.0.0/24"))));
        t.Pump();
        Assert.Equal(250u, cloudB.Route("10.10.1.0/24")!.BestPath!.Attributes.LocalPref);
        Assert.Null(cloudB.Route("10.99.0.0/24"));
        Assert.Null(cloudA.Route("10.20.0.0/24"));
        Assert.True(cloudB.Rib.Read(x => x.SnapshotNeighbor(1))!.Rfc8212OutboundBlocked);
    }
}
