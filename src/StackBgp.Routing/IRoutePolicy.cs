using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>Which way a policy is applied.</summary>
public enum PolicyDirection : byte
{
    Import,
    Export,
}

/// <summary>What a policy sees besides the prefix and attributes: the peer and the route's weight.</summary>
public readonly record struct PolicyContext(
    PolicyDirection Direction,
    IPAddress PeerAddress,
    uint PeerAs,
    bool PeerIsInternal,
    int Weight,
    PeerKind SourceKind);

/// <summary>The outcome of a policy: permit or deny, the (possibly new) attributes and weight.</summary>
public readonly record struct PolicyResult(bool Permit, PathAttributes Attributes, int Weight)
{
    public static PolicyResult Deny(PathAttributes attributes) => new(false, attributes, 0);
}

/// <summary>
/// A compiled per-neighbor policy (route-map, prefix-list and filter-list together, as FRR applies them).
/// Core adapts StackBgp.Policy's evaluator to this. Must be pure: same input, same output; return the
/// same <see cref="PathAttributes"/> instance when nothing changes (the RIB then skips re-interning).
/// </summary>
public interface IRoutePolicy
{
    /// <summary>A name for show output and logs (e.g. the route-map name).</summary>
    string Name { get; }

    PolicyResult Evaluate(Prefix prefix, PathAttributes attributes, in PolicyContext context);
}

/// <summary>A policy built from a delegate (tests, simple Core adapters).</summary>
public sealed class DelegatePolicy(string name, Func<Prefix, PathAttributes, PolicyContext, PolicyResult> evaluate) : IRoutePolicy
{
    /// <summary>Permits everything unchanged (what <c>route-map ALL permit 10</c> does).</summary>
    public static DelegatePolicy PermitAll { get; } = new("PERMIT-ALL", (_, a, c) => new PolicyResult(true, a, c.Weight));

    public string Name { get; } = name;

    public PolicyResult Evaluate(Prefix prefix, PathAttributes attributes, in PolicyContext context) => evaluate(prefix, attributes, context);
}
