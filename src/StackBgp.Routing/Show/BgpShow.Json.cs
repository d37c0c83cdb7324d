using System.Buffers;
using System.Text;
using System.Text.Json;
using StackBgp.Wire;

namespace StackBgp.Routing;

// FRR-shaped JSON for show bgp … json.
public static partial class BgpShow
{
    /// <summary><c>show bgp ipv4 unicast json</c>: vrf header, "routes" keyed by prefix, each an array of paths.</summary>
    public static string TableJson(BgpTableSnapshot table, uint defaultLocalPref = 100)
    {
        ArgumentNullException.ThrowIfNull(table);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("vrfId", 0);
            w.WriteString("vrfName", "default");
            w.WriteNumber("tableVersion", table.Version);
            w.WriteString("routerId", V4(table.RouterId));
            w.WriteNumber("defaultLocPrf", defaultLocalPref);
            w.WriteNumber("localAS", table.LocalAs);
            w.WriteStartObject("routes");
            foreach (var r in table.Routes)
            {
                w.WriteStartArray(r.Prefix.ToString());
                foreach (var p in r.Paths)
                {
                    w.WriteStartObject();
                    if (p.Valid) w.WriteBoolean("valid", true);
                    if (p.Stale) w.WriteBoolean("stale", true);
                    if (p.Best)
                    {
                        w.WriteBoolean("bestpath", true);
                        w.WriteString("selectionReason", BestPathReasons.Text(r.Reason));
                    }
                    if (p.Multipath) w.WriteBoolean("multipath", true);
                    w.WriteString("pathFrom", p.Kind == PeerKind.Internal ? "internal" : "external");
                    w.WriteString("prefix", r.Prefix.Address.ToString());
                    w.WriteNumber("prefixLen", r.Prefix.Length);
                    w.WriteString("network", r.Prefix.ToString());
                    var a = p.Attributes;
                    if (a.Med is { } med) w.WriteNumber("metric", med);
                    if (a.LocalPref is { } lp) w.WriteNumber("locPrf", lp);
                    w.WriteNumber("weight", p.Weight);
                    w.WriteString("peerId", p.PeerAddress?.ToString() ?? "(unspec)");
                    w.WriteString("path", PathString(a.AsPath));
                    w.WriteString("origin", OriginName(a.Origin));
                    w.WriteStartArray("nexthops");
                    WriteNextHops(w, p, table.Family);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteNumber("totalRoutes", table.Routes.Length);
            w.WriteNumber("totalPaths", table.PathCount);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>show bgp ipv4 unicast PREFIX json</c>.</summary>
    public static string RouteJson(BgpRouteSnapshot route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var family = route.Prefix.IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("prefix", route.Prefix.ToString());
            w.WriteStartObject("advertisedTo");
            foreach (var a in route.AdvertisedTo)
            {
                w.WriteStartObject(a.ToString());
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("paths");
            foreach (var p in route.Paths)
            {
                var a = p.Attributes;
                w.WriteStartObject();
                w.WriteStartObject("aspath");
                string path = PathString(a.AsPath);
                w.WriteString("string", path.Length == 0 ? "Local" : path);
                w.WriteNumber("length", a.AsPath.Length);
                w.WriteEndObject();
                w.WriteString("origin", OriginName(a.Origin));
                if (a.Med is { } med) w.WriteNumber("metric", med);
                if (a.LocalPref is { } lp) w.WriteNumber("locPrf", lp);
                if (p.Weight != 0) w.WriteNumber("weight", p.Weight);
                w.WriteBoolean("valid", p.Valid);
                if (p.Kind == PeerKind.Local) { w.WriteBoolean("sourced", true); w.WriteBoolean("local", true); }
                if (p.Aggregate) w.WriteBoolean("aggregated", true);
                if (p.Stale) w.WriteBoolean("stale", true);
                if (p.Multipath) w.WriteBoolean("multipath", true);
                if (p.Best || p.BestFromAs)
                {
                    w.WriteStartObject("bestpath");
                    if (p.BestFromAs)
                    {
                        if (a.AsPath.FirstAs != 0) w.WriteNumber("bestpathFromAs", a.AsPath.FirstAs);
                        else w.WriteString("bestpathFromAs", "Local");
                    }
                    if (p.Best)
                    {
                        w.WriteBoolean("overall", true);
                        w.WriteString("selectionReason", BestPathReasons.Text(route.Reason));
                    }
                    w.WriteEndObject();
                }
                if (!a.Communities.IsEmpty)
                {
                    w.WriteStartObject("community");
                    w.WriteString("string", string.Join(' ', a.Communities.Select(Community.Format)));
                    w.WriteEndObject();
                }
                if (!a.LargeCommunities.IsEmpty)
                {
                    w.WriteStartObject("largeCommunity");
                    w.WriteString("string", string.Join(' ', a.LargeCommunities));
                    w.WriteEndObject();
                }
                if (a.OriginatorId is { } oid) w.WriteString("originatorId", V4(oid));
                if (!a.ClusterList.IsEmpty)
                {
                    w.WriteStartObject("clusterList");
                    w.WriteStartArray("list");
                    foreach (uint c in a.ClusterList) w.WriteStringValue(V4(c));
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                if (p.Rejected is not null) w.WriteString("deniedBy", p.Rejected);
                w.WriteStartObject("lastUpdate");
                w.WriteNumber("epoch", p.LastUpdate.ToUnixTimeSeconds());
                w.WriteString("string", CTime(p.LastUpdate) + "\n");
                w.WriteEndObject();
                w.WriteStartArray("nexthops");
                WriteNextHops(w, p, family);
                w.WriteEndArray();
                w.WriteStartObject("peer");
                w.WriteString("peerId", p.PeerAddress?.ToString() ?? (route.Prefix.IsIpv6 ? "::" : "0.0.0.0"));
                w.WriteString("routerId", V4(p.PeerRouterId));
                if (p.PeerHostname is not null) w.WriteString("hostname", p.PeerHostname);
                if (p.Kind != PeerKind.Local) w.WriteString("type", p.Kind == PeerKind.Internal ? "internal" : "external");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNextHops(Utf8JsonWriter w, BgpPathSnapshot p, AddressFamily family)
    {
        var nh = p.Attributes.NextHop;
        w.WriteStartObject();
        w.WriteString("ip", FormatNextHop(p, family));
        w.WriteString("afi", nh.IsIpv6 || (nh.IsNone && family.Afi == Afi.Ipv6) ? "ipv6" : "ipv4");
        if (nh.IsIpv6) w.WriteString("scope", "global");
        if (p.IgpMetric != 0) w.WriteNumber("metric", p.IgpMetric);
        w.WriteBoolean("accessible", p.NexthopReachable);
        w.WriteBoolean("used", true);
        w.WriteEndObject();
        if (nh.LinkLocal is { } ll)
        {
            w.WriteStartObject();
            w.WriteString("ip", ll.ToString());
            w.WriteString("afi", "ipv6");
            w.WriteString("scope", "link-local");
            w.WriteBoolean("accessible", p.NexthopReachable);
            w.WriteEndObject();
        }
    }

    private static string OriginName(Origin o) => o switch { Origin.Igp => "IGP", Origin.Egp => "EGP", _ => "incomplete" };
}
