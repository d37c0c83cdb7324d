using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>RFC 9234 role pairs and OTC ingress/egress (local role as configured for the session).</summary>
public class RoleTests
{
    private static readonly PathAttributes NoOtc = new();

    [Theory]
    [InlineData(BgpRole.Provider, BgpRole.Customer, true)]
    [InlineData(BgpRole.Customer, BgpRole.Provider, true)]
    [InlineData(BgpRole.RouteServer, BgpRole.RouteServerClient, true)]
    [InlineData(BgpRole.RouteServerClient, BgpRole.RouteServer, true)]
    [InlineData(BgpRole.Peer, BgpRole.Peer, true)]
    [InlineData(BgpRole.Provider, BgpRole.Provider, false)]
    [InlineData(BgpRole.Customer, BgpRole.Peer, false)]
    [InlineData(BgpRole.RouteServer, BgpRole.RouteServer, false)]
    public void Role_pairs(BgpRole local, BgpRole remote, bool ok) => Assert.Equal(ok, BgpRoles.AreCompatible(local, remote));

    [Theory]
    // local role, OTC on the route (0 = none), peer AS, expected leak, expected OTC after
    [InlineData(BgpRole.Provider, 65010u, 65002u, true, 65010u)]       // from a customer with OTC: leak
    [InlineData(BgpRole.Provider, 0u, 65002u, false, 0u)]              // from a customer without OTC: unchanged
    [InlineData(BgpRole.RouteServer, 65010u, 65002u, true, 65010u)]    // from an RS client with OTC: leak
    [InlineData(BgpRole.Peer, 65002u, 65002u, false, 65002u)]          // from a peer, OTC = peer AS: fine
    [InlineData(BgpRole.Peer, 65010u, 65002u, true, 65010u)]           // from a peer, other OTC: leak
    [InlineData(BgpRole.Peer, 0u, 65002u, false, 65002u)]              // from a peer without OTC: add peer AS
    [InlineData(BgpRole.Customer, 0u, 65002u, false, 65002u)]          // from a provider: add peer AS
    [InlineData(BgpRole.RouteServerClient, 0u, 65002u, false, 65002u)] // from a route server: add peer AS
    [InlineData(BgpRole.Customer, 65010u, 65002u, false, 65010u)]      // from a provider with OTC: kept
    public void Ingress(BgpRole local, uint otc, uint peerAs, bool leak, uint otcAfter)
    {
        var attrs = otc == 0 ? NoOtc : NoOtc with { Otc = otc };
        var after = BgpRoles.ApplyIngress(local, attrs, peerAs, out bool isLeak);
        Assert.Equal(leak, isLeak);
        Assert.Equal(otcAfter == 0 ? null : otcAfter, after.Otc);
    }

    [Theory]
    // local role, OTC on the route (0 = none), expected suppress, expected OTC after (local AS 65001)
    [InlineData(BgpRole.Customer, 65010u, true, 65010u)]               // to a provider with OTC: not sent
    [InlineData(BgpRole.Peer, 65010u, true, 65010u)]                   // to a peer with OTC: not sent
    [InlineData(BgpRole.RouteServerClient, 65010u, true, 65010u)]      // to a route server with OTC: not sent
    [InlineData(BgpRole.Provider, 65010u, false, 65010u)]              // to a customer with OTC: sent as is
    [InlineData(BgpRole.Provider, 0u, false, 65001u)]                  // to a customer: add our AS
    [InlineData(BgpRole.Peer, 0u, false, 65001u)]                      // to a peer: add our AS
    [InlineData(BgpRole.RouteServer, 0u, false, 65001u)]               // to an RS client: add our AS
    [InlineData(BgpRole.Customer, 0u, false, 0u)]                      // to a provider without OTC: unchanged
    public void Egress(BgpRole local, uint otc, bool suppress, uint otcAfter)
    {
        var attrs = otc == 0 ? NoOtc : NoOtc with { Otc = otc };
        var after = BgpRoles.ApplyEgress(local, attrs, 65001, out bool sup);
        Assert.Equal(suppress, sup);
        Assert.Equal(otcAfter == 0 ? null : otcAfter, after.Otc);
    }
}
