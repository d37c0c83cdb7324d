using System.Collections.Frozen;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// A <see cref="PolicySet"/> compiled for evaluation: regexes built once, lists as arrays,
/// route-map entries with their jump targets resolved. Immutable and safe to share between
/// threads; a new config compiles a new instance.
/// <para>Names that are referenced but not defined behave as FRR's bgpd does: a route-map
/// <c>match … prefix-list|community|as-path X</c> with undefined X does not match; a neighbor's
/// <c>prefix-list|filter-list|route-map X in|out</c> with undefined X denies every route
/// (FRR logs "Could not find …" and filters all).</para>
/// </summary>
public sealed partial class CompiledPolicy
{
    private readonly FrozenDictionary<(Afi, string), CompiledPrefixList> _prefixLists;
    private readonly FrozenDictionary<string, CompiledAsPathList> _asPathLists;
    private readonly FrozenDictionary<string, CompiledCommunityList> _communityLists;
    private readonly FrozenDictionary<string, CompiledLargeCommunityList> _largeLists;
    private readonly FrozenDictionary<string, CompiledExtCommunityList> _extLists;
    private readonly FrozenDictionary<string, CompiledRouteMap> _routeMaps;

    private CompiledPolicy(PolicySet source, IPolicyStringCache strings)
    {
        Source = source;
        Strings = strings;
        _prefixLists = source.PrefixLists.ToFrozenDictionary(p => (p.Afi, p.Name), p => new CompiledPrefixList(p));
        _asPathLists = source.AsPathLists.ToFrozenDictionary(p => p.Name, p => new CompiledAsPathList(p, strings), StringComparer.Ordinal);
        _communityLists = source.CommunityLists.ToFrozenDictionary(p => p.Name, p => new CompiledCommunityList(p, strings), StringComparer.Ordinal);
        _largeLists = source.LargeCommunityLists.ToFrozenDictionary(p => p.Name, p => new CompiledLargeCommunityList(p, strings), StringComparer.Ordinal);
        _extLists = source.ExtCommunityLists.ToFrozenDictionary(p => p.Name, p => new CompiledExtCommunityList(p, strings), StringComparer.Ordinal);
        _routeMaps = source.RouteMaps.ToFrozenDictionary(m => m.Name, m => new CompiledRouteMap(m), StringComparer.Ordinal);
    }

    public PolicySet Source { get; }

    public IPolicyStringCache Strings { get; }

    /// <summary>Compiles every list and route-map (regexes included) once.</summary>
    public static CompiledPolicy Compile(PolicySet set, IPolicyStringCache? strings = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new CompiledPolicy(set, strings ?? new WeakPolicyStringCache());
    }

    public bool HasRouteMap(string name) => _routeMaps.ContainsKey(name);

    /// <summary>A neighbor's <c>prefix-list NAME in|out</c>: undefined = deny.</summary>
    public bool PrefixListPermits(Afi afi, string name, Prefix prefix) =>
        _prefixLists.TryGetValue((afi, name), out var l) && l.Permits(prefix);

    /// <summary>A neighbor's <c>filter-list NAME in|out</c>: undefined = deny.</summary>
    public bool AsPathListPermits(string name, AsPath path) =>
        _asPathLists.TryGetValue(name, out var l) && l.Permits(path);

    /// <summary>
    /// Runs a route-map (FRR semantics). An undefined route-map denies. On deny the attributes
    /// returned are the input's.
    /// </summary>
    public PolicyOutcome ApplyRouteMap(string name, Prefix prefix, PathAttributes attributes, in RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(attributes);
        if (!_routeMaps.TryGetValue(name, out var map))
            return new PolicyOutcome(false, attributes, context.Weight, DeniedBy: $"route-map {name} (not defined)");
        var draft = new Draft(attributes, context.Weight);
        string? denied = Run(map, prefix, ref draft, in context, depth: 0);
        if (denied is not null)
            return new PolicyOutcome(false, attributes, context.Weight, DeniedBy: denied);
        return new PolicyOutcome(true, draft.Build(attributes), draft.Weight, draft.Src, draft.NextHopDirective);
    }

    /// <summary>
    /// The per-neighbor filter chain as bgpd applies it: prefix-list, then filter-list (AS path),
    /// then route-map, for one family and direction. Null names are skipped.
    /// </summary>
    public NeighborPolicy ForNeighbor(Afi afi, string? prefixList, string? filterList, string? routeMap) =>
        new(this, afi, prefixList, filterList, routeMap);

    internal bool PrefixListMatches(Afi afi, string name, Prefix prefix) =>
        _prefixLists.TryGetValue((afi, name), out var l) && l.Permits(prefix);
}

/// <summary>A neighbor's inbound or outbound policy: prefix-list → filter-list → route-map.</summary>
public sealed class NeighborPolicy
{
    private readonly CompiledPolicy _policy;
    private readonly Afi _afi;
    private readonly string? _deniedByPrefixList;
    private readonly string? _deniedByFilterList;

    internal NeighborPolicy(CompiledPolicy policy, Afi afi, string? prefixList, string? filterList, string? routeMap)
    {
        _policy = policy;
        _afi = afi;
        PrefixList = prefixList;
        FilterList = filterList;
        RouteMap = routeMap;
        _deniedByPrefixList = prefixList is null ? null : $"prefix-list {prefixList}";
        _deniedByFilterList = filterList is null ? null : $"filter-list {filterList}";
    }

    public string? PrefixList { get; }
    public string? FilterList { get; }
    public string? RouteMap { get; }

    /// <summary>True if nothing is configured (everything passes unchanged).</summary>
    public bool IsEmpty => PrefixList is null && FilterList is null && RouteMap is null;

    public PolicyOutcome Evaluate(Prefix prefix, PathAttributes attributes, in RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (PrefixList is not null && !_policy.PrefixListPermits(_afi, PrefixList, prefix))
            return new PolicyOutcome(false, attributes, context.Weight, DeniedBy: _deniedByPrefixList);
        if (FilterList is not null && !_policy.AsPathListPermits(FilterList, attributes.AsPath))
            return new PolicyOutcome(false, attributes, context.Weight, DeniedBy: _deniedByFilterList);
        if (RouteMap is not null) return _policy.ApplyRouteMap(RouteMap, prefix, attributes, in context);
        return new PolicyOutcome(true, attributes, context.Weight);
    }
}
