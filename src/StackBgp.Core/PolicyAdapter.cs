using System.Net;
using StackBgp.Policy;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Core;

/// <summary>
/// A neighbor's compiled prefix-list → filter-list → route-map chain, seen by the RIB as an
/// <see cref="IRoutePolicy"/>.
/// </summary>
internal sealed class NeighborRoutePolicy(NeighborPolicy policy, uint localAs, uint? defaultLocalPref, string? peerInterface) : IRoutePolicy
{
    public string Name { get; } = policy.RouteMap ?? policy.PrefixList ?? policy.FilterList ?? "(none)";

    public PolicyResult Evaluate(Prefix prefix, PathAttributes attributes, in PolicyContext context)
    {
        var rc = new RouteContext
        {
            PeerAddress = context.PeerAddress,
            PeerInterface = peerInterface,
            PeerAs = context.PeerAs,
            LocalAs = localAs,
            Source = context.SourceKind == PeerKind.Local ? RouteSourceProtocol.Connected : RouteSourceProtocol.Bgp,
            Weight = (uint)Math.Max(0, context.Weight),
            IsExport = context.Direction == PolicyDirection.Export,
            DefaultLocalPreference = defaultLocalPref,
        };
        var outcome = policy.Evaluate(prefix, attributes, rc);
        return new PolicyResult(outcome.Permit, outcome.Attributes, (int)outcome.Weight);
    }

    public static IRoutePolicy? For(CompiledPolicy compiled, Afi afi, string? prefixList, string? filterList, string? routeMap,
        uint localAs, uint? defaultLocalPref, string? peerInterface)
    {
        var np = compiled.ForNeighbor(afi, prefixList, filterList, routeMap);
        return np.IsEmpty ? null : new NeighborRoutePolicy(np, localAs, defaultLocalPref, peerInterface);
    }
}

/// <summary>
/// A route-map applied when a route enters BGP from another protocol (<c>redistribute connected
/// route-map RM</c>, <c>network P route-map RM</c>), with the interface the address is on, so that
/// <c>match interface</c> works.
/// </summary>
internal sealed class RedistributionRoutePolicy(CompiledPolicy compiled, string routeMap, RouteSourceProtocol source, string? interfaceName, uint localAs) : IRoutePolicy
{
    public string Name => routeMap;

    public PolicyResult Evaluate(Prefix prefix, PathAttributes attributes, in PolicyContext context)
    {
        var rc = new RouteContext
        {
            Interface = interfaceName,
            Source = source,
            LocalAs = localAs,
            Weight = (uint)Math.Max(0, context.Weight),
        };
        var outcome = compiled.ApplyRouteMap(routeMap, prefix, attributes, rc);
        return new PolicyResult(outcome.Permit, outcome.Attributes, (int)outcome.Weight);
    }

    /// <summary>True if the route-map lets this connected prefix in (evaluated before the RIB sees it).</summary>
    public static bool Permits(CompiledPolicy compiled, string routeMap, Prefix prefix, string? interfaceName, RouteSourceProtocol source)
    {
        var rc = new RouteContext { Interface = interfaceName, Source = source };
        var attrs = PathAttributes.Empty;
        return compiled.ApplyRouteMap(routeMap, prefix, attrs, rc).Permit;
    }

    public static IPAddress? SourceAddress(CompiledPolicy compiled, string routeMap, Prefix prefix, out bool permit)
    {
        var outcome = compiled.ApplyRouteMap(routeMap, prefix, PathAttributes.Empty, new RouteContext { Source = RouteSourceProtocol.Bgp });
        permit = outcome.Permit;
        return outcome.Source;
    }
}
