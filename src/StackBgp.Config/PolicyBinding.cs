using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

/// <summary>Builds the policy objects a neighbor or the FIB uses from a parsed config.</summary>
public static class PolicyBinding
{
    /// <summary>Compiles the config's lists and route-maps.</summary>
    public static CompiledPolicy CompilePolicy(this StackBgpConfig config, IPolicyStringCache? strings = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return CompiledPolicy.Compile(config.Policy, strings);
    }

    /// <summary>prefix-list in → filter-list in → route-map in, for one family of a neighbor.</summary>
    public static NeighborPolicy Inbound(this CompiledPolicy policy, EffectiveNeighborAf family)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(family);
        return policy.ForNeighbor(family.Family.Afi, family.PrefixListIn, family.FilterListIn, family.RouteMapIn);
    }

    /// <summary>prefix-list out → filter-list out → route-map out, for one family of a neighbor.</summary>
    public static NeighborPolicy Outbound(this CompiledPolicy policy, EffectiveNeighborAf family)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(family);
        return policy.ForNeighbor(family.Family.Afi, family.PrefixListOut, family.FilterListOut, family.RouteMapOut);
    }

    /// <summary>
    /// The FIB filter of <c>ip|ipv6 protocol bgp route-map NAME</c> for a family, or null when none
    /// is configured (everything is installed).
    /// </summary>
    public static NeighborPolicy? Fib(this CompiledPolicy policy, StackBgpConfig config, Afi afi)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(config);
        string? map = config.ProtocolRouteMaps.FirstOrDefault(p => p.Afi == afi && p.Protocol is "bgp" or "any")?.RouteMap;
        return map is null ? null : policy.ForNeighbor(afi, null, null, map);
    }
}
