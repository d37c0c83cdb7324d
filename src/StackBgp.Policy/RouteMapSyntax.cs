using System.Globalization;
using System.Net;
using SocketFamily = System.Net.Sockets.AddressFamily;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// Parses the <c>match …</c> and <c>set …</c> lines of a route-map (FRR syntax) into clause records.
/// Each method returns the clause, or null with an error message; messages for FRR commands we do
/// not implement start with "not supported yet:".
/// </summary>
public static class RouteMapSyntax
{
    public static string FormatOrigin(Origin origin) => origin switch
    {
        Origin.Igp => "igp",
        Origin.Egp => "egp",
        _ => "incomplete",
    };

    public static bool TryParseOrigin(string text, out Origin origin)
    {
        origin = Origin.Igp;
        switch (text)
        {
            case "igp": return true;
            case "egp": origin = Origin.Egp; return true;
            case "incomplete": origin = Origin.Incomplete; return true;
            default: return false;
        }
    }

    public static string FormatProtocol(RouteSourceProtocol p) => p switch
    {
        RouteSourceProtocol.Bgp => "bgp",
        RouteSourceProtocol.Connected => "connected",
        RouteSourceProtocol.Static => "static",
        _ => "kernel",
    };

    public static bool TryParseProtocol(string text, out RouteSourceProtocol p)
    {
        p = RouteSourceProtocol.Bgp;
        switch (text)
        {
            case "bgp": return true;
            case "connected": p = RouteSourceProtocol.Connected; return true;
            case "static": p = RouteSourceProtocol.Static; return true;
            case "kernel": p = RouteSourceProtocol.Kernel; return true;
            default: return false;
        }
    }

    /// <summary>Parses the words after "match".</summary>
    public static MatchClause? ParseMatch(IReadOnlyList<string> a, out string? error)
    {
        ArgumentNullException.ThrowIfNull(a);
        error = null;
        string text = "match " + string.Join(' ', a);
        if (a.Count == 0) { error = "incomplete command: match"; return null; }
        switch (a[0])
        {
            case "ip" or "ipv6":
            {
                var afi = a[0] == "ipv6" ? Afi.Ipv6 : Afi.Ipv4;
                if (a.Count == 4 && a[1] == "address" && a[2] == "prefix-list") return new MatchPrefixList(afi, a[3]);
                if (a.Count == 4 && a[1] == "next-hop" && a[2] == "prefix-list") return new MatchNextHopPrefixList(afi, a[3]);
                if (a.Count is 3 or 4 && a[1] == "next-hop" && (a.Count == 3 || a[2] == "address"))
                {
                    string addrText = a[^1];
                    if (!IPAddress.TryParse(addrText, out var ip) || (ip.AddressFamily == SocketFamily.InterNetworkV6) != (afi == Afi.Ipv6))
                    {
                        error = $"invalid {a[0]} next-hop address '{addrText}'";
                        return null;
                    }
                    return new MatchNextHopAddress(ip);
                }
                if (a.Count == 3 && a[1] is "address" or "next-hop") { error = $"not supported yet: {text} (access-lists; use a prefix-list)"; return null; }
                error = $"not supported yet: {text}";
                return null;
            }
            case "community" when a.Count is 2 or 3:
                if (a.Count == 3 && a[2] != "exact-match") break;
                return new MatchCommunity(a[1], a.Count == 3);
            case "large-community" when a.Count is 2 or 3:
                if (a.Count == 3 && a[2] != "exact-match") break;
                return new MatchLargeCommunity(a[1], a.Count == 3);
            case "extcommunity" when a.Count == 2:
                return new MatchExtCommunity(a[1]);
            case "as-path" when a.Count == 2:
                return new MatchAsPath(a[1]);
            case "local-preference" when a.Count == 2:
                return TryU32(a[1], out uint lp, out error, "local-preference") ? new MatchLocalPreference(lp) : null;
            case "metric" when a.Count == 2:
                return TryU32(a[1], out uint med, out error, "metric") ? new MatchMetric(med) : null;
            case "origin" when a.Count == 2:
                if (TryParseOrigin(a[1], out var o)) return new MatchOrigin(o);
                error = $"invalid origin '{a[1]}' (igp, egp or incomplete)";
                return null;
            case "peer" when a.Count == 2:
                return new MatchPeer(a[1]);
            case "interface" when a.Count == 2:
                return new MatchInterface(a[1]);
            case "source-protocol" when a.Count == 2:
                if (TryParseProtocol(a[1], out var p)) return new MatchSourceProtocol(p);
                error = $"not supported yet: {text}";
                return null;
            case "tag" or "rpki" or "evpn" or "mac" or "ipv6-address" or "source-instance" or "alias" or "script" or "src-peer"
                or "probability" or "track" or "vrf":
                error = $"not supported yet: {text}";
                return null;
        }
        error = $"unknown command: {text}";
        return null;
    }

    /// <summary>Parses the words after "set".</summary>
    public static SetClause? ParseSet(IReadOnlyList<string> a, out string? error)
    {
        ArgumentNullException.ThrowIfNull(a);
        error = null;
        string text = "set " + string.Join(' ', a);
        if (a.Count == 0) { error = "incomplete command: set"; return null; }
        switch (a[0])
        {
            case "metric" when a.Count == 2:
                return TryArith(a[1], out var mm, out uint mv, out error, "metric") ? new SetMetric(mm, mv) : null;
            case "local-preference" when a.Count == 2:
                return TryArith(a[1], out var lm, out uint lv, out error, "local-preference") ? new SetLocalPreference(lm, lv) : null;
            case "weight" when a.Count == 2:
                return TryU32(a[1], out uint w, out error, "weight") ? new SetWeight(w) : null;
            case "origin" when a.Count == 2:
                if (TryParseOrigin(a[1], out var o)) return new SetOrigin(o);
                error = $"invalid origin '{a[1]}' (igp, egp or incomplete)";
                return null;
            case "community" when a.Count >= 2:
                return ParseSetCommunity(a, out error);
            case "comm-list" when a.Count == 3 && a[2] == "delete":
                return new SetCommListDelete(a[1]);
            case "large-community" when a.Count >= 2:
                return ParseSetLargeCommunity(a, out error);
            case "large-comm-list" when a.Count == 3 && a[2] == "delete":
                return new SetLargeCommListDelete(a[1]);
            case "extcommunity" when a.Count >= 3 && a[1] is "rt" or "soo":
            {
                var values = new List<ulong>();
                for (int i = 2; i < a.Count; i++)
                {
                    if (!ExtCommunityText.TryParse(a[1], a[i], out ulong v)) { error = $"invalid extended community '{a[i]}'"; return null; }
                    values.Add(v);
                }
                return new SetExtCommunity(a[1], values.ToEquatableArray());
            }
            case "as-path" when a.Count >= 3 && a[1] == "prepend":
                if (a[2] == "last-as")
                {
                    if (a.Count == 4 && int.TryParse(a[3], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 10)
                        return new SetAsPathPrependLastAs(n);
                    error = "set as-path prepend last-as takes a count 1..10";
                    return null;
                }
                return TryAsnList(a, 2, out var pre, out error) ? new SetAsPathPrepend(pre) : null;
            case "as-path" when a.Count >= 3 && a[1] == "exclude":
                return TryAsnList(a, 2, out var ex, out error) ? new SetAsPathExclude(ex) : null;
            case "ip" when a.Count == 3 && a[1] == "next-hop":
                if (a[2] == "peer-address") return new SetIpNextHop(NextHopSetKind.PeerAddress, null);
                if (a[2] == "unchanged") return new SetIpNextHop(NextHopSetKind.Unchanged, null);
                if (IPAddress.TryParse(a[2], out var v4) && v4.AddressFamily == SocketFamily.InterNetwork)
                    return new SetIpNextHop(NextHopSetKind.Address, v4);
                error = $"invalid IPv4 next hop '{a[2]}'";
                return null;
            case "ipv6" when a.Count >= 3 && a[1] == "next-hop":
                if (a.Count == 3 && a[2] == "peer-address") return new SetIpv6NextHop(Ipv6NextHopSetKind.PeerAddress, null);
                if (a.Count == 3 && a[2] == "prefer-global") return new SetIpv6NextHop(Ipv6NextHopSetKind.PreferGlobal, null);
                if (a.Count == 4 && a[2] is "global" or "local")
                {
                    if (IPAddress.TryParse(a[3], out var v6) && v6.AddressFamily == SocketFamily.InterNetworkV6)
                        return new SetIpv6NextHop(a[2] == "global" ? Ipv6NextHopSetKind.Global : Ipv6NextHopSetKind.Local, v6);
                    error = $"invalid IPv6 next hop '{a[3]}'";
                    return null;
                }
                break;
            case "src" when a.Count == 2:
                if (IPAddress.TryParse(a[1], out var src)) return new SetSrc(src);
                error = $"invalid source address '{a[1]}'";
                return null;
            case "tag" or "atomic-aggregate" or "aggregator" or "originator-id" or "label-index" or "table" or "distance"
                or "evpn" or "l3vpn" or "sr-te" or "extcommunity" or "as-path" or "aigp-metric" or "dampening" or "vpn":
                error = $"not supported yet: {text}";
                return null;
        }
        error = $"unknown command: {text}";
        return null;
    }

    private static SetCommunity? ParseSetCommunity(IReadOnlyList<string> a, out string? error)
    {
        error = null;
        if (a.Count == 2 && a[1] == "none") return new SetCommunity(EquatableArray<uint>.Empty, false, None: true);
        bool additive = a[^1] == "additive";
        int end = additive ? a.Count - 1 : a.Count;
        var values = new List<uint>();
        for (int i = 1; i < end; i++)
        {
            if (!StandardCommunity.TryParse(a[i], out uint v)) { error = $"invalid community '{a[i]}'"; return null; }
            if (!values.Contains(v)) values.Add(v);
        }
        if (values.Count == 0) { error = "set community needs at least one value"; return null; }
        return new SetCommunity(values.ToEquatableArray(), additive);
    }

    private static SetLargeCommunity? ParseSetLargeCommunity(IReadOnlyList<string> a, out string? error)
    {
        error = null;
        if (a.Count == 2 && a[1] == "none") return new SetLargeCommunity(EquatableArray<LargeCommunity>.Empty, false, None: true);
        bool additive = a[^1] == "additive";
        int end = additive ? a.Count - 1 : a.Count;
        var values = new List<LargeCommunity>();
        for (int i = 1; i < end; i++)
        {
            if (!LargeCommunity.TryParse(a[i], out var v)) { error = $"invalid large community '{a[i]}'"; return null; }
            if (!values.Contains(v)) values.Add(v);
        }
        if (values.Count == 0) { error = "set large-community needs at least one value"; return null; }
        return new SetLargeCommunity(values.ToEquatableArray(), additive);
    }

    private static bool TryAsnList(IReadOnlyList<string> a, int start, out EquatableArray<uint> asns, out string? error)
    {
        error = null;
        var list = new List<uint>();
        for (int i = start; i < a.Count; i++)
        {
            if (!AsnText.TryParse(a[i], out uint asn) || asn == 0) { error = $"invalid AS number '{a[i]}'"; asns = default; return false; }
            list.Add(asn);
        }
        asns = list.ToEquatableArray();
        return true;
    }

    private static bool TryU32(string s, out uint value, out string? error, string what)
    {
        error = null;
        if (uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value)) return true;
        error = $"invalid {what} '{s}' (0..4294967295)";
        return false;
    }

    private static bool TryArith(string s, out ArithmeticMode mode, out uint value, out string? error, string what)
    {
        mode = s.StartsWith('+') ? ArithmeticMode.Add : s.StartsWith('-') ? ArithmeticMode.Subtract : ArithmeticMode.Set;
        return TryU32(mode == ArithmeticMode.Set ? s : s[1..], out value, out error, what);
    }
}

/// <summary>AS numbers in asplain ("65001") or asdot ("1.10") notation (RFC 5396).</summary>
public static class AsnText
{
    public static bool TryParse(string text, out uint asn)
    {
        ArgumentNullException.ThrowIfNull(text);
        asn = 0;
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out asn);
        if (!ushort.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out ushort hi)
            || !ushort.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort lo))
            return false;
        asn = ((uint)hi << 16) | lo;
        return true;
    }
}
