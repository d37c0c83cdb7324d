using System.Net;
using System.Net.Sockets;

namespace StackBgp.Linux.Routes;

/// <summary>rtm_type values we install or meet in dumps (linux/rtnetlink.h RTN_*).</summary>
public enum KernelRouteType : byte
{
    Unspecified = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
}

/// <summary>Next-hop flags (RTNH_F_*), as the kernel reports them per next hop.</summary>
[Flags]
public enum NextHopFlags : byte
{
    None = 0,
    Dead = 1,
    Pervasive = 2,
    OnLink = 4,
    Offload = 8,
    LinkDown = 16,
    Unresolved = 32,
    Trap = 64,
}

/// <summary>Well-known routing protocol ids (rtm_protocol, /etc/iproute2/rt_protos).</summary>
public static class RouteProtocol
{
    public const int Kernel = 2;
    public const int Boot = 3;
    public const int Static = 4;
    public const int Bgp = 186;
}

/// <summary>Well-known routing table ids.</summary>
public static class RouteTable
{
    public const int Main = 254;
    public const int Local = 255;
}

/// <summary>
/// One next hop: a gateway (possibly of another family than the prefix: IPv4 via an IPv6
/// link-local address, RFC 8950), an interface (index, or name to be resolved), and an ECMP
/// weight 1..256. Gateway null = a device route ("dev X").
/// </summary>
public sealed record KernelNextHop(IPAddress? Gateway, int IfIndex, string? IfName = null, int Weight = 1)
{
    /// <summary>Reported by the kernel in dumps and notifications; ignored when installing.</summary>
    public NextHopFlags Flags { get; init; }

    /// <summary>A next hop usable for forwarding: not marked dead or link-down.</summary>
    public bool IsUsable => (Flags & (NextHopFlags.Dead | NextHopFlags.LinkDown)) == 0;

    public override string ToString()
    {
        string s = Gateway is null ? "" : "via " + Gateway;
        if (IfName is not null)
        {
            s += (s.Length > 0 ? " " : "") + "dev " + IfName;
        }
        else if (IfIndex != 0)
        {
            s += (s.Length > 0 ? " " : "") + "ifindex " + IfIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Weight != 1 ? s + " weight " + Weight.ToString(System.Globalization.CultureInfo.InvariantCulture) : s;
    }
}

/// <summary>
/// A route as the kernel holds it. Equality compares the next hops as a set (order-free),
/// addresses without their IPv6 scope id, and an interface index 0 (or an unset name) on either
/// side as "any": a route we asked for equals what the kernel reports back for it.
/// </summary>
public sealed record KernelRoute(
    IPNetwork Prefix,
    IReadOnlyList<KernelNextHop> NextHops,
    int Table,
    int Protocol,
    int Metric,
    IPAddress? PreferredSource)
{
    public KernelRouteType Type { get; init; } = KernelRouteType.Unicast;

    /// <summary>The nexthop object the kernel reports the route using (RTA_NH_ID), 0 for none.
    /// Informational: not compared (the next hops are).</summary>
    public uint NexthopId { get; init; }

    public bool IsIpv6 => Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>A blackhole route (packets silently dropped, `ip route add blackhole P`).</summary>
    public static KernelRoute Blackhole(IPNetwork prefix, int table = RouteTable.Main, int protocol = RouteProtocol.Bgp, int metric = 20) =>
        new(prefix, Array.Empty<KernelNextHop>(), table, protocol, metric, null) { Type = KernelRouteType.Blackhole };

    /// <summary>The same forwarding (prefix, type, table, metric, source, next hops); the
    /// protocol is not compared.</summary>
    public bool SameForwarding(KernelRoute? other)
    {
        if (other is null)
        {
            return false;
        }

        if (!Prefix.Equals(other.Prefix) || Type != other.Type || Table != other.Table || Metric != other.Metric
            || !SameAddress(PreferredSource, other.PreferredSource) || NextHops.Count != other.NextHops.Count)
        {
            return false;
        }

        // Multiset comparison: small lists, quadratic is fine and allocation-free.
        Span<bool> used = NextHops.Count <= 64 ? stackalloc bool[NextHops.Count] : new bool[NextHops.Count];
        foreach (KernelNextHop a in NextHops)
        {
            bool found = false;
            for (int j = 0; j < other.NextHops.Count; j++)
            {
                if (!used[j] && SameNextHop(a, other.NextHops[j]))
                {
                    used[j] = true;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(KernelRoute? other) =>
        other is not null && Protocol == other.Protocol && SameForwarding(other);

    public override int GetHashCode() => HashCode.Combine(Prefix, Table, Metric, Protocol, NextHops.Count);

    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        if (Type != KernelRouteType.Unicast)
        {
            sb.Append(Type.ToString().ToLowerInvariant()).Append(' ');
        }

        sb.Append(Prefix.ToString());
        foreach (KernelNextHop nh in NextHops)
        {
            sb.Append(NextHops.Count > 1 ? " nexthop " : " ").Append(nh);
        }

        sb.Append(" table ").Append(Table).Append(" proto ").Append(Protocol).Append(" metric ").Append(Metric);
        if (PreferredSource is not null)
        {
            sb.Append(" src ").Append(PreferredSource);
        }

        return sb.ToString();
    }

    internal static bool SameNextHop(KernelNextHop a, KernelNextHop b) =>
        SameAddress(a.Gateway, b.Gateway)
        && (a.IfIndex == 0 || b.IfIndex == 0 || a.IfIndex == b.IfIndex)
        && (a.IfIndex != 0 && b.IfIndex != 0 || a.IfName is null || b.IfName is null || a.IfName == b.IfName)
        && a.Weight == b.Weight;

    /// <summary>Address equality ignoring the IPv6 scope id (the kernel keeps the interface apart).</summary>
    public static bool SameAddress(IPAddress? a, IPAddress? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.AddressFamily != b.AddressFamily)
        {
            return false;
        }

        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        _ = a.TryWriteBytes(x, out int nx);
        _ = b.TryWriteBytes(y, out int ny);
        return x[..nx].SequenceEqual(y[..ny]);
    }
}
