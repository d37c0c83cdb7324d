using System.Collections.Immutable;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// Turns what an update group has to send into encoded BGP messages (header included). The RIB calls it
/// once per group and hands the same bytes to every member. Core plugs in the Wire codec
/// (over Wire's UpdatePacker); tests may plug in their own.
/// </summary>
public interface IUpdateEncoder
{
    /// <summary>Announcements of <paramref name="prefixes"/> sharing <paramref name="attributes"/> (whose NextHop is the family's next hop).</summary>
    void EncodeAnnounce(AddressFamily family, in AttributeView attributes, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output);

    /// <summary>The same for a whole attribute set.</summary>
    void EncodeAnnounce(AddressFamily family, PathAttributes attributes, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output) =>
        EncodeAnnounce(family, new AttributeView(attributes), prefixes, context, output);

    void EncodeWithdraw(AddressFamily family, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output);

    /// <summary>End-of-RIB marker (RFC 4724 §2).</summary>
    ReadOnlyMemory<byte> EncodeEndOfRib(AddressFamily family, in EncodeContext context);

    /// <summary>ROUTE-REFRESH with a subtype (BoRR/EoRR demarcation, RFC 7313 §3).</summary>
    ReadOnlyMemory<byte> EncodeRouteRefresh(AddressFamily family, RouteRefreshSubtype subtype);
}

/// <summary>One next hop of a FIB route.</summary>
public readonly record struct FibNextHop(NextHop NextHop, string? Interface);

/// <summary>
/// A change of the best BGP route of a prefix for the kernel: the ECMP next hops (empty = delete) and
/// the metric (the best path's MED, as FRR installs it). Only BGP-learned routes; locally originated
/// ones never reach the FIB.
/// </summary>
public readonly record struct FibRouteChange(Prefix Prefix, ImmutableArray<FibNextHop> NextHops, uint Metric)
{
    public bool IsDelete => NextHops.IsDefaultOrEmpty;
}

/// <summary>The FIB output (Core connects it to the netlink programmer's task). Called from the RIB actor once per wake-up; must not block.</summary>
public interface IFibSink
{
    void Apply(IReadOnlyList<FibRouteChange> changes);

    /// <summary>
    /// The RIB has converged after a restart (graceful restart, RFC 4724 §4.1: End-of-RIB from every
    /// helper or the selection deferral expired): after the changes already applied, forwarding state
    /// left from before the restart and not desired again may be removed.
    /// </summary>
    void Converged();
}
