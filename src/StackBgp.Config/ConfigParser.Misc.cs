using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Config;

internal sealed partial class ConfigParserState
{
    private readonly List<InterfaceConfig> _interfaces = [];
    private int _ifIndex;
    private readonly List<StaticRoute> _staticRoutes = [];
    private readonly List<BfdProfile> _bfdProfiles = [];
    private readonly List<BfdPeer> _bfdPeers = [];
    private int _bfdIndex;

    // ------------------------------------------------------------------ static routes

    private void StaticRouteCommand(string[] t, Afi afi)
    {
        // ip route PREFIX NEXTHOP|IFNAME|blackhole|reject [IFNAME] [DISTANCE]
        if (!Arity(t, 4, 6) || !Pfx(t[2], afi, out var p)) return;
        IPAddress? nh = null;
        string? ifname = null;
        bool blackhole = false;
        int? distance = null;
        var family = afi == Afi.Ipv6 ? SocketFamily.InterNetworkV6 : SocketFamily.InterNetwork;
        if (t[3] is "blackhole" or "Null0") blackhole = true;
        else if (t[3] == "reject") { Unsupported(_command); return; }
        else if (IPAddress.TryParse(t[3], out var a))
        {
            if (a.AddressFamily != family) { Error($"next hop '{t[3]}' is not an {(afi == Afi.Ipv6 ? "IPv6" : "IPv4")} address"); return; }
            nh = a;
        }
        else ifname = t[3];
        for (int i = 4; i < t.Length; i++)
        {
            if (char.IsAsciiDigit(t[i][0]) && !t[i].Contains('.', StringComparison.Ordinal) && !t[i].Contains(':', StringComparison.Ordinal))
            {
                if (!Int(t[i], 1, 255, "distance", out int d)) return;
                distance = d;
            }
            else if (nh is not null && ifname is null && !blackhole && t[i] is not ("tag" or "label" or "table" or "vrf" or "nexthop-vrf" or "onlink" or "color")) ifname = t[i];
            else { Unsupported(_command); return; }
        }
        _staticRoutes.RemoveAll(r => r.Prefix == p && Equals(r.NextHop, nh) && r.Interface == ifname && r.Blackhole == blackhole);
        _staticRoutes.Add(new StaticRoute(p, nh, ifname, blackhole, distance));
    }

    // ------------------------------------------------------------------ interfaces

    private void InterfaceHeader(string[] t)
    {
        if (!Arity(t, 2, 4)) return;
        if (t.Length > 2)
        {
            Unsupported(_command);
            EnterIgnored(Ctx.Root);
            return;
        }
        _ifIndex = _interfaces.FindIndex(i => i.Name == t[1]);
        if (_ifIndex < 0)
        {
            _interfaces.Add(new InterfaceConfig { Name = t[1] });
            _ifIndex = _interfaces.Count - 1;
        }
        _ctx = Ctx.Interface;
    }

    private void InterfaceLine(string[] t)
    {
        var cur = _interfaces[_ifIndex];
        bool neg = t[0] == "no";
        string[] c = neg ? t[1..] : t;
        switch (c[0])
        {
            case "exit":
                _ctx = Ctx.Root;
                return;
            case "description":
                _interfaces[_ifIndex] = cur with { Description = neg ? null : RestOf(c, 1) };
                return;
            case "ip" or "ipv6" when c.Length == 3 && c[1] == "address":
            {
                int slash = c[2].IndexOf('/', StringComparison.Ordinal);
                var family = c[0] == "ipv6" ? SocketFamily.InterNetworkV6 : SocketFamily.InterNetwork;
                if (slash < 0 || !IPAddress.TryParse(c[2].AsSpan(0, slash), out var addr) || addr.AddressFamily != family
                    || !int.TryParse(c[2].AsSpan(slash + 1), out int len) || len < 0 || len > (family == SocketFamily.InterNetworkV6 ? 128 : 32))
                {
                    Error($"invalid interface address '{c[2]}' (expected ADDRESS/LEN)");
                    return;
                }
                var ia = new InterfaceAddress(addr, len);
                var list = cur.Addresses.Items.Remove(ia);
                _interfaces[_ifIndex] = cur with { Addresses = (neg ? list : list.Add(ia)).ToEquatableArray() };
                return;
            }
            case "ipv6" when c.Length >= 3 && c[1] == "nd":
                if (c[2] == "suppress-ra" && c.Length == 3) { _interfaces[_ifIndex] = cur with { SuppressRa = !neg }; return; }
                if (c[2] == "ra-interval" && c.Length == 4 && !neg)
                {
                    // RFC 4861 §6.2.1: MaxRtrAdvInterval 4..1800 s.
                    if (Int(c[3], 1, 1800, "ra-interval", out int ra)) _interfaces[_ifIndex] = cur with { RaInterval = ra };
                    return;
                }
                if (c[2] == "ra-interval" && neg) { _interfaces[_ifIndex] = cur with { RaInterval = null }; return; }
                break;
        }
        Unsupported($"interface {cur.Name}: {_command}");
    }

    // ------------------------------------------------------------------ bfd (bfdd)

    private void BfdLine(string[] t)
    {
        switch (t[0])
        {
            case "exit":
                _ctx = Ctx.Root;
                return;
            case "profile":
                if (!Arity(t, 2, 2)) return;
                _bfdIndex = _bfdProfiles.FindIndex(p => p.Name == t[1]);
                if (_bfdIndex < 0)
                {
                    _bfdProfiles.Add(new BfdProfile(t[1], new BfdSettings()));
                    _bfdIndex = _bfdProfiles.Count - 1;
                }
                _ctx = Ctx.BfdProfile;
                return;
            case "peer":
                BfdPeerHeader(t);
                return;
        }
        Unknown();
    }

    private void BfdPeerHeader(string[] t)
    {
        // peer ADDR [multihop] [local-address A] [interface IF] [vrf V]
        if (!Arity(t, 2, 9) || !Ip(t[1], out var addr)) return;
        bool multihop = false;
        IPAddress? local = null;
        string? ifname = null, vrf = null;
        for (int i = 2; i < t.Length; i++)
        {
            switch (t[i])
            {
                case "multihop": multihop = true; break;
                case "local-address" when i + 1 < t.Length:
                    if (!Ip(t[++i], out var la)) return;
                    if (la.AddressFamily != addr.AddressFamily) { Error("local-address and peer address are of different families"); return; }
                    local = la;
                    break;
                case "interface" when i + 1 < t.Length: ifname = t[++i]; break;
                case "vrf" when i + 1 < t.Length: vrf = t[++i]; break;
                default: Unknown(); return;
            }
        }
        if (multihop && local is null) { Error("a multihop BFD peer needs local-address (RFC 5883)"); return; }
        if (vrf is not null && vrf != "default") { Unsupported($"bfd peer in vrf {vrf}"); return; }
        _bfdIndex = _bfdPeers.FindIndex(p => p.Address.Equals(addr) && p.Multihop == multihop && Equals(p.LocalAddress, local) && p.Interface == ifname);
        if (_bfdIndex < 0)
        {
            _bfdPeers.Add(new BfdPeer(addr, multihop, local, ifname, vrf, null, new BfdSettings()));
            _bfdIndex = _bfdPeers.Count - 1;
        }
        _ctx = Ctx.BfdPeer;
    }

    private void BfdSettingsLine(string[] t, bool isPeer)
    {
        bool neg = t[0] == "no";
        string[] c = neg ? t[1..] : t;
        var s = isPeer ? _bfdPeers[_bfdIndex].Settings : _bfdProfiles[_bfdIndex].Settings;
        BfdSettings? next = null;
        switch (c[0])
        {
            case "exit":
                _ctx = Ctx.Bfd;
                return;
            case "detect-multiplier":
                if (neg) next = s with { DetectMultiplier = null };
                else if (Arity(c, 2, 2) && Int(c[1], 2, 255, "detect-multiplier", out int m)) next = s with { DetectMultiplier = m };
                break;
            case "transmit-interval" or "receive-interval":
            {
                bool tx = c[0] == "transmit-interval";
                if (neg) next = tx ? s with { TransmitInterval = null } : s with { ReceiveInterval = null };
                else if (Arity(c, 2, 2) && Int(c[1], 10, 60000, c[0] + " (ms)", out int ms))
                    next = tx ? s with { TransmitInterval = ms } : s with { ReceiveInterval = ms };
                break;
            }
            case "passive-mode":
                if (Arity(c, 1, 1)) next = s with { PassiveMode = !neg };
                break;
            case "shutdown":
                if (Arity(c, 1, 1)) next = s with { Shutdown = !neg };
                break;
            case "minimum-ttl":
                if (neg) next = s with { MinimumTtl = null };
                else if (Arity(c, 2, 2) && Int(c[1], 1, 254, "minimum-ttl", out int ttl)) next = s with { MinimumTtl = ttl };
                break;
            case "echo-mode" or "echo-interval" or "echo":
                if (neg) return;
                Unsupported($"BFD echo mode ({_command})");
                return;
            case "profile" when isPeer:
                if (!Arity(c, 2, 2)) return;
                _bfdPeers[_bfdIndex] = _bfdPeers[_bfdIndex] with { Profile = neg ? null : c[1] };
                if (!neg) _bfdProfileRefs.Add((c[1], _line, _command));
                return;
            default:
                Unsupported(_command);
                return;
        }
        if (next is null) return;
        if (isPeer) _bfdPeers[_bfdIndex] = _bfdPeers[_bfdIndex] with { Settings = next };
        else _bfdProfiles[_bfdIndex] = _bfdProfiles[_bfdIndex] with { Settings = next };
    }

    // ------------------------------------------------------------------ StackBgp stanzas

    private void ExtensionCommand(string[] t)
    {
        switch (t[0])
        {
            case "api" when t.Length == 3 && t[1] == "socket":
                if (!t[2].StartsWith('/')) { Error($"api socket path must be absolute, not '{t[2]}'"); return; }
                _cfg = _cfg with { Api = (_cfg.Api ?? new ApiConfig(null, null, null, null)) with { SocketPath = t[2] } };
                return;
            case "api" when t.Length >= 3 && t[1] == "listen":
                if (t.Length != 8 || t[3] != "tls" || t[4] != "cert" || t[6] != "key")
                {
                    Error("api listen needs TLS: 'api listen ADDR:PORT tls cert FILE key FILE'");
                    return;
                }
                if (!Endpoint(t[2])) return;
                _cfg = _cfg with { Api = (_cfg.Api ?? new ApiConfig(null, null, null, null)) with { ListenEndpoint = t[2], TlsCertFile = t[5], TlsKeyFile = t[7] } };
                return;
            case "metrics" when t.Length == 3 && t[1] == "listen":
                if (Endpoint(t[2])) _cfg = _cfg with { Metrics = new MetricsConfig(t[2]) };
                return;
            case "fib" when t.Length == 2 && t[1] == "keep-on-exit":
                _cfg = _cfg with { Fib = _cfg.Fib with { KeepOnExit = true } };
                return;
            case "fib" when t.Length == 3 && t[1] == "sweep-time":
                if (Int(t[2], 0, 86400, "sweep-time", out int sw)) _cfg = _cfg with { Fib = _cfg.Fib with { SweepTimeSeconds = sw } };
                return;
            case "fib" when t.Length == 3 && t[1] == "protocol":
                if (Int(t[2], 1, 255, "fib protocol", out int pr)) _cfg = _cfg with { Fib = _cfg.Fib with { Protocol = pr } };
                return;
        }
        Unknown();
    }

    private bool Endpoint(string s)
    {
        int colon = s.LastIndexOf(':');
        if (colon > 0 && int.TryParse(s.AsSpan(colon + 1), out int port) && port is > 0 and <= 65535
            && IPAddress.TryParse(s[..colon].Trim('[', ']'), out _))
            return true;
        Error($"invalid endpoint '{s}' (expected ADDR:PORT, IPv6 as [ADDR]:PORT)");
        return false;
    }
}
