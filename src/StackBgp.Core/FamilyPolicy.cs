using StackBgp.Config;
using StackBgp.Policy;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Core;

/// <summary>
/// A neighbor's policy in one direction for all its families: `ip prefix-list X` and `ipv6
/// prefix-list X` are different lists, and route-maps are configured per address-family, so the RIB's
/// single per-peer policy dispatches on the prefix's family.
/// </summary>
internal sealed class FamilyPolicy(IRoutePolicy? ipv4, IRoutePolicy? ipv6) : IRoutePolicy
{
    public string Name => ipv4?.Name ?? ipv6?.Name ?? "(none)";

    public PolicyResult Evaluate(Prefix prefix, PathAttributes attributes, in PolicyContext context)
    {
        var p = prefix.IsIpv6 ? ipv6 : ipv4;
        return p is null ? new PolicyResult(true, attributes, context.Weight) : p.Evaluate(prefix, attributes, context);
    }

    /// <summary>
    /// The policy for a neighbor and direction; neighbors with the same configuration get the same
    /// object, which is what lets the RIB put them in one update group (one encoding for all).
    /// </summary>
    public static IRoutePolicy? For(CompiledPolicy compiled, EffectiveNeighbor n, bool inbound, uint localAs, uint? defaultLp, string? peerInterface,
        System.Collections.Concurrent.ConcurrentDictionary<string, IRoutePolicy?> cache)
    {
        var key = new System.Text.StringBuilder(inbound ? "in" : "out").Append('|').Append(localAs).Append('|').Append(defaultLp).Append('|').Append(peerInterface);
        foreach (var (family, af) in n.Families.OrderBy(f => f.Key.Afi))
        {
            if (!af.Activated) continue;
            key.Append('|').Append(family).Append(':');
            key.Append(inbound ? af.PrefixListIn : af.PrefixListOut).Append(',');
            key.Append(inbound ? af.FilterListIn : af.FilterListOut).Append(',');
            key.Append(inbound ? af.RouteMapIn : af.RouteMapOut);
        }
        return cache.GetOrAdd(key.ToString(), _ => Build(compiled, n, inbound, localAs, defaultLp, peerInterface));
    }

    private static IRoutePolicy? Build(CompiledPolicy compiled, EffectiveNeighbor n, bool inbound, uint localAs, uint? defaultLp, string? peerInterface)
    {
        IRoutePolicy? One(AddressFamily family)
        {
            if (!n.Families.TryGetValue(family, out var af) || !af.Activated) return null;
            return inbound
                ? NeighborRoutePolicy.For(compiled, family.Afi, af.PrefixListIn, af.FilterListIn, af.RouteMapIn, localAs, defaultLp, peerInterface)
                : NeighborRoutePolicy.For(compiled, family.Afi, af.PrefixListOut, af.FilterListOut, af.RouteMapOut, localAs, defaultLp, peerInterface);
        }
        var v4 = One(AddressFamily.Ipv4Unicast);
        var v6 = One(AddressFamily.Ipv6Unicast);
        // RFC 8212 counts a family without any policy as "no policy": keep null when neither family has one.
        return v4 is null && v6 is null ? null : new FamilyPolicy(v4, v6);
    }
}
