using System.Globalization;
using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Config;

/// <summary>
/// Parses FRR-syntax configuration (the subset Red Hat OpenStack renders, plus StackBgp stanzas)
/// into a <see cref="StackBgpConfig"/>. Blocks are found as FRR's vtysh finds them, not by
/// indentation: a line the current block does not own closes it and is tried in the parent.
/// Nothing is silently ignored: unknown commands are errors naming file, line and command.
/// </summary>
public static class ConfigParser
{
    public static ConfigParseResult Parse(string text, string fileName = "stackbgp.conf")
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ConfigParserState(fileName).Run(text);
    }

    public static ConfigParseResult ParseFile(string path) => Parse(File.ReadAllText(path), path);
}

internal sealed partial class ConfigParserState
{
    private enum Ctx
    {
        Root,
        Bgp,
        BgpAf,
        IgnoredBlock,
        RouteMap,
        Interface,
        Bfd,
        BfdProfile,
        BfdPeer,
        LineVty,
    }

    private readonly string _file;
    private readonly List<ConfigError> _errors = [];
    private readonly List<ConfigError> _warnings = [];
    private Ctx _ctx = Ctx.Root;
    private Ctx _ignoredParent = Ctx.Root;
    private int _line;
    private string _command = "";
    private StackBgpConfig _cfg = new();

    public ConfigParserState(string file) => _file = file;

    public ConfigParseResult Run(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            _line = i + 1;
            string trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed[0] is '!' or '#') continue;
            var t = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            _command = RedactCommand(t, trimmed);
            Dispatch(t);
        }
        var config = Finish();
        return new ConfigParseResult(_errors.Count == 0 ? config : null, _errors, _warnings);
    }

    private void Dispatch(string[] t)
    {
        while (true)
        {
            if (t[0] == "end")
            {
                _ctx = Ctx.Root;
                return;
            }
            if (_ctx == Ctx.Root)
            {
                Root(t);
                return;
            }
            if (Owns(_ctx, t))
            {
                switch (_ctx)
                {
                    case Ctx.Bgp: Bgp(t); break;
                    case Ctx.BgpAf: BgpAf(t); break;
                    case Ctx.IgnoredBlock: Ignored(t); break;
                    case Ctx.RouteMap: RouteMapLine(t); break;
                    case Ctx.Interface: InterfaceLine(t); break;
                    case Ctx.Bfd: BfdLine(t); break;
                    case Ctx.BfdProfile: BfdSettingsLine(t, isPeer: false); break;
                    case Ctx.BfdPeer: BfdSettingsLine(t, isPeer: true); break;
                    case Ctx.LineVty: LineVty(t); break;
                }
                return;
            }
            _ctx = Parent(_ctx);
        }
    }

    private Ctx Parent(Ctx ctx) => ctx switch
    {
        Ctx.BgpAf => Ctx.Bgp,
        Ctx.IgnoredBlock => _ignoredParent,
        Ctx.BfdProfile or Ctx.BfdPeer => Ctx.Bfd,
        _ => Ctx.Root,
    };

    private static bool IsRootBgpList(string[] t) =>
        t.Length > 1 && t[0] == "bgp" && t[1] is "community-list" or "large-community-list" or "extcommunity-list" or "as-path";

    /// <summary>Which commands a block accepts; anything else closes the block (as vtysh does).</summary>
    private bool Owns(Ctx ctx, string[] t)
    {
        string w = t[0];
        string[] rest = t.Length > 1 && w == "no" ? t[1..] : t;
        string k = rest[0];
        switch (ctx)
        {
            case Ctx.Bgp:
                if (IsRootBgpList(rest)) return false;
                return k is "bgp" or "neighbor" or "address-family" or "timers" or "coalesce-time" or "network" or "redistribute"
                    or "maximum-paths" or "aggregate-address" or "exit" or "distance" or "table-map" or "update-delay"
                    or "read-quanta" or "write-quanta" or "auto-summary" or "synchronization";
            case Ctx.BgpAf:
                if (k == "neighbor") return rest.Length > 2 && AfNeighborCommands.Contains(rest[2]);
                return k is "exit-address-family" or "exit" or "network" or "redistribute" or "maximum-paths" or "aggregate-address"
                    or "table-map" or "distance" or "import" or "export" or "label" or "rd" or "rt" or "nexthop";
            case Ctx.IgnoredBlock:
                if (k is "exit-address-family" or "exit" or "exit-vrf") return true;
                // An unsupported top-level block (vrf, router ospf …) swallows everything up to the next
                // top-level command; one inside router bgp (an address-family) only what router bgp does not own.
                if (_ignoredParent == Ctx.Root) return !IsRootKeyword(rest);
                if (k == "neighbor") return rest.Length > 2 && AfNeighborCommands.Contains(rest[2]);
                return !Owns(Ctx.Bgp, t) && !IsRootKeyword(rest);
            case Ctx.RouteMap:
                return k is "match" or "set" or "on-match" or "call" or "continue" or "description" or "exit";
            case Ctx.Interface:
                return k is "description" or "exit" or "shutdown" or "link-detect" or "mtu" or "bandwidth" or "multicast"
                    || (k is "ip" or "ipv6" && rest.Length > 1 && rest[1] is "address" or "nd" or "ospf" or "router");
            case Ctx.Bfd:
                return k is "profile" or "peer" or "exit";
            case Ctx.BfdProfile:
                return k is "detect-multiplier" or "transmit-interval" or "receive-interval" or "passive-mode" or "minimum-ttl"
                    or "shutdown" or "echo-mode" or "echo-interval" or "echo" or "exit";
            case Ctx.BfdPeer:
                return k is "detect-multiplier" or "transmit-interval" or "receive-interval" or "passive-mode" or "minimum-ttl"
                    or "shutdown" or "echo-mode" or "echo-interval" or "echo" or "exit" or "profile" or "label";
            case Ctx.LineVty:
                return k is "exec-timeout" or "access-class" or "login" or "exit"
                    || (k == "ipv6" && rest.Length > 1 && rest[1] == "access-class");
            default:
                return false;
        }
    }

    private static bool IsRootKeyword(string[] t) =>
        IsRootBgpList(t) || t[0] is "frr" or "hostname" or "log" or "service" or "line" or "router" or "ip" or "ipv6" or "route-map"
            or "interface" or "bfd" or "api" or "metrics" or "fib" or "vrf" or "password" or "enable" or "debug" or "agentx"
            or "access-list" or "segment-routing" or "mpls" or "key" or "nexthop-group";

    // ------------------------------------------------------------------ diagnostics

    /// <summary>Diagnostics quote the command; a password in it is replaced so that logs never carry it.</summary>
    private static string RedactCommand(string[] t, string line)
    {
        int i = Array.IndexOf(t, "password");
        if (i < 0 || i == t.Length - 1) return line;
        return string.Join(' ', t[..(i + 1)]) + " " + ConfigPrinter.Redacted;
    }

    private void Error(string message) => _errors.Add(new ConfigError(_file, _line, _command, message));

    private void Warning(string message) => _warnings.Add(new ConfigError(_file, _line, _command, message, ConfigSeverity.Warning));

    private void Unsupported(string what) => Error(ConfigError.NotSupportedPrefix + what);

    private void Unknown() => Error($"unknown command: {_command}");

    private bool Arity(string[] t, int min, int max)
    {
        if (t.Length < min) { Error($"incomplete command: {_command}"); return false; }
        if (t.Length > max) { Error($"unexpected words after '{string.Join(' ', t[..max])}': {string.Join(' ', t[max..])}"); return false; }
        return true;
    }

    private bool Int(string s, long min, long max, string what, out int value)
    {
        value = 0;
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max && v <= int.MaxValue)
        {
            value = (int)v;
            return true;
        }
        Error($"{what} '{s}' is out of range ({min}..{max})");
        return false;
    }

    private bool UInt(string s, uint min, uint max, string what, out uint value)
    {
        if (uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        Error($"{what} '{s}' is out of range ({min}..{max})");
        return false;
    }

    private bool Asn(string s, out uint asn)
    {
        if (AsnText.TryParse(s, out asn) && asn != 0) return true;
        Error($"invalid AS number '{s}' (1..4294967295, or asdot N.N)");
        return false;
    }

    private bool Ip(string s, out IPAddress ip, SocketFamily? family = null)
    {
        if (IPAddress.TryParse(s, out var parsed) && !s.Contains('/', StringComparison.Ordinal)
            && (family is null || parsed.AddressFamily == family))
        {
            ip = parsed;
            return true;
        }
        ip = IPAddress.None;
        Error(family switch
        {
            SocketFamily.InterNetwork => $"invalid IPv4 address '{s}'",
            SocketFamily.InterNetworkV6 => $"invalid IPv6 address '{s}'",
            _ => $"invalid IP address '{s}'",
        });
        return false;
    }

    private bool Pfx(string s, Afi? afi, out Prefix prefix)
    {
        if (!s.Contains('/', StringComparison.Ordinal) || !Prefix.TryParse(s, strictHostBits: false, out prefix))
        {
            prefix = default;
            Error($"invalid prefix '{s}' (expected A.B.C.D/M or X:X::X:X/M)");
            return false;
        }
        if (!Prefix.TryParse(s, out _))
        {
            Error($"prefix '{s}' has host bits set (did you mean {prefix}?)");
            return false;
        }
        if (afi is Afi a && prefix.Afi != a)
        {
            Error($"prefix '{s}' is not an {(a == Afi.Ipv6 ? "IPv6" : "IPv4")} prefix");
            return false;
        }
        return true;
    }

    private string RestOf(string[] t, int from) => string.Join(' ', t[from..]);

    // ------------------------------------------------------------------ root

    private void Root(string[] t)
    {
        switch (t[0])
        {
            case "exit":
                return;
            case "frr" when t.Length == 3 && t[1] == "version":
                _cfg = _cfg with { FrrVersion = t[2] };
                return;
            case "frr" when t.Length == 3 && t[1] == "defaults":
                if (t[2] == "traditional") _cfg = _cfg with { Defaults = FrrDefaultsProfile.Traditional };
                else if (t[2] == "datacenter") _cfg = _cfg with { Defaults = FrrDefaultsProfile.Datacenter };
                else Error($"unknown defaults profile '{t[2]}' (traditional or datacenter)");
                if (_bgpSeen) Warning("frr defaults after router bgp: FRR reads it before anything else; applied to the whole file");
                return;
            case "hostname":
                if (Arity(t, 2, 2)) _cfg = _cfg with { Hostname = t[1] };
                return;
            case "log":
                if (Arity(t, 2, int.MaxValue)) _cfg = _cfg with { LogLines = _cfg.LogLines.Add(string.Join(' ', t)) };
                return;
            case "service" when t.Length == 2 && t[1] == "integrated-vtysh-config":
                _cfg = _cfg with { ServiceIntegratedVtyshConfig = true };
                return;
            case "service":
                Unsupported(_command);
                return;
            case "line" when t.Length == 2 && t[1] == "vty":
                _ctx = Ctx.LineVty;
                return;
            case "router":
                RouterCommand(t);
                return;
            case "ip" or "ipv6":
                IpCommand(t);
                return;
            case "zebra" when t.Length == 4 && t[1] == "nexthop" && t[2] == "kernel" && t[3] == "enable":
                _cfg = _cfg with { Fib = _cfg.Fib with { KernelNexthops = true } };
                return;
            case "no" when t.Length == 5 && t[1] == "zebra" && t[2] == "nexthop" && t[3] == "kernel" && t[4] == "enable":
                _cfg = _cfg with { Fib = _cfg.Fib with { KernelNexthops = false } };
                return;
            case "no" when t.Length == 3 && t[1] is "ip" or "ipv6" && t[2] == "forwarding":
                Warning("ignored: StackBgp does not change the kernel's forwarding sysctls");
                return;
            case "bgp" when IsRootBgpList(t):
                BgpListCommand(t);
                return;
            case "route-map":
                RouteMapHeader(t);
                return;
            case "interface":
                InterfaceHeader(t);
                return;
            case "bfd" when t.Length == 1:
                _ctx = Ctx.Bfd;
                return;
            case "api" or "metrics" or "fib":
                ExtensionCommand(t);
                return;
            case "vrf":
                Unsupported($"vrf {(t.Length > 1 ? t[1] : "")}".TrimEnd());
                EnterIgnored(Ctx.Root);
                return;
            case "password" or "enable" or "debug" or "agentx" or "access-list" or "segment-routing" or "mpls" or "key"
                or "nexthop-group" or "username" or "banner" or "allow-external-route-update" or "zebra" or "table":
                Unsupported(_command);
                return;
        }
        Unknown();
    }

    private void EnterIgnored(Ctx parent)
    {
        _ignoredParent = parent;
        _ctx = Ctx.IgnoredBlock;
    }

    private void Ignored(string[] t)
    {
        if (t[0] is "exit-address-family" or "exit" or "exit-vrf") _ctx = _ignoredParent;
    }

    private void LineVty(string[] t)
    {
        if (t[0] == "exit") { _ctx = Ctx.Root; return; }
        if (t[0] == "exec-timeout" && t.Length is 2 or 3) return; // vtysh session timeout: no meaning for stackbgp
        Unsupported($"line vty: {_command}");
    }

    private void RouterCommand(string[] t)
    {
        if (t.Length >= 2 && t[1] == "bgp")
        {
            if (t.Length == 2) { Error("incomplete command: router bgp needs an AS number"); return; }
            if (t.Length > 3)
            {
                Unsupported(t[3] == "vrf" ? $"router bgp {t[2]} vrf {(t.Length > 4 ? t[4] : "")} (BGP VRF instances)" : _command);
                EnterIgnored(Ctx.Root);
                return;
            }
            if (!Asn(t[2], out uint asn)) { EnterIgnored(Ctx.Root); return; }
            StartBgp(asn);
            return;
        }
        Unsupported(_command);
        EnterIgnored(Ctx.Root);
    }

    private void IpCommand(string[] t)
    {
        bool v6 = t[0] == "ipv6";
        var afi = v6 ? Afi.Ipv6 : Afi.Ipv4;
        if (t.Length < 2) { Error($"incomplete command: {_command}"); return; }
        switch (t[1])
        {
            case "prefix-list":
                PrefixListCommand(t, afi);
                return;
            case "protocol":
                if (!Arity(t, 5, 5)) return;
                if (t[3] != "route-map") { Unknown(); return; }
                if (t[2] is not ("bgp" or "any" or "connected" or "static" or "kernel")) { Unsupported(_command); return; }
                _protocolRouteMaps.RemoveAll(p => p.Afi == afi && p.Protocol == t[2]);
                _protocolRouteMaps.Add(new ProtocolRouteMap(afi, t[2], t[4]));
                RefRouteMap(t[4]);
                return;
            case "nht" when t.Length == 3 && t[2] == "resolve-via-default":
                _cfg = v6 ? _cfg with { Ipv6NhtResolveViaDefault = true } : _cfg with { IpNhtResolveViaDefault = true };
                return;
            case "route":
                StaticRouteCommand(t, afi);
                return;
            case "forwarding" when t.Length == 2:
                Warning("ignored: StackBgp does not change the kernel's forwarding sysctls");
                return;
            case "import-table" or "multicast" or "mroute" or "pim" or "igmp" or "mld" or "community-list" or "as-path"
                or "extcommunity-list" or "access-list" or "nht" or "router-id" or "table":
                Unsupported(_command);
                return;
        }
        Unknown();
    }
}
