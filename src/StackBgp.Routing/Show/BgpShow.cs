using System.Globalization;
using System.Net;
using System.Text;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// FRR-like text for <c>show bgp ipv4|ipv6 unicast [PREFIX]</c> (and advertised/received-routes, which
/// use the table layout). Column widths follow FRR 8.4's vtysh output.
/// </summary>
public static partial class BgpShow
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The table: header, status/origin codes, one line per path, "Displayed N routes and M total paths".</summary>
    public static string FormatTable(BgpTableSnapshot table, uint defaultLocalPref = 100)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append(Inv, $"BGP table version is {table.Version}, local router ID is {V4(table.RouterId)}, vrf id 0\n");
        sb.Append(Inv, $"Default local pref {defaultLocalPref}, local AS {table.LocalAs}\n");
        sb.Append("Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,\n");
        sb.Append("               i internal, r RIB-failure, S Stale, R Removed\n");
        sb.Append("Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self\n");
        sb.Append("Origin codes:  i - IGP, e - EGP, ? - incomplete\n");
        sb.Append("RPKI validation codes: V valid, I invalid, N Not found\n\n");
        sb.Append("   Network          Next Hop            Metric LocPrf Weight Path\n");
        foreach (var r in table.Routes)
        {
            bool first = true;
            foreach (var p in r.Paths)
            {
                AppendStatus(sb, p);
                if (first)
                {
                    string net = r.Prefix.ToString();
                    sb.Append(net);
                    if (net.Length >= 17) sb.Append('\n').Append(' ', 20);
                    else sb.Append(' ', 17 - net.Length);
                    first = false;
                }
                else sb.Append(' ', 17);
                string nh = FormatNextHop(p, table.Family);
                sb.Append(nh);
                if (nh.Length >= 16) sb.Append('\n').Append(' ', 36);
                else sb.Append(' ', 16 - nh.Length);
                var a = p.Attributes;
                if (a.Med is { } med) sb.Append(Inv, $"{med,10}");
                else sb.Append(' ', 10);
                if (a.LocalPref is { } lp) sb.Append(Inv, $"{lp,7}");
                else sb.Append(' ', 7);
                sb.Append(Inv, $"{p.Weight,7} ");
                string path = PathString(a.AsPath);
                if (path.Length > 0) sb.Append(path).Append(' ');
                sb.Append(OriginChar(a.Origin)).Append('\n');
            }
        }
        sb.Append(Inv, $"\nDisplayed  {table.Routes.Length} routes and {table.PathCount} total paths\n");
        return sb.ToString();
    }

    private static void AppendStatus(StringBuilder sb, BgpPathSnapshot p)
    {
        sb.Append(p.Stale ? 'S' : p.Valid ? '*' : ' ');
        sb.Append(p.Best ? '>' : p.Multipath ? '=' : ' ');
        sb.Append(p.Kind == PeerKind.Internal ? 'i' : ' ');
    }

    /// <summary>
    /// One prefix in detail, as FRR prints <c>show bgp ipv4 unicast PREFIX</c>: every path, the best and
    /// multipath marked, "bestpath-from-AS" and "best (reason)".
    /// </summary>
    public static string FormatRoute(BgpRouteSnapshot route, string localHostname = "")
    {
        ArgumentNullException.ThrowIfNull(route);
        var sb = new StringBuilder();
        sb.Append(Inv, $"BGP routing table entry for {route.Prefix}, version 1\n");
        int best = route.Paths.IndexOf(route.Paths.FirstOrDefault(p => p.Best)!);
        sb.Append(Inv, $"Paths: ({route.Paths.Length} available");
        if (best >= 0) sb.Append(Inv, $", best #{best + 1}");
        else sb.Append(", no best path");
        sb.Append(", table default)\n");
        if (route.AdvertisedTo.IsEmpty) sb.Append("  Not advertised to any peer\n");
        else
        {
            sb.Append("  Advertised to non peer-group peers:\n  ");
            sb.AppendJoin(' ', route.AdvertisedTo).Append('\n');
        }
        foreach (var p in route.Paths)
        {
            var a = p.Attributes;
            string path = PathString(a.AsPath);
            sb.Append("  ").Append(path.Length == 0 ? "Local" : path).Append('\n');
            if (p.Kind == PeerKind.Local)
            {
                string zero = route.Prefix.IsIpv6 ? "::" : "0.0.0.0";
                sb.Append(Inv, $"    {zero}{(localHostname.Length > 0 ? $"({localHostname})" : "")} from {zero} ({V4(p.PeerRouterId)})\n");
            }
            else
            {
                string nh = a.NextHop.Address?.ToString() ?? "0.0.0.0";
                string host = p.PeerHostname is null ? "" : $"({p.PeerHostname})";
                sb.Append(Inv, $"    {nh}{host}{(p.NexthopReachable ? "" : " (inaccessible)")}{(p.IgpMetric != 0 ? $" (metric {p.IgpMetric})" : "")} from {p.PeerAddress}{host} ({V4(a.OriginatorId ?? p.PeerRouterId)})\n");
                if (a.NextHop.LinkLocal is { } ll) sb.Append(Inv, $"    ({ll}) {(p.Best ? "(used)" : "")}\n");
            }
            sb.Append("      Origin ").Append(a.Origin switch { Origin.Igp => "IGP", Origin.Egp => "EGP", _ => "incomplete" });
            if (a.Med is { } med) sb.Append(Inv, $", metric {med}");
            if (a.LocalPref is { } lp) sb.Append(Inv, $", localpref {lp}");
            if (p.Weight != 0) sb.Append(Inv, $", weight {p.Weight}");
            if (p.Valid) sb.Append(", valid");
            sb.Append(p.Kind switch
            {
                PeerKind.Internal => ", internal",
                PeerKind.External => ", external",
                _ => p.Aggregate ? ", aggregated, local" : ", sourced, local",
            });
            if (a.AtomicAggregate) sb.Append(", atomic-aggregate");
            if (p.Multipath && !p.Best || p.Multipath && route.Paths.Count(x => x.Multipath) > 1) sb.Append(", multipath");
            if (p.BestFromAs)
            {
                uint first = a.AsPath.FirstAs;
                sb.Append(first != 0 ? $", bestpath-from-AS {first.ToString(Inv)}" : ", bestpath-from-AS Local");
            }
            if (p.Best) sb.Append(", best (").Append(BestPathReasons.Text(route.Reason)).Append(')');
            if (p.Stale) sb.Append(", stale");
            if (p.Rejected is not null) sb.Append(", denied (").Append(p.Rejected).Append(')');
            sb.Append('\n');
            if (!a.Communities.IsEmpty) sb.Append("      Community: ").AppendJoin(' ', a.Communities.Select(Community.Format)).Append('\n');
            if (!a.ExtendedCommunities.IsEmpty) sb.Append("      Extended Community: ").AppendJoin(' ', a.ExtendedCommunities.Select(ExtendedCommunity.Format)).Append('\n');
            if (!a.LargeCommunities.IsEmpty) sb.Append("      Large Community: ").AppendJoin(' ', a.LargeCommunities).Append('\n');
            if (a.OriginatorId is { } oid)
            {
                sb.Append(Inv, $"      Originator: {V4(oid)}");
                if (!a.ClusterList.IsEmpty) sb.Append(", Cluster list: ").AppendJoin(' ', a.ClusterList.Select(V4)).Append(' ');
                sb.Append('\n');
            }
            if (p.PathId != 0) sb.Append(Inv, $"      AddPath ID: RX {p.PathId}, \n");
            sb.Append("      Last update: ").Append(CTime(p.LastUpdate)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>FRR-style AS path text (empty for a local path).</summary>
    public static string PathString(AsPath path) => path.ToString();

    internal static char OriginChar(Origin o) => o switch { Origin.Igp => 'i', Origin.Egp => 'e', _ => '?' };

    internal static string FormatNextHop(BgpPathSnapshot p, AddressFamily family)
    {
        if (p.Kind == PeerKind.Local && p.Attributes.NextHop.IsNone) return family.Afi == Afi.Ipv6 ? "::" : "0.0.0.0";
        var nh = p.Attributes.NextHop;
        if (nh.IsNone) return family.Afi == Afi.Ipv6 ? "::" : "0.0.0.0";
        // FRR shows the global IPv6 next hop (the link-local when there is no global).
        return nh.Address!.ToString();
    }

    internal static string V4(uint a) => new IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]).ToString();

    /// <summary>ctime(3) layout, as FRR's "Last update:".</summary>
    internal static string CTime(DateTimeOffset t)
    {
        var u = t.UtcDateTime;
        return string.Create(Inv, $"{u:ddd MMM} {u.Day,2} {u:HH:mm:ss yyyy}");
    }
}
