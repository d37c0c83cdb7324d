using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>One table per decision step (FRR's order): a pair that differs only in that step.</summary>
public class DecisionTests
{
    private static readonly BestPathOptions O = BestPathOptions.Default;

    private static PathView Ebgp(PathAttributes a, uint peerAs = 65001, string peer = "192.0.2.1", int weight = 0, bool current = false, uint metric = 0) =>
        new(a, weight, PeerKind.External, peerAs, T.Id(peer), (UInt128)T.Id(peer), metric, current);

    private static PathView Ibgp(PathAttributes a, string peer = "10.0.0.2", uint metric = 0) =>
        new(a, 0, PeerKind.Internal, T.LocalAs, T.Id(peer), (UInt128)T.Id(peer), metric);

    private static PathAttributes A(params uint[] path) => T.Attrs("192.0.2.1", path);

    private static void Check(PathView better, PathView worse, BestPathReason reason, BestPathOptions? o = null)
    {
        var c = PathComparer.Compare(better, worse, o ?? O);
        Assert.True(c.Result < 0, $"expected first to win by {reason}, got {c}");
        Assert.Equal(reason, c.Reason);
        var r = PathComparer.Compare(worse, better, o ?? O);
        Assert.True(r.Result > 0, $"expected second to win by {reason}, got {r}");
        Assert.Equal(reason, r.Reason);
    }

    [Fact]
    public void Weight_higher_wins() => Check(Ebgp(A(65001), weight: 100), Ebgp(A(65001), weight: 0), BestPathReason.Weight);

    [Fact]
    public void LocalPref_higher_wins_and_missing_counts_as_default() =>
        Check(Ibgp(A(65001) with { LocalPref = 200 }), Ibgp(A(65001)), BestPathReason.LocalPref);

    [Fact]
    public void Default_local_pref_option_is_used_for_missing()
    {
        var o = O with { DefaultLocalPref = 300 };
        Check(Ibgp(A(65001)), Ibgp(A(65001) with { LocalPref = 200 }), BestPathReason.LocalPref, o);
    }

    [Fact]
    public void Locally_originated_wins() =>
        Check(new PathView(A(), 0, PeerKind.Local, 0, 0, 0), Ebgp(A()), BestPathReason.LocalRoute);

    [Fact]
    public void Shorter_as_path_wins() => Check(Ebgp(A(65001)), Ebgp(A(65001, 65002)), BestPathReason.AsPath);

    [Fact]
    public void As_set_counts_one_and_confed_segments_zero()
    {
        var set = A() with { AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsSequence, 65001), new AsPathSegment(AsPathSegmentType.AsSet, 1, 2, 3, 4)]) };
        var confed = A() with { AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsConfedSequence, 64512, 64513, 64514), new AsPathSegment(AsPathSegmentType.AsSequence, 65001, 65002, 65003)]) };
        Assert.Equal(2, set.AsPath.Length);
        Assert.Equal(3, confed.AsPath.Length);
        Check(Ebgp(set), Ebgp(confed), BestPathReason.AsPath);
    }

    [Fact]
    public void As_path_ignore_skips_the_step()
    {
        var o = O with { AsPathIgnore = true };
        var c = PathComparer.Compare(Ebgp(A(65001, 65002, 65003) with { Origin = Origin.Igp }), Ebgp(A(65001) with { Origin = Origin.Incomplete }), o);
        Assert.Equal(BestPathReason.Origin, c.Reason);
        Assert.True(c.FirstWins);
    }

    [Fact]
    public void Lower_origin_wins() =>
        Check(Ebgp(A(65001)), Ebgp(A(65001) with { Origin = Origin.Incomplete }), BestPathReason.Origin);

    [Fact]
    public void Lower_med_wins_from_same_neighbor_as() =>
        Check(Ebgp(A(65001, 1) with { Med = 10 }, peer: "192.0.2.9"), Ebgp(A(65001, 2) with { Med = 20 }), BestPathReason.Med);

    [Fact]
    public void Med_is_not_compared_across_neighbor_ases()
    {
        // 65002's MED 10 is not better than 65001's MED 20: different neighbouring AS, so MED is skipped
        // and the decision falls through to the router id.
        var a = Ebgp(A(65001) with { Med = 20 }, peerAs: 65001, peer: "192.0.2.1");
        var b = Ebgp(A(65002) with { Med = 10 }, peerAs: 65002, peer: "192.0.2.2");
        var c = PathComparer.Compare(a, b, O);
        Assert.Equal(BestPathReason.RouterId, c.Reason);
        Assert.True(c.FirstWins);
    }

    [Fact]
    public void Always_compare_med_compares_across_ases() =>
        Check(Ebgp(A(65002) with { Med = 10 }, 65002, "192.0.2.2"), Ebgp(A(65001) with { Med = 20 }), BestPathReason.Med, O with { AlwaysCompareMed = true });

    [Fact]
    public void Missing_med_is_zero_by_default_and_worst_with_missing_as_worst()
    {
        Check(Ebgp(A(65001, 1), peer: "192.0.2.9"), Ebgp(A(65001, 2) with { Med = 5 }), BestPathReason.Med);
        Check(Ebgp(A(65001, 2) with { Med = 5 }, peer: "192.0.2.9"), Ebgp(A(65001, 1)), BestPathReason.Med, O with { MedMissingAsWorst = true });
    }

    [Fact]
    public void Ebgp_wins_over_ibgp() => Check(Ebgp(A(65001), peer: "192.0.2.9"), Ibgp(A(65001)), BestPathReason.PeerType);

    [Fact]
    public void Lower_igp_metric_wins() => Check(Ibgp(A(65001), "10.0.0.9", metric: 10), Ibgp(A(65001), metric: 20), BestPathReason.IgpMetric);

    [Fact]
    public void Both_ebgp_keep_the_current_best_unless_compare_routerid()
    {
        var older = Ebgp(A(65001), peer: "192.0.2.9", current: true);
        var newer = Ebgp(A(65001), peer: "192.0.2.1");
        Check(older, newer, BestPathReason.OlderPath);
        Check(newer, older, BestPathReason.RouterId, O with { CompareRouterId = true });
    }

    [Fact]
    public void Lower_router_id_wins_and_originator_id_stands_in_for_it()
    {
        Check(Ibgp(A(65001), "10.0.0.2"), Ibgp(A(65001), "10.0.0.3"), BestPathReason.RouterId);
        // Reflected: ORIGINATOR_ID 10.0.0.1 beats the reflector's lower-looking peer id.
        Check(Ibgp(A(65001) with { OriginatorId = T.Id("10.0.0.1") }, "10.0.0.9"), Ibgp(A(65001), "10.0.0.5"), BestPathReason.RouterId);
    }

    [Fact]
    public void Shorter_cluster_list_wins()
    {
        var oid = T.Id("10.9.9.9");
        Check(Ibgp(A(65001) with { OriginatorId = oid, ClusterList = [1] }, "10.0.0.3"),
              Ibgp(A(65001) with { OriginatorId = oid, ClusterList = [1, 2] }, "10.0.0.2"), BestPathReason.ClusterLength);
    }

    [Fact]
    public void Lower_neighbor_address_wins_last()
    {
        var a = new PathView(A(65001), 0, PeerKind.Internal, T.LocalAs, 7, (UInt128)T.Id("10.0.0.2"));
        var b = new PathView(A(65001), 0, PeerKind.Internal, T.LocalAs, 7, (UInt128)T.Id("10.0.0.3"));
        Check(a, b, BestPathReason.NeighborIp);
    }

    [Fact]
    public void Fresh_path_wins_over_stale()
    {
        var a = new PathView(A(65001), 0, PeerKind.Internal, T.LocalAs, 7, 9);
        Check(a, a with { Stale = true, PeerAddress = 1 }, BestPathReason.Stale);
    }

    [Fact]
    public void Reason_strings_are_frr_wording()
    {
        Assert.Equal("Local Pref", BestPathReasons.Text(BestPathReason.LocalPref));
        Assert.Equal("AS Path", BestPathReasons.Text(BestPathReason.AsPath));
        Assert.Equal("Older Path", BestPathReasons.Text(BestPathReason.OlderPath));
        Assert.Equal("Neighbor IP", BestPathReasons.Text(BestPathReason.NeighborIp));
        Assert.Equal("Cluster length", BestPathReasons.Text(BestPathReason.ClusterLength));
    }

    [Fact]
    public void Multipath_equal_needs_same_neighbor_as_for_ebgp_unless_relaxed()
    {
        var a = Ebgp(A(65001, 100), 65001, "192.0.2.1");
        var b = Ebgp(A(65001, 100), 65001, "192.0.2.2");
        var c = Ebgp(A(65002, 100), 65002, "192.0.2.3");
        Assert.True(PathComparer.Compare(a, b, O).MultipathEqual);
        Assert.False(PathComparer.Compare(a, c, O).MultipathEqual);
        Assert.True(PathComparer.Compare(a, c, O with { AsPathMultipathRelax = true }).MultipathEqual);
        // A longer path is never multipath.
        Assert.False(PathComparer.Compare(a, Ebgp(A(65001, 7, 100), 65001, "192.0.2.4"), O).MultipathEqual);
    }

    [Fact]
    public void Multipath_equal_needs_identical_as_path_for_ibgp()
    {
        Assert.True(PathComparer.Compare(Ibgp(A(65001), "10.0.0.2"), Ibgp(A(65001), "10.0.0.3"), O).MultipathEqual);
        Assert.False(PathComparer.Compare(Ibgp(A(65001), "10.0.0.2"), Ibgp(A(65002), "10.0.0.3"), O).MultipathEqual);
    }
}
