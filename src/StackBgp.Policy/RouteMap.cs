using System.Globalization;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>Where a route came from, as <c>match source-protocol</c> names it.</summary>
public enum RouteSourceProtocol
{
    Bgp,
    Connected,
    Static,
    Kernel,
}

/// <summary>What happens after a matching permit entry has applied its sets.</summary>
public enum ExitPolicy
{
    /// <summary>Stop: the route is permitted (FRR's default).</summary>
    Exit,
    /// <summary><c>on-match next</c> / <c>continue</c>: evaluate the next entry.</summary>
    Next,
    /// <summary><c>on-match goto N</c> / <c>continue N</c>: jump to the first entry with seq ≥ N.</summary>
    Goto,
}

/// <summary>Absolute value, or an increment/decrement (<c>set metric +10</c>).</summary>
public enum ArithmeticMode
{
    Set,
    Add,
    Subtract,
}

/// <summary>One route-map entry: <c>route-map NAME permit|deny SEQ</c> and its lines.</summary>
public sealed record RouteMapEntry(
    int Seq,
    PolicyAction Action,
    EquatableArray<MatchClause> Matches,
    EquatableArray<SetClause> Sets,
    ExitPolicy OnMatch = ExitPolicy.Exit,
    int? GotoSeq = null,
    string? Call = null,
    string? Description = null);

/// <summary>A route-map: entries sorted by sequence number; implicit deny after the last.</summary>
public sealed record RouteMap(string Name, EquatableArray<RouteMapEntry> Entries);

// ---------------------------------------------------------------- match clauses

/// <summary>A <c>match …</c> line. <see cref="Format"/> gives the text after "match ".</summary>
public abstract record MatchClause
{
    public abstract string Format();

    public sealed override string ToString() => "match " + Format();

    internal static string Fam(Afi afi) => afi == Afi.Ipv6 ? "ipv6" : "ip";
}

/// <summary><c>match ip|ipv6 address prefix-list NAME</c>.</summary>
public sealed record MatchPrefixList(Afi Afi, string Name) : MatchClause
{
    public override string Format() => $"{Fam(Afi)} address prefix-list {Name}";
}

/// <summary><c>match ip|ipv6 next-hop prefix-list NAME</c>.</summary>
public sealed record MatchNextHopPrefixList(Afi Afi, string Name) : MatchClause
{
    public override string Format() => $"{Fam(Afi)} next-hop prefix-list {Name}";
}

/// <summary><c>match ip|ipv6 next-hop address A</c>.</summary>
public sealed record MatchNextHopAddress(IPAddress Address) : MatchClause
{
    public override string Format() =>
        $"{(Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ip")} next-hop address {Address}";
}

/// <summary><c>match community NAME [exact-match]</c>.</summary>
public sealed record MatchCommunity(string List, bool ExactMatch) : MatchClause
{
    public override string Format() => ExactMatch ? $"community {List} exact-match" : $"community {List}";
}

/// <summary><c>match large-community NAME [exact-match]</c>.</summary>
public sealed record MatchLargeCommunity(string List, bool ExactMatch) : MatchClause
{
    public override string Format() => ExactMatch ? $"large-community {List} exact-match" : $"large-community {List}";
}

/// <summary><c>match extcommunity NAME</c>.</summary>
public sealed record MatchExtCommunity(string List) : MatchClause
{
    public override string Format() => $"extcommunity {List}";
}

/// <summary><c>match as-path NAME</c>.</summary>
public sealed record MatchAsPath(string List) : MatchClause
{
    public override string Format() => $"as-path {List}";
}

/// <summary><c>match local-preference N</c>.</summary>
public sealed record MatchLocalPreference(uint Value) : MatchClause
{
    public override string Format() => string.Create(CultureInfo.InvariantCulture, $"local-preference {Value}");
}

/// <summary><c>match metric N</c> (MED).</summary>
public sealed record MatchMetric(uint Value) : MatchClause
{
    public override string Format() => string.Create(CultureInfo.InvariantCulture, $"metric {Value}");
}

/// <summary><c>match origin igp|egp|incomplete</c>.</summary>
public sealed record MatchOrigin(Origin Origin) : MatchClause
{
    public override string Format() => $"origin {RouteMapSyntax.FormatOrigin(Origin)}";
}

/// <summary><c>match peer ADDR|IFNAME|local</c>.</summary>
public sealed record MatchPeer(string Peer) : MatchClause
{
    public override string Format() => $"peer {Peer}";
}

/// <summary><c>match interface IFNAME</c>.</summary>
public sealed record MatchInterface(string Name) : MatchClause
{
    public override string Format() => $"interface {Name}";
}

/// <summary><c>match source-protocol bgp|connected|static|kernel</c>.</summary>
public sealed record MatchSourceProtocol(RouteSourceProtocol Protocol) : MatchClause
{
    public override string Format() => $"source-protocol {RouteMapSyntax.FormatProtocol(Protocol)}";
}

// ---------------------------------------------------------------- set clauses

/// <summary>A <c>set …</c> line. <see cref="Format"/> gives the text after "set ".</summary>
public abstract record SetClause
{
    public abstract string Format();

    public sealed override string ToString() => "set " + Format();

    internal static string Arith(ArithmeticMode mode, uint value) => mode switch
    {
        ArithmeticMode.Add => string.Create(CultureInfo.InvariantCulture, $"+{value}"),
        ArithmeticMode.Subtract => string.Create(CultureInfo.InvariantCulture, $"-{value}"),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary><c>set metric N|+N|-N</c> (MED).</summary>
public sealed record SetMetric(ArithmeticMode Mode, uint Value) : SetClause
{
    public override string Format() => "metric " + Arith(Mode, Value);
}

/// <summary><c>set local-preference N|+N|-N</c>.</summary>
public sealed record SetLocalPreference(ArithmeticMode Mode, uint Value) : SetClause
{
    public override string Format() => "local-preference " + Arith(Mode, Value);
}

/// <summary><c>set weight N</c> (local to this router, never sent).</summary>
public sealed record SetWeight(uint Value) : SetClause
{
    public override string Format() => string.Create(CultureInfo.InvariantCulture, $"weight {Value}");
}

/// <summary><c>set origin igp|egp|incomplete</c>.</summary>
public sealed record SetOrigin(Origin Origin) : SetClause
{
    public override string Format() => $"origin {RouteMapSyntax.FormatOrigin(Origin)}";
}

/// <summary><c>set community VALUES [additive]</c> or <c>set community none</c>.</summary>
public sealed record SetCommunity(EquatableArray<uint> Values, bool Additive, bool None = false) : SetClause
{
    public override string Format() => None
        ? "community none"
        : $"community {string.Join(' ', Values.Select(StandardCommunity.Format))}{(Additive ? " additive" : "")}";
}

/// <summary><c>set comm-list NAME delete</c>: removes every community a permit entry of the list matches.</summary>
public sealed record SetCommListDelete(string List) : SetClause
{
    public override string Format() => $"comm-list {List} delete";
}

/// <summary><c>set large-community VALUES [additive]</c> or <c>none</c>.</summary>
public sealed record SetLargeCommunity(EquatableArray<LargeCommunity> Values, bool Additive, bool None = false) : SetClause
{
    public override string Format() => None
        ? "large-community none"
        : $"large-community {string.Join(' ', Values)}{(Additive ? " additive" : "")}";
}

/// <summary><c>set large-comm-list NAME delete</c>.</summary>
public sealed record SetLargeCommListDelete(string List) : SetClause
{
    public override string Format() => $"large-comm-list {List} delete";
}

/// <summary><c>set extcommunity rt|soo VALUES</c>: adds to the route's extended communities.</summary>
public sealed record SetExtCommunity(string Kind, EquatableArray<ulong> Values) : SetClause
{
    public override string Format() =>
        $"extcommunity {Kind} {string.Join(' ', Values.Select(v => ExtCommunityText.FormatConfig(v)[(Kind.Length + 1)..]))}";
}

/// <summary><c>set as-path prepend ASN…</c>.</summary>
public sealed record SetAsPathPrepend(EquatableArray<uint> Asns) : SetClause
{
    public override string Format() => $"as-path prepend {string.Join(' ', Asns)}";
}

/// <summary><c>set as-path prepend last-as N</c>: prepend the leftmost AS N times.</summary>
public sealed record SetAsPathPrependLastAs(int Count) : SetClause
{
    public override string Format() => string.Create(CultureInfo.InvariantCulture, $"as-path prepend last-as {Count}");
}

/// <summary><c>set as-path exclude ASN…</c>.</summary>
public sealed record SetAsPathExclude(EquatableArray<uint> Asns) : SetClause
{
    public override string Format() => $"as-path exclude {string.Join(' ', Asns)}";
}

public enum NextHopSetKind
{
    Address,
    PeerAddress,
    Unchanged,
}

/// <summary><c>set ip next-hop A.B.C.D|peer-address|unchanged</c>.</summary>
public sealed record SetIpNextHop(NextHopSetKind Kind, IPAddress? Address) : SetClause
{
    public override string Format() => Kind switch
    {
        NextHopSetKind.PeerAddress => "ip next-hop peer-address",
        NextHopSetKind.Unchanged => "ip next-hop unchanged",
        _ => $"ip next-hop {Address}",
    };
}

public enum Ipv6NextHopSetKind
{
    Global,
    Local,
    PeerAddress,
    PreferGlobal,
}

/// <summary><c>set ipv6 next-hop global A|local A|peer-address|prefer-global</c>.</summary>
public sealed record SetIpv6NextHop(Ipv6NextHopSetKind Kind, IPAddress? Address) : SetClause
{
    public override string Format() => Kind switch
    {
        Ipv6NextHopSetKind.Global => $"ipv6 next-hop global {Address}",
        Ipv6NextHopSetKind.Local => $"ipv6 next-hop local {Address}",
        Ipv6NextHopSetKind.PeerAddress => "ipv6 next-hop peer-address",
        _ => "ipv6 next-hop prefer-global",
    };
}

/// <summary><c>set src A</c>: the preferred source address of a kernel route (zebra route-maps).</summary>
public sealed record SetSrc(IPAddress Address) : SetClause
{
    public override string Format() => $"src {Address}";
}
