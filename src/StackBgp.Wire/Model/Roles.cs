namespace StackBgp.Wire;

/// <summary>
/// BGP roles and the Only-To-Customer rules (RFC 9234). Roles here are the *local* role configured
/// for a session (FRR's <c>neighbor X local-role ROLE</c>): local Provider means the peer is our customer.
/// </summary>
public static class BgpRoles
{
    /// <summary>
    /// The allowed pairs (RFC 9234 §4.2 table 2): Provider–Customer, Customer–Provider,
    /// RS–RS-Client, RS-Client–RS, Peer–Peer. Anything else is a Role Mismatch (OPEN error 11).
    /// </summary>
    public static bool AreCompatible(BgpRole local, BgpRole remote) => (local, remote) switch
    {
        (BgpRole.Provider, BgpRole.Customer) => true,
        (BgpRole.Customer, BgpRole.Provider) => true,
        (BgpRole.RouteServer, BgpRole.RouteServerClient) => true,
        (BgpRole.RouteServerClient, BgpRole.RouteServer) => true,
        (BgpRole.Peer, BgpRole.Peer) => true,
        _ => false,
    };

    /// <summary>
    /// Ingress procedure (RFC 9234 §5 "Ingress"): a route with OTC from a customer or RS client, or with
    /// an OTC other than the peer's AS from a peer, is a leak (ineligible, <paramref name="isLeak"/>);
    /// a route without OTC from a provider, peer or route server gets OTC = the peer's AS.
    /// </summary>
    public static PathAttributes ApplyIngress(BgpRole localRole, PathAttributes attributes, uint peerAs, out bool isLeak)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        isLeak = false;
        if (attributes.Otc is { } otc)
        {
            isLeak = localRole is BgpRole.Provider or BgpRole.RouteServer
                || (localRole == BgpRole.Peer && otc != peerAs);
            return attributes;
        }
        return localRole is BgpRole.Customer or BgpRole.Peer or BgpRole.RouteServerClient
            ? attributes with { Otc = peerAs }
            : attributes;
    }

    /// <summary>
    /// Egress procedure (RFC 9234 §5 "Egress"): a route with OTC is not sent to a provider, peer or route
    /// server (<paramref name="suppress"/>); a route without OTC sent to a customer, peer or RS client
    /// gets OTC = our AS.
    /// </summary>
    public static PathAttributes ApplyEgress(BgpRole localRole, PathAttributes attributes, uint localAs, out bool suppress)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        suppress = false;
        if (attributes.Otc is not null)
        {
            suppress = localRole is BgpRole.Customer or BgpRole.Peer or BgpRole.RouteServerClient;
            return attributes;
        }
        return localRole is BgpRole.Provider or BgpRole.Peer or BgpRole.RouteServer
            ? attributes with { Otc = localAs }
            : attributes;
    }
}
