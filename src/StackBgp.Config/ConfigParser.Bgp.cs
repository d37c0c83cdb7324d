using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Config;

internal sealed partial class ConfigParserState
{
    private bool _bgpSeen;
    private int _bgpLine;
    private BgpInstance? _bgp;
    private readonly Dictionary<string, NeighborConfig> _peers = new(StringComparer.Ordinal);
    private readonly List<string> _groupOrder = [];
    private readonly List<string> _neighborOrder = [];
    private readonly Dictionary<string, (int Line, string Command)> _peerLines = new(StringComparer.Ordinal);
    private readonly Dictionary<AddressFamily, BgpAfConfig> _afs = [];
    private AddressFamily _af = AddressFamily.Ipv4Unicast;

    private void StartBgp(uint asn)
    {
        if (_bgpSeen)
        {
            Error(_bgp!.Asn == asn
                ? $"duplicate 'router bgp' (first at line {_bgpLine}); write one block"
                : $"BGP is already running as AS {_bgp.Asn} (line {_bgpLine}); StackBgp runs one BGP instance");
            if (_bgp.Asn != asn) { EnterIgnored(Ctx.Root); return; }
        }
        else
        {
            _bgpSeen = true;
            _bgpLine = _line;
            _bgp = new BgpInstance { Asn = asn };
        }
        _ctx = Ctx.Bgp;
    }

    private BgpAfConfig CurAf(AddressFamily af) => _afs.GetValueOrDefault(af) ?? new BgpAfConfig();

    private void SetAf(AddressFamily af, Func<BgpAfConfig, BgpAfConfig> change) => _afs[af] = change(CurAf(af));

    private void Bgp(string[] t)
    {
        var b = _bgp!;
        bool neg = t[0] == "no";
        string[] c = neg ? t[1..] : t;
        switch (c[0])
        {
            case "exit":
                _ctx = Ctx.Root;
                return;
            case "neighbor":
                Neighbor(c, neg, AddressFamily.Ipv4Unicast, inAf: false);
                return;
            case "address-family":
                if (neg) { Unknown(); return; }
                AddressFamilyHeader(c);
                return;
            case "network" or "redistribute" or "maximum-paths" or "aggregate-address":
                AfCommand(c, neg, AddressFamily.Ipv4Unicast);
                return;
            case "timers":
                if (neg) { if (Arity(c, 2, 4)) _bgp = b with { Timers = null }; return; }
                if (!Arity(c, 4, 4) || c[1] != "bgp") { if (c.Length > 1 && c[1] != "bgp") Unknown(); return; }
                if (Int(c[2], 0, 65535, "keepalive", out int ka) && Hold(c[3], out int hold))
                    _bgp = b with { Timers = (ka, hold) };
                return;
            case "coalesce-time":
                if (neg) { _bgp = b with { CoalesceTime = null }; return; }
                if (Arity(c, 2, 2) && Int(c[1], 0, int.MaxValue, "coalesce-time", out int ct)) _bgp = b with { CoalesceTime = ct };
                return;
            case "bgp":
                BgpSetting(c, neg);
                return;
            case "auto-summary" or "synchronization" when neg && c.Length == 1:
                return; // IOS-isms FRR accepts and that mean nothing in FRR either
        }
        Unsupported(_command);
    }

    private bool Hold(string s, out int hold)
    {
        if (!Int(s, 0, 65535, "hold time", out hold)) return false;
        if (hold is 1 or 2) { Error($"hold time '{s}' must be 0 or 3..65535 (RFC 4271 §4.2)"); return false; }
        return true;
    }

    private void BgpSetting(string[] c, bool neg)
    {
        var b = _bgp!;
        string k = c.Length > 1 ? c[1] : "";
        switch (k)
        {
            case "router-id" when c.Length == 3 && !neg:
                if (Ip(c[2], out var rid, SocketFamily.InterNetwork)) _bgp = b with { RouterId = rid };
                return;
            case "router-id" when neg:
                _bgp = b with { RouterId = null };
                return;
            case "log-neighbor-changes" when c.Length == 2:
                _bgp = b with { LogNeighborChanges = !neg };
                return;
            case "graceful-shutdown" when c.Length == 2:
                _bgp = b with { GracefulShutdown = !neg };
                return;
            case "default" when c.Length == 3 && c[2] == "ipv4-unicast":
                _bgp = b with { DefaultIpv4Unicast = !neg };
                return;
            case "default" when c.Length == 3 && c[2] == "ipv6-unicast":
                if (!neg) Unsupported(_command);
                return;
            case "default" when c.Length == 4 && c[2] == "local-preference" && !neg:
                if (UInt(c[3], 0, uint.MaxValue, "local-preference", out uint lp)) _bgp = b with { DefaultLocalPreference = lp };
                return;
            case "ebgp-requires-policy" when c.Length == 2:
                _bgp = b with { EbgpRequiresPolicy = !neg };
                return;
            case "network" when c.Length == 3 && c[2] == "import-check":
                _bgp = b with { NetworkImportCheck = !neg };
                return;
            case "cluster-id" when c.Length == 3 && !neg:
                if (IPAddress.TryParse(c[2], out var cid) && cid.AddressFamily == SocketFamily.InterNetwork) _bgp = b with { ClusterId = cid };
                else if (UInt(c[2], 1, uint.MaxValue, "cluster-id", out uint n))
                    _bgp = b with { ClusterId = new IPAddress([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]) };
                return;
            case "bestpath":
                Bestpath(c, neg);
                return;
            case "always-compare-med" when c.Length == 2:
                _bgp = b with { AlwaysCompareMed = !neg };
                return;
            case "deterministic-med" when c.Length == 2:
                _bgp = b with { DeterministicMed = !neg };
                return;
            case "graceful-restart":
                GracefulRestartGlobal(c, neg);
                return;
            case "hard-administrative-reset" when c.Length == 2:
                _bgp = b with { HardAdministrativeReset = !neg };
                return;
            case "graceful-restart-disable" when c.Length == 2:
                _bgp = b with { GracefulRestartDisable = !neg };
                return;
            case "long-lived-graceful-restart" when c.Length == 4 && c[2] == "stale-time" && !neg:
                if (Int(c[3], 1, 16777215, "long-lived stale-time", out int st)) _bgp = b with { LongLivedStaleTime = st };
                return;
            case "listen" when c.Length == 6 && c[2] == "range" && c[4] == "peer-group" && !neg:
                if (!Pfx(c[3], null, out var range)) return;
                if (!_peers.TryGetValue(c[5], out var g) || g.Kind != NeighborKind.PeerGroup)
                {
                    Error($"peer-group '{c[5]}' does not exist (configure 'neighbor {c[5]} peer-group' first)");
                    return;
                }
                _bgp = b with { ListenRanges = b.ListenRanges.Add(new ListenRange(range, c[5])) };
                return;
            case "listen" when c.Length == 4 && c[2] == "limit" && !neg:
                if (Int(c[3], 1, 65535, "listen limit", out int lim)) _bgp = b with { ListenLimit = lim };
                return;
        }
        Unsupported(_command);
    }

    private void Bestpath(string[] c, bool neg)
    {
        var b = _bgp!;
        string tail = string.Join(' ', c[2..]);
        switch (tail)
        {
            case "as-path ignore": _bgp = b with { BestpathAsPathIgnore = !neg }; return;
            case "as-path multipath-relax":
            case "as-path multipath-relax no-as-set": _bgp = b with { BestpathAsPathMultipathRelax = !neg }; return;
            case "compare-routerid": _bgp = b with { BestpathCompareRouterId = !neg }; return;
            case "med missing-as-worst": _bgp = b with { MedMissingAsWorst = !neg }; return;
        }
        Unsupported(_command);
    }

    private void GracefulRestartGlobal(string[] c, bool neg)
    {
        var b = _bgp!;
        if (c.Length == 2) { _bgp = b with { GracefulRestart = !neg }; return; }
        switch (c[2])
        {
            case "restart-time" when c.Length == 4 && !neg:
                // RFC 4724 §3: the Restart Time field is 12 bits.
                if (Int(c[3], 0, 4095, "restart-time", out int rt)) _bgp = b with { GracefulRestartTime = rt };
                return;
            case "stalepath-time" when c.Length == 4 && !neg:
                if (Int(c[3], 1, 4095, "stalepath-time", out int sp)) _bgp = b with { GracefulRestartStalepathTime = sp };
                return;
            case "select-defer-time" when c.Length == 4 && !neg:
                // FRR: 0-3600 s, default 360; 0 = do not defer.
                if (Int(c[3], 0, 3600, "select-defer-time", out int sd)) _bgp = b with { GracefulRestartSelectDeferTime = sd };
                return;
            case "select-defer-time" when neg:
                _bgp = b with { GracefulRestartSelectDeferTime = null };
                return;
            case "notification" when c.Length == 3:
                _bgp = b with { GracefulRestartNotification = !neg };
                return;
            case "preserve-fw-state" when c.Length == 3:
                _bgp = b with { GracefulRestartPreserveFwState = !neg };
                return;
            case "restart-time" or "stalepath-time" when neg:
                _bgp = c[2] == "restart-time" ? b with { GracefulRestartTime = null } : b with { GracefulRestartStalepathTime = null };
                return;
        }
        Unsupported(_command);
    }

    private void AddressFamilyHeader(string[] c)
    {
        string fam = string.Join(' ', c[1..]);
        switch (fam)
        {
            case "ipv4" or "ipv4 unicast":
                _af = AddressFamily.Ipv4Unicast;
                _ctx = Ctx.BgpAf;
                return;
            case "ipv6" or "ipv6 unicast":
                _af = AddressFamily.Ipv6Unicast;
                _ctx = Ctx.BgpAf;
                return;
            case "l2vpn evpn":
                Unsupported("EVPN (address-family l2vpn evpn)");
                break;
            default:
                Unsupported($"address-family {fam}");
                break;
        }
        EnterIgnored(Ctx.Bgp);
    }

    private void BgpAf(string[] t)
    {
        bool neg = t[0] == "no";
        string[] c = neg ? t[1..] : t;
        switch (c[0])
        {
            case "exit-address-family" or "exit":
                _ctx = Ctx.Bgp;
                return;
            case "neighbor":
                Neighbor(c, neg, _af, inAf: true);
                return;
            case "network" or "redistribute" or "maximum-paths" or "aggregate-address":
                AfCommand(c, neg, _af);
                return;
        }
        Unsupported(_command);
    }

    /// <summary>network, redistribute, maximum-paths, aggregate-address for one family.</summary>
    private void AfCommand(string[] c, bool neg, AddressFamily af)
    {
        switch (c[0])
        {
            case "network":
            {
                if (!Arity(c, 2, 4) || !Pfx(c[1], af.Afi, out var p)) return;
                string? rm = null;
                if (c.Length == 4 && c[2] == "route-map") rm = c[3];
                else if (c.Length != 2) { Unsupported(_command); return; }
                if (rm is not null) RefRouteMap(rm);
                SetAf(af, a => a with { Networks = a.Networks.Items.RemoveAll(n => n.Prefix == p).ToEquatableArray() });
                if (!neg) SetAf(af, a => a with { Networks = a.Networks.Add(new NetworkStatement(p, rm)) });
                return;
            }
            case "redistribute":
            {
                if (!Arity(c, 2, 6)) return;
                if (!RouteMapSyntax.TryParseProtocol(c[1], out var src) || src == RouteSourceProtocol.Bgp)
                {
                    Unsupported($"redistribute {c[1]}");
                    return;
                }
                string? rm = null;
                uint? metric = null;
                for (int i = 2; i < c.Length; i += 2)
                {
                    if (i + 1 >= c.Length) { Error($"incomplete command: {_command}"); return; }
                    if (c[i] == "route-map") rm = c[i + 1];
                    else if (c[i] == "metric" && UInt(c[i + 1], 0, uint.MaxValue, "metric", out uint m)) metric = m;
                    else if (c[i] != "metric") { Unknown(); return; }
                    else return;
                }
                if (rm is not null) RefRouteMap(rm);
                SetAf(af, a => a with { Redistributions = a.Redistributions.Items.RemoveAll(r => r.Source == src).ToEquatableArray() });
                if (!neg) SetAf(af, a => a with { Redistributions = a.Redistributions.Add(new Redistribution(src, rm, metric)) });
                return;
            }
            case "maximum-paths":
            {
                bool ibgp = c.Length > 1 && c[1] == "ibgp";
                int idx = ibgp ? 2 : 1;
                if (neg)
                {
                    SetAf(af, a => ibgp ? a with { MaximumPathsIbgp = null } : a with { MaximumPaths = null });
                    return;
                }
                if (!Arity(c, idx + 1, idx + 1) || !Int(c[idx], 1, 64, "maximum-paths", out int n)) return;
                SetAf(af, a => ibgp ? a with { MaximumPathsIbgp = n } : a with { MaximumPaths = n });
                return;
            }
            default: // aggregate-address
            {
                if (!Arity(c, 2, 4) || !Pfx(c[1], af.Afi, out var p)) return;
                bool summary = false, asSet = false;
                foreach (var w in c[2..])
                {
                    if (w == "summary-only") summary = true;
                    else if (w == "as-set") asSet = true;
                    else { Unsupported(_command); return; }
                }
                SetAf(af, a => a with { Aggregates = a.Aggregates.Items.RemoveAll(x => x.Prefix == p).ToEquatableArray() });
                if (!neg) SetAf(af, a => a with { Aggregates = a.Aggregates.Add(new AggregateAddress(p, summary, asSet)) });
                return;
            }
        }
    }
}
