using System.Net;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// What a policy sees besides the prefix and the attributes: who sent the route (or who it is
/// sent to, for export), where it came from, and its current weight.
/// </summary>
public readonly record struct RouteContext
{
    /// <summary>The neighbor the route came from (import) or goes to (export); null for local routes.</summary>
    public IPAddress? PeerAddress { get; init; }
    /// <summary>Interface name of an unnumbered neighbor (<c>match peer IFNAME</c>).</summary>
    public string? PeerInterface { get; init; }
    public uint PeerAs { get; init; }
    public uint LocalAs { get; init; }
    /// <summary>Interface of a connected route (<c>match interface</c>).</summary>
    public string? Interface { get; init; }
    public RouteSourceProtocol Source { get; init; }
    public uint Weight { get; init; }
    /// <summary>True when evaluating an outbound (export) policy.</summary>
    public bool IsExport { get; init; }
    /// <summary>LOCAL_PREF assumed when the attribute is absent (<c>bgp default local-preference</c>); 100 if null.</summary>
    public uint? DefaultLocalPreference { get; init; }

    internal uint DefaultLp => DefaultLocalPreference ?? 100;
}

/// <summary>What a <c>set ip|ipv6 next-hop</c> asks the caller to do beyond rewriting the attribute.</summary>
public enum NextHopDirective : byte
{
    None,
    /// <summary><c>set ip next-hop peer-address</c> on export: use our own address toward the peer.</summary>
    Self,
    /// <summary><c>set ip next-hop unchanged</c>: do not rewrite the next hop on export.</summary>
    Unchanged,
    /// <summary><c>set ipv6 next-hop prefer-global</c>: install via the global address, not the link-local.</summary>
    PreferGlobal,
}

/// <summary>
/// The result of a policy: permit or deny; the attributes (the same instance as the input when
/// nothing was set, so the RIB can skip re-interning); the weight; for FIB route-maps the
/// <c>set src</c> address; and, for a deny, which list or entry denied it (for logs and counters).
/// </summary>
public readonly record struct PolicyOutcome(
    bool Permit,
    PathAttributes Attributes,
    uint Weight,
    IPAddress? Source = null,
    NextHopDirective NextHop = NextHopDirective.None,
    string? DeniedBy = null);
