using System.Net;
using StackBgp.Wire;

namespace StackBgp.Config;

internal sealed partial class ConfigParserState
{
    /// <summary>Neighbor commands that belong to an address family (FRR's per-AF peer flags).</summary>
    private static readonly HashSet<string> AfNeighborCommands = new(StringComparer.Ordinal)
    {
        "activate", "route-map", "prefix-list", "filter-list", "allowas-in", "next-hop-self", "route-reflector-client",
        "send-community", "default-originate", "soft-reconfiguration", "maximum-prefix", "addpath-tx-all-paths",
        "addpath-tx-bestpath-per-AS", "remove-private-AS", "as-override", "attribute-unchanged", "weight",
        "unsuppress-map", "distribute-list", "capability-orf", "route-server-client", "maximum-prefix-out", "orf",
        "addpath-rx-paths-limit", "addpath-tx-best-selected", "disable-addpath-rx", "aigp", "path-attribute",
        "sender-as-path-loop-detection", "soo", "route-reflector-client",
    };

    private void Neighbor(string[] c, bool neg, AddressFamily af, bool inAf)
    {
        if (c.Length < 3) { Error($"incomplete command: {_command}"); return; }
        string name = c[1];
        string sub = c[2];
        bool isIp = IPAddress.TryParse(name, out var ip);
        string id = isIp ? ip!.ToString() : name;

        if (!neg && sub == "peer-group" && c.Length == 3)
        {
            if (isIp) { Error($"'{name}' is an address; a peer-group needs a name"); return; }
            if (_peers.TryGetValue(id, out var existing))
            {
                if (existing.Kind != NeighborKind.PeerGroup) Error($"'{name}' is already an interface neighbor");
                return;
            }
            _peers[id] = new NeighborConfig { Id = id, Kind = NeighborKind.PeerGroup };
            _groupOrder.Add(id);
            _peerLines[id] = (_line, _command);
            return;
        }
        if (!neg && sub == "interface")
        {
            InterfaceNeighbor(c, id, isIp);
            return;
        }

        if (!_peers.ContainsKey(id))
        {
            if (neg) { Error($"no such neighbor or peer-group '{name}'"); return; }
            if (!isIp) { Error($"'{name}' is not a neighbor address, a configured peer-group or an interface neighbor (create the peer-group or interface first)"); return; }
            if (sub is not ("remote-as" or "peer-group")) { Error($"neighbor {name}: specify remote-as or peer-group commands first"); return; }
            if (sub == "peer-group" && (c.Length != 4 || !RequireGroup(c[3]))) { if (c.Length != 4) Arity(c, 4, 4); return; }
            _peers[id] = new NeighborConfig { Id = id, Kind = NeighborKind.Address, Address = ip };
            _neighborOrder.Add(id);
            _peerLines[id] = (_line, _command);
        }

        if (AfNeighborCommands.Contains(sub)) NeighborAf(c, neg, id, af);
        else if (inAf) Error($"'{sub}' is not an address-family command");
        else NeighborSession(c, neg, id);
    }

    private void InterfaceNeighbor(string[] c, string id, bool isIp)
    {
        if (isIp) { Error($"'{c[1]}' is an address; 'neighbor IFNAME interface' needs an interface name"); return; }
        if (_peers.TryGetValue(id, out var existing) && existing.Kind == NeighborKind.PeerGroup)
        {
            Error($"'{id}' is a peer-group, not an interface");
            return;
        }
        var n = existing ?? new NeighborConfig { Id = id, Kind = NeighborKind.Interface };
        int i = 3;
        if (i < c.Length && c[i] == "v6only") { n = n with { InterfaceV6Only = true }; i++; }
        if (i < c.Length && c[i] == "peer-group")
        {
            if (i + 2 != c.Length) { Arity(c, i + 2, i + 2); return; }
            if (!RequireGroup(c[i + 1])) return;
            n = n with { PeerGroup = c[i + 1] };
        }
        else if (i < c.Length && c[i] == "remote-as")
        {
            if (i + 2 != c.Length) { Arity(c, i + 2, i + 2); return; }
            if (!RemoteAs(c[i + 1], out var ra)) return;
            n = n with { RemoteAs = ra };
        }
        else if (i != c.Length) { Unsupported(_command); return; }
        if (existing is null)
        {
            _neighborOrder.Add(id);
            _peerLines[id] = (_line, _command);
        }
        _peers[id] = n;
    }

    private bool RequireGroup(string group)
    {
        if (_peers.TryGetValue(group, out var g) && g.Kind == NeighborKind.PeerGroup) return true;
        Error($"peer-group '{group}' does not exist (configure 'neighbor {group} peer-group' first)");
        return false;
    }

    private bool RemoteAs(string s, out RemoteAsSpec spec)
    {
        spec = new RemoteAsSpec(RemoteAsKind.Internal);
        if (s == "internal") return true;
        if (s == "external") { spec = new RemoteAsSpec(RemoteAsKind.External); return true; }
        if (!Asn(s, out uint asn)) return false;
        spec = new RemoteAsSpec(RemoteAsKind.Number, asn);
        return true;
    }

    private void Update(string id, Func<NeighborConfig, NeighborConfig> change) => _peers[id] = change(_peers[id]);

    private void NeighborSession(string[] c, bool neg, string id)
    {
        var n = _peers[id];
        bool group = n.Kind == NeighborKind.PeerGroup;
        string sub = c[2];
        int argc = c.Length - 3;
        switch (sub)
        {
            case "remote-as":
                if (neg) { Update(id, x => x with { RemoteAs = null }); return; }
                if (!Arity(c, 4, 4) || !RemoteAs(c[3], out var ra)) return;
                if (n.PeerGroup is not null && _peers[n.PeerGroup].RemoteAs is { } gra && gra != ra)
                {
                    Error($"peer-group member cannot override remote-as of peer-group {n.PeerGroup} ({gra})");
                    return;
                }
                Update(id, x => x with { RemoteAs = ra });
                return;
            case "peer-group":
                if (group) { Error($"'{id}' is itself a peer-group"); return; }
                if (neg) { Update(id, x => x with { PeerGroup = null }); return; }
                if (!Arity(c, 4, 4) || !RequireGroup(c[3])) return;
                if (n.RemoteAs is { } own && _peers[c[3]].RemoteAs is { } gas && gas != own)
                {
                    Error($"peer with remote-as {own} cannot be in peer-group {c[3]} (remote-as {gas})");
                    return;
                }
                Update(id, x => x with { PeerGroup = c[3] });
                return;
            case "description":
                if (neg) { Update(id, x => x with { Description = null }); return; }
                if (Arity(c, 4, int.MaxValue)) Update(id, x => x with { Description = RestOf(c, 3) });
                return;
            case "timers" when argc >= 1 && c[3] == "connect":
                if (neg) { Update(id, x => x with { ConnectRetry = null }); return; }
                if (Arity(c, 5, 5) && Int(c[4], 1, 65535, "connect timer", out int cr)) Update(id, x => x with { ConnectRetry = cr });
                return;
            case "timers" when argc >= 1 && c[3] == "send-hold":
                // RFC 9687 §4 leaves SendHoldTime to configuration (default max(8 min, 2 × hold time)).
                if (neg) { Update(id, x => x with { SendHold = null }); return; }
                if (Arity(c, 5, 5) && Int(c[4], 1, 65535, "send hold time", out int sh)) Update(id, x => x with { SendHold = sh });
                return;
            case "timers" when argc >= 1 && c[3] == "delayopen":
                Unsupported(_command);
                return;
            case "timers":
                if (neg) { Update(id, x => x with { Timers = null }); return; }
                if (Arity(c, 5, 5) && Int(c[3], 0, 65535, "keepalive", out int ka) && Hold(c[4], out int hold))
                    Update(id, x => x with { Timers = (ka, hold) });
                return;
            case "passive":
                if (Arity(c, 3, 3)) Update(id, x => x with { Passive = !neg });
                return;
            case "update-source":
                if (neg) { Update(id, x => x with { UpdateSource = null }); return; }
                if (Arity(c, 4, 4)) Update(id, x => x with { UpdateSource = IPAddress.TryParse(c[3], out var us) ? us.ToString() : c[3] });
                return;
            case "ebgp-multihop":
                if (neg) { Update(id, x => x with { EbgpMultihop = null }); return; }
                if (!Arity(c, 3, 4)) return;
                if (argc == 0) Update(id, x => x with { EbgpMultihop = 255 });
                else if (Int(c[3], 1, 255, "ebgp-multihop TTL", out int ttl)) Update(id, x => x with { EbgpMultihop = ttl });
                return;
            case "shutdown":
                if (neg) { Update(id, x => x with { Shutdown = false, ShutdownMessage = null }); return; }
                if (argc == 0) { Update(id, x => x with { Shutdown = true }); return; }
                if (c[3] == "message" && argc >= 2)
                {
                    // RFC 9003: the shutdown communication is at most 255 octets of UTF-8.
                    string msg = RestOf(c, 4);
                    if (System.Text.Encoding.UTF8.GetByteCount(msg) > 255) { Error("shutdown message is longer than 255 octets (RFC 9003)"); return; }
                    Update(id, x => x with { Shutdown = true, ShutdownMessage = msg });
                    return;
                }
                Unsupported(_command);
                return;
            case "port":
                if (neg) { Update(id, x => x with { Port = null }); return; }
                if (Arity(c, 4, 4) && Int(c[3], 0, 65535, "port", out int port)) Update(id, x => x with { Port = port });
                return;
            case "password":
                if (neg) { Update(id, x => x with { Password = null }); return; }
                if (c.Length != 4) { Error("password must be one word, without spaces (as FRR takes it)"); return; }
                // RFC 2385 keys live in the kernel's TCP_MD5SIG struct: at most 80 octets.
                string pw = c[3];
                if (pw.Length > 80) { Error("password is longer than 80 characters (TCP_MD5SIG key limit)"); return; }
                Update(id, x => x with { Password = new Secret(pw) });
                return;
            case "ttl-security":
                if (neg) { Update(id, x => x with { TtlSecurityHops = null }); return; }
                if (!Arity(c, 5, 5) || c[3] != "hops") { if (c.Length == 5) Unknown(); return; }
                if (Int(c[4], 1, 254, "ttl-security hops", out int hops)) Update(id, x => x with { TtlSecurityHops = hops });
                return;
            case "disable-connected-check":
                if (Arity(c, 3, 3)) Update(id, x => x with { DisableConnectedCheck = !neg });
                return;
            case "bfd":
                NeighborBfd(c, neg, id);
                return;
            case "capability":
                if (argc == 1 && c[3] == "extended-nexthop") { Update(id, x => x with { CapabilityExtendedNexthop = !neg }); return; }
                Unsupported(_command);
                return;
            case "graceful-restart" or "graceful-restart-helper" or "graceful-restart-disable":
                if (!Arity(c, 3, 3)) return;
                var mode = sub switch
                {
                    "graceful-restart" => GracefulRestartMode.Enabled,
                    "graceful-restart-helper" => GracefulRestartMode.HelperOnly,
                    _ => GracefulRestartMode.Disabled,
                };
                Update(id, x => x with { GracefulRestart = neg ? null : mode });
                return;
            case "advertisement-interval":
                if (neg) { Update(id, x => x with { AdvertisementInterval = null }); return; }
                if (Arity(c, 4, 4) && Int(c[3], 0, 600, "advertisement-interval", out int adv)) Update(id, x => x with { AdvertisementInterval = adv });
                return;
            case "local-as":
            {
                if (neg) { Update(id, x => x with { LocalAs = null }); return; }
                if (!Arity(c, 4, 6) || !Asn(c[3], out uint las)) return;
                bool noPrepend = argc >= 2 && c[4] == "no-prepend";
                bool replace = argc == 3 && c[5] == "replace-as";
                if ((argc >= 2 && !noPrepend) || (argc == 3 && !replace)) { Unknown(); return; }
                Update(id, x => x with { LocalAs = new LocalAsSpec(las, noPrepend, replace) });
                return;
            }
            case "solo":
                if (Arity(c, 3, 3)) Update(id, x => x with { Solo = !neg });
                return;
            case "enforce-first-as":
                if (Arity(c, 3, 3)) Update(id, x => x with { EnforceFirstAs = !neg });
                return;
            case "strict-capability-match" or "override-capability" or "dont-capability-negotiate" or "local-role"
                or "dynamic-capability" or "tcp-mss" or "path-attribute" or "extended-optional-parameters" or "oad"
                or "as-loop-detection" or "ip-transparent" or "bgp-role" or "capability-dynamic" or "interface":
                Unsupported(_command);
                return;
        }
        Unknown();
    }

    private void NeighborBfd(string[] c, bool neg, string id)
    {
        int argc = c.Length - 3;
        if (argc == 0) { Update(id, x => neg ? x with { Bfd = false, BfdProfile = null } : x with { Bfd = true }); return; }
        switch (c[3])
        {
            case "profile" when argc == 2 || (neg && argc == 1):
                if (neg) { Update(id, x => x with { BfdProfile = null }); return; }
                Update(id, x => x with { Bfd = true, BfdProfile = c[4] });
                _bfdProfileRefs.Add((c[4], _line, _command));
                return;
            case "check-control-plane-failure" when argc == 1:
                Update(id, x => x with { BfdCheckControlPlaneFailure = !neg });
                return;
        }
        Unsupported(_command);
    }

    private void NeighborAf(string[] c, bool neg, string id, AddressFamily af)
    {
        string sub = c[2];
        int argc = c.Length - 3;
        void Set(Func<NeighborAfConfig, NeighborAfConfig> change) => Update(id, x => x.WithAf(af, change));
        switch (sub)
        {
            case "activate":
                if (Arity(c, 3, 3)) Set(a => a with { Activate = !neg });
                return;
            case "route-map" or "prefix-list" or "filter-list":
            {
                if (!Arity(c, 5, 5)) return;
                if (c[4] is not ("in" or "out")) { Error($"direction must be 'in' or 'out', not '{c[4]}'"); return; }
                bool inbound = c[4] == "in";
                string? name = neg ? null : c[3];
                if (!neg)
                {
                    if (sub == "route-map") RefRouteMap(c[3]);
                    else if (sub == "prefix-list") RefPrefixList(af.Afi, c[3]);
                    else RefAsPathList(c[3]);
                }
                Set(a => (sub, inbound) switch
                {
                    ("route-map", true) => a with { RouteMapIn = name },
                    ("route-map", false) => a with { RouteMapOut = name },
                    ("prefix-list", true) => a with { PrefixListIn = name },
                    ("prefix-list", false) => a with { PrefixListOut = name },
                    (_, true) => a with { FilterListIn = name },
                    _ => a with { FilterListOut = name },
                });
                return;
            }
            case "allowas-in":
                if (neg) { Set(a => a with { AllowAsIn = null }); return; }
                if (!Arity(c, 3, 4)) return;
                if (argc == 0) Set(a => a with { AllowAsIn = new AllowAsInSpec(3, false) });
                else if (c[3] == "origin") Set(a => a with { AllowAsIn = new AllowAsInSpec(1, true) });
                else if (Int(c[3], 1, 10, "allowas-in count", out int n)) Set(a => a with { AllowAsIn = new AllowAsInSpec(n, false) });
                return;
            case "next-hop-self":
                if (!Arity(c, 3, 4)) return;
                if (argc == 1 && c[3] != "force") { Unknown(); return; }
                var nhs = argc == 1 ? NextHopSelfMode.Force : NextHopSelfMode.On;
                Set(a => a with { NextHopSelf = neg ? null : nhs });
                return;
            case "route-reflector-client":
                if (Arity(c, 3, 3)) Set(a => a with { RouteReflectorClient = !neg });
                return;
            case "send-community":
            {
                if (!Arity(c, 3, 4)) return;
                var kinds = argc == 0 ? CommunityKinds.Standard : c[3] switch
                {
                    "standard" => CommunityKinds.Standard,
                    "extended" => CommunityKinds.Extended,
                    "large" => CommunityKinds.Large,
                    "both" => CommunityKinds.Standard | CommunityKinds.Extended,
                    "all" => CommunityKinds.All,
                    _ => CommunityKinds.None,
                };
                if (kinds == CommunityKinds.None) { Unknown(); return; }
                Set(a =>
                {
                    var cur = a.SendCommunity ?? CommunityKinds.All;
                    var next = neg ? cur & ~kinds : cur | kinds;
                    return a with { SendCommunity = next == CommunityKinds.All ? null : next };
                });
                return;
            }
            case "default-originate":
                if (neg) { Set(a => a with { DefaultOriginate = null }); return; }
                if (argc == 0) { Set(a => a with { DefaultOriginate = new DefaultOriginateSpec(null) }); return; }
                if (argc == 2 && c[3] == "route-map")
                {
                    RefRouteMap(c[4]);
                    Set(a => a with { DefaultOriginate = new DefaultOriginateSpec(c[4]) });
                    return;
                }
                Unknown();
                return;
            case "soft-reconfiguration":
                if (Arity(c, 4, 4) && c[3] == "inbound") Set(a => a with { SoftReconfigurationInbound = !neg });
                else if (c.Length == 4) Unknown();
                return;
            case "maximum-prefix":
                MaximumPrefix(c, neg, Set);
                return;
            case "addpath-tx-all-paths":
                if (Arity(c, 3, 3)) Set(a => a with { AddpathTxAllPaths = !neg });
                return;
            case "remove-private-AS":
            {
                if (neg) { Set(a => a with { RemovePrivateAs = null }); return; }
                string variant = RestOf(c, 3);
                if (variant is not ("" or "all" or "replace-AS" or "all replace-AS")) { Unknown(); return; }
                Set(a => a with { RemovePrivateAs = variant.Length == 0 ? "default" : variant });
                return;
            }
            case "as-override":
                if (Arity(c, 3, 3)) Set(a => a with { AsOverride = !neg });
                return;
            case "attribute-unchanged":
            {
                if (neg) { Set(a => a with { AttributeUnchanged = null }); return; }
                var parts = c[3..];
                if (parts.Any(p => p is not ("as-path" or "next-hop" or "med"))) { Unknown(); return; }
                string v = parts.Length == 0 ? "as-path next-hop med" : string.Join(' ', parts);
                Set(a => a with { AttributeUnchanged = v });
                return;
            }
            case "weight":
                if (neg) { Set(a => a with { Weight = null }); return; }
                if (Arity(c, 4, 4) && Int(c[3], 0, 65535, "weight", out int w)) Set(a => a with { Weight = (uint)w });
                return;
        }
        Unsupported(_command);
    }

    private void MaximumPrefix(string[] c, bool neg, Action<Func<NeighborAfConfig, NeighborAfConfig>> set)
    {
        if (neg) { set(a => a with { MaximumPrefix = null }); return; }
        if (!Arity(c, 4, 8) || !UInt(c[3], 1, uint.MaxValue, "maximum-prefix", out uint limit)) return;
        int? threshold = null, restart = null;
        bool warning = false;
        for (int i = 4; i < c.Length; i++)
        {
            if (c[i] == "warning-only") warning = true;
            else if (c[i] == "restart" && i + 1 < c.Length)
            {
                if (!Int(c[++i], 1, 65535, "restart interval", out int r)) return;
                restart = r;
            }
            else if (i == 4 && char.IsAsciiDigit(c[i][0]))
            {
                if (!Int(c[i], 1, 100, "threshold", out int th)) return;
                threshold = th;
            }
            else { Unsupported(_command); return; }
        }
        if (warning && restart is not null) { Error("maximum-prefix: warning-only and restart are exclusive"); return; }
        set(a => a with { MaximumPrefix = new MaximumPrefixSpec(limit, threshold, warning, restart) });
    }
}
