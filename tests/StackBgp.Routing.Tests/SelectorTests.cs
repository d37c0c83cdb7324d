using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>Selection over whole path lists: MED non-transitivity, deterministic-med, ECMP limits.</summary>
public class SelectorTests
{
    private static PathView E(uint neighborAs, uint med, string peer) =>
        new(T.Attrs(peer, neighborAs, 9) with { Med = med }, 0, PeerKind.External, neighborAs, T.Id(peer), (UInt128)T.Id(peer));

    private static Selection Run(PathView[] paths, BestPathOptions o, MaxPaths? max = null) =>
        BestPathSelector.Select(paths, o, max ?? MaxPaths.Single, new bool[paths.Length]);

    // The classic RFC 4271 §9.1.2.2 c / RFC 3345 case: MED is only comparable within an AS, so the
    // outcome depends on the order the paths are compared in — unless deterministic-med groups them.
    private static readonly PathView A = E(65001, 10, "192.0.2.3");   // AS 65001, MED 10, highest router id
    private static readonly PathView B = E(65002, 5, "192.0.2.1");    // AS 65002, MED 5,  lowest router id

    [Fact]
    public void Without_deterministic_med_the_order_decides()
    {
        // MED is not transitive: A beats c2 (MED), B beats A (router id), c2 beats B (router id).
        var o = BestPathOptions.Default with { CompareRouterId = true, DeterministicMed = false };
        var c2 = E(65001, 20, "192.0.2.0");
        PathView[] order1 = [c2, B, A], order2 = [B, A, c2], order3 = [A, c2, B];
        Assert.Equal(A, order1[Run(order1, o).Best]);
        Assert.Equal(c2, order2[Run(order2, o).Best]);
        Assert.Equal(B, order3[Run(order3, o).Best]);
        Assert.Equal(BestPathReason.Med, Run(order1, o).Reason);
        Assert.Equal(BestPathReason.RouterId, Run(order2, o).Reason);
    }

    [Fact]
    public void Deterministic_med_picks_the_group_winner_first_whatever_the_order()
    {
        var o = BestPathOptions.Default with { CompareRouterId = true, DeterministicMed = true };
        var c2 = E(65001, 20, "192.0.2.0");
        // Group 65001 → A (MED 10 beats c2's 20); group 65002 → B. A vs B → router id → B.
        PathView[][] orders = [[c2, B, A], [B, A, c2], [A, c2, B], [c2, A, B]];
        foreach (var order in orders)
        {
            var s = Run(order, o);
            Assert.Equal(B, order[s.Best]);
        }
        // Without deterministic-med, order [B, A, c2] picks c2, which deterministic-med never picks.
        var nd = Run([B, A, c2], BestPathOptions.Default with { CompareRouterId = true, DeterministicMed = false });
        Assert.Equal(2, nd.Best);
    }

    [Fact]
    public void Ecmp_set_respects_maximum_paths_and_type()
    {
        var p = new[] { E(65001, 0, "192.0.2.1"), E(65001, 0, "192.0.2.2"), E(65001, 0, "192.0.2.3"), E(65001, 0, "192.0.2.4") };
        var mp = new bool[4];
        var s = BestPathSelector.Select(p, BestPathOptions.Default, new MaxPaths(3, 1), mp);
        Assert.Equal(3, s.MultipathCount);
        Assert.True(mp[s.Best]);
        Assert.Equal(3, mp.Count(x => x));
        s = BestPathSelector.Select(p, BestPathOptions.Default, new MaxPaths(1, 8), mp);
        Assert.Equal(1, s.MultipathCount);
    }

    [Fact]
    public void Single_path_reason_is_first_path() =>
        Assert.Equal(BestPathReason.FirstPath, Run([A], BestPathOptions.Default).Reason);
}
