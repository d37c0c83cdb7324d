using System.Globalization;
using System.Text;
using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

/// <summary>
/// Canonical printer (<c>show running-config</c>): FRR's layout and order. Printing a parsed model
/// and parsing the text again gives an equal model, and printing is stable.
/// </summary>
public static class ConfigPrinter
{
    /// <summary>Printed instead of secrets when <c>redactSecrets</c> is set (for logs).</summary>
    public const string Redacted = "<redacted>";

    public static string Print(StackBgpConfig config, bool redactSecrets = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        var w = new Writer();
        if (config.FrrVersion is not null) w.Line($"frr version {config.FrrVersion}");
        w.Line($"frr defaults {(config.Defaults == FrrDefaultsProfile.Datacenter ? "datacenter" : "traditional")}");
        if (config.Hostname is not null) w.Line($"hostname {config.Hostname}");
        foreach (var l in config.LogLines) w.Line(l);
        if (config.ServiceIntegratedVtyshConfig) w.Line("service integrated-vtysh-config");
        w.Bang();
        foreach (var r in config.StaticRoutes) w.Line(FormatStatic(r));
        if (!config.StaticRoutes.IsEmpty) w.Bang();
        foreach (var i in config.Interfaces) PrintInterface(w, i);
        if (config.Bgp is not null) PrintBgp(w, config.Bgp, redactSecrets);
        PrintPolicy(w, config.Policy);
        foreach (var p in config.ProtocolRouteMaps)
            w.Line($"{(p.Afi == Afi.Ipv6 ? "ipv6" : "ip")} protocol {p.Protocol} route-map {p.RouteMap}");
        if (config.IpNhtResolveViaDefault) w.Line("ip nht resolve-via-default");
        if (config.Ipv6NhtResolveViaDefault) w.Line("ipv6 nht resolve-via-default");
        if (!config.ProtocolRouteMaps.IsEmpty || config.IpNhtResolveViaDefault || config.Ipv6NhtResolveViaDefault) w.Bang();
        PrintBfd(w, config.Bfd);
        PrintExtensions(w, config);
        w.Line("end");
        return w.ToString();
    }

    private sealed class Writer
    {
        private readonly StringBuilder _sb = new();

        public void Line(string text) => _sb.Append(text).Append('\n');

        public void Line(int indent, string text) => _sb.Append(' ', indent).Append(text).Append('\n');

        public void Bang(int indent = 0) => Line(indent, "!");

        public override string ToString() => _sb.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string FormatStatic(StaticRoute r)
    {
        var s = $"{(r.Prefix.IsIpv6 ? "ipv6" : "ip")} route {r.Prefix}";
        if (r.Blackhole) s += " blackhole";
        if (r.NextHop is not null) s += $" {r.NextHop}";
        if (r.Interface is not null) s += $" {r.Interface}";
        if (r.Distance is int d) s += Inv($" {d}");
        return s;
    }

    private static void PrintInterface(Writer w, InterfaceConfig i)
    {
        w.Line($"interface {i.Name}");
        if (i.Description is not null) w.Line(1, $"description {i.Description}");
        foreach (var a in i.Addresses) w.Line(1, $"{(a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ip")} address {a}");
        if (i.RaInterval is int ra) w.Line(1, Inv($"ipv6 nd ra-interval {ra}"));
        if (i.SuppressRa is bool sr) w.Line(1, sr ? "ipv6 nd suppress-ra" : "no ipv6 nd suppress-ra");
        w.Line("exit");
        w.Bang();
    }

    private static void PrintBgp(Writer w, BgpInstance b, bool redact)
    {
        w.Line(Inv($"router bgp {b.Asn}"));
        // Order of FRR's bgp_config_write, so our output reads like FRR's.
        if (b.RouterId is not null) w.Line(1, $"bgp router-id {b.RouterId}");
        if (b.LogNeighborChanges) w.Line(1, "bgp log-neighbor-changes");
        if (b.AlwaysCompareMed) w.Line(1, "bgp always-compare-med");
        if (!b.EbgpRequiresPolicy) w.Line(1, "no bgp ebgp-requires-policy");
        if (!b.HardAdministrativeReset) w.Line(1, "no bgp hard-administrative-reset");
        if (!b.DefaultIpv4Unicast) w.Line(1, "no bgp default ipv4-unicast");
        if (b.DefaultLocalPreference is uint lp) w.Line(1, Inv($"bgp default local-preference {lp}"));
        if (!b.NetworkImportCheck) w.Line(1, "no bgp network import-check");
        if (b.GracefulShutdown) w.Line(1, "bgp graceful-shutdown");
        if (b.ClusterId is not null) w.Line(1, $"bgp cluster-id {b.ClusterId}");
        if (b.DeterministicMed is bool dm) w.Line(1, dm ? "bgp deterministic-med" : "no bgp deterministic-med");
        if (b.GracefulRestart) w.Line(1, "bgp graceful-restart");
        if (b.GracefulRestartDisable) w.Line(1, "bgp graceful-restart-disable");
        if (b.GracefulRestartTime is int rt) w.Line(1, Inv($"bgp graceful-restart restart-time {rt}"));
        if (b.GracefulRestartStalepathTime is int sp) w.Line(1, Inv($"bgp graceful-restart stalepath-time {sp}"));
        if (b.GracefulRestartPreserveFwState) w.Line(1, "bgp graceful-restart preserve-fw-state");
        if (b.GracefulRestartSelectDeferTime is int sd) w.Line(1, Inv($"bgp graceful-restart select-defer-time {sd}"));
        if (!b.GracefulRestartNotification) w.Line(1, "no bgp graceful-restart notification");
        if (b.LongLivedStaleTime is int ll) w.Line(1, Inv($"bgp long-lived-graceful-restart stale-time {ll}"));
        if (b.BestpathAsPathIgnore) w.Line(1, "bgp bestpath as-path ignore");
        if (b.BestpathAsPathMultipathRelax) w.Line(1, "bgp bestpath as-path multipath-relax");
        if (b.BestpathCompareRouterId) w.Line(1, "bgp bestpath compare-routerid");
        if (b.MedMissingAsWorst) w.Line(1, "bgp bestpath med missing-as-worst");
        if (b.Timers is { } t) w.Line(1, Inv($"timers bgp {t.KeepAlive} {t.Hold}"));
        if (b.CoalesceTime is int ct) w.Line(1, Inv($"coalesce-time {ct}"));
        foreach (var g in b.PeerGroups)
        {
            w.Line(1, $"neighbor {g.Id} peer-group");
            PrintNeighborSession(w, g, redact);
        }
        foreach (var r in b.ListenRanges) w.Line(1, $"bgp listen range {r.Range} peer-group {r.PeerGroup}");
        if (b.ListenLimit is int lim) w.Line(1, Inv($"bgp listen limit {lim}"));
        foreach (var n in b.Neighbors)
        {
            bool remoteAsOnInterfaceLine = n.Kind == NeighborKind.Interface && n.PeerGroup is null && n.RemoteAs is not null;
            if (n.Kind == NeighborKind.Interface)
            {
                string tail = n.PeerGroup is not null ? $" peer-group {n.PeerGroup}" : remoteAsOnInterfaceLine ? $" remote-as {n.RemoteAs}" : "";
                w.Line(1, $"neighbor {n.Id} interface{(n.InterfaceV6Only ? " v6only" : "")}{tail}");
            }
            else if (n.PeerGroup is not null)
                w.Line(1, $"neighbor {n.Id} peer-group {n.PeerGroup}");
            PrintNeighborSession(w, remoteAsOnInterfaceLine ? n with { RemoteAs = null } : n, redact);
        }
        foreach (var fam in EffectiveNeighbor.KnownFamilies)
            PrintAf(w, b, fam);
        w.Line("exit");
        w.Bang();
    }

    private static void PrintNeighborSession(Writer w, NeighborConfig n, bool redact)
    {
        string p = $"neighbor {n.Id} ";
        void L(string s) => w.Line(1, p + s);
        if (n.RemoteAs is not null) L($"remote-as {n.RemoteAs}");
        if (n.LocalAs is { } la) L(Inv($"local-as {la.Asn}{(la.NoPrepend ? " no-prepend" : "")}{(la.ReplaceAs ? " replace-as" : "")}"));
        if (n.Description is not null) L($"description {n.Description}");
        if (n.Shutdown == true) L(n.ShutdownMessage is null ? "shutdown" : $"shutdown message {n.ShutdownMessage}");
        if (n.Shutdown == false) w.Line(1, $"no {p}shutdown");
        if (n.Bfd == true && n.BfdProfile is null) L("bfd");
        if (n.Bfd == true && n.BfdProfile is not null) { L("bfd"); L($"bfd profile {n.BfdProfile}"); }
        if (n.Bfd == false) w.Line(1, $"no {p}bfd");
        if (n.BfdCheckControlPlaneFailure is bool cpf) { if (cpf) L("bfd check-control-plane-failure"); else w.Line(1, $"no {p}bfd check-control-plane-failure"); }
        if (n.Port is int port) L(Inv($"port {port}"));
        if (n.Password is { } pw) L($"password {(redact ? Redacted : pw.Value)}");
        if (n.Passive is bool pas) { if (pas) L("passive"); else w.Line(1, $"no {p}passive"); }
        if (n.EbgpMultihop is int mh) L(mh == 255 ? "ebgp-multihop" : Inv($"ebgp-multihop {mh}"));
        if (n.TtlSecurityHops is int hops) L(Inv($"ttl-security hops {hops}"));
        if (n.DisableConnectedCheck is bool dcc) { if (dcc) L("disable-connected-check"); else w.Line(1, $"no {p}disable-connected-check"); }
        if (n.UpdateSource is not null) L($"update-source {n.UpdateSource}");
        if (n.CapabilityExtendedNexthop is bool enh) { if (enh) L("capability extended-nexthop"); else w.Line(1, $"no {p}capability extended-nexthop"); }
        if (n.GracefulRestart is { } gr)
            L(gr switch { GracefulRestartMode.Enabled => "graceful-restart", GracefulRestartMode.HelperOnly => "graceful-restart-helper", _ => "graceful-restart-disable" });
        if (n.AdvertisementInterval is int adv) L(Inv($"advertisement-interval {adv}"));
        if (n.Timers is { } t) L(Inv($"timers {t.KeepAlive} {t.Hold}"));
        if (n.ConnectRetry is int cr) L(Inv($"timers connect {cr}"));
        if (n.SendHold is int sh) L(Inv($"timers send-hold {sh}"));
        if (n.Solo is bool solo) { if (solo) L("solo"); else w.Line(1, $"no {p}solo"); }
        if (n.EnforceFirstAs is bool efa) { if (efa) L("enforce-first-as"); else w.Line(1, $"no {p}enforce-first-as"); }
    }

    private static bool HasAfContent(BgpInstance b, AddressFamily fam)
    {
        var a = b.Af(fam);
        if (!a.Networks.IsEmpty || !a.Redistributions.IsEmpty || !a.Aggregates.IsEmpty || a.MaximumPaths is not null || a.MaximumPathsIbgp is not null)
            return true;
        return b.PeerGroups.Concat(b.Neighbors).Any(n => n.AddressFamilies.TryGetValue(fam, out var af) && af != new NeighborAfConfig());
    }

    private static void PrintAf(Writer w, BgpInstance b, AddressFamily fam)
    {
        if (!HasAfContent(b, fam)) return;
        w.Bang(1);
        w.Line(1, $"address-family {fam}");
        var a = b.Af(fam);
        foreach (var n in a.Networks) w.Line(2, $"network {n.Prefix}{(n.RouteMap is null ? "" : $" route-map {n.RouteMap}")}");
        foreach (var g in a.Aggregates) w.Line(2, $"aggregate-address {g.Prefix}{(g.AsSet ? " as-set" : "")}{(g.SummaryOnly ? " summary-only" : "")}");
        foreach (var r in a.Redistributions)
            w.Line(2, $"redistribute {RouteMapSyntax.FormatProtocol(r.Source)}{(r.Metric is uint m ? Inv($" metric {m}") : "")}{(r.RouteMap is null ? "" : $" route-map {r.RouteMap}")}");
        foreach (var n in b.PeerGroups.Concat(b.Neighbors))
            if (n.AddressFamilies.TryGetValue(fam, out var af)) PrintNeighborAf(w, n.Id, af);
        if (a.MaximumPaths is int mp) w.Line(2, Inv($"maximum-paths {mp}"));
        if (a.MaximumPathsIbgp is int mpi) w.Line(2, Inv($"maximum-paths ibgp {mpi}"));
        w.Line(1, "exit-address-family");
    }

    private static void PrintNeighborAf(Writer w, string id, NeighborAfConfig a)
    {
        string p = $"neighbor {id} ";
        void L(string s) => w.Line(2, p + s);
        if (a.Activate is bool act) { if (act) L("activate"); else w.Line(2, $"no {p}activate"); }
        if (a.RouteReflectorClient == true) L("route-reflector-client");
        if (a.NextHopSelf is { } nhs && nhs != NextHopSelfMode.Off) L(nhs == NextHopSelfMode.Force ? "next-hop-self force" : "next-hop-self");
        if (a.SendCommunity is { } sc)
        {
            if (!sc.HasFlag(CommunityKinds.Standard)) w.Line(2, $"no {p}send-community standard");
            if (!sc.HasFlag(CommunityKinds.Extended)) w.Line(2, $"no {p}send-community extended");
            if (!sc.HasFlag(CommunityKinds.Large)) w.Line(2, $"no {p}send-community large");
        }
        if (a.DefaultOriginate is { } d) L(d.RouteMap is null ? "default-originate" : $"default-originate route-map {d.RouteMap}");
        if (a.SoftReconfigurationInbound == true) L("soft-reconfiguration inbound");
        if (a.AllowAsIn is { } ai) L(ai.Origin ? "allowas-in origin" : Inv($"allowas-in {ai.Count}"));
        if (a.AsOverride == true) L("as-override");
        if (a.RemovePrivateAs is { } rp) L(rp == "default" ? "remove-private-AS" : $"remove-private-AS {rp}");
        if (a.AttributeUnchanged is { } au) L($"attribute-unchanged {au}");
        if (a.AddpathTxAllPaths == true) L("addpath-tx-all-paths");
        if (a.Weight is uint wt) L(Inv($"weight {wt}"));
        if (a.PrefixListIn is not null) L($"prefix-list {a.PrefixListIn} in");
        if (a.PrefixListOut is not null) L($"prefix-list {a.PrefixListOut} out");
        if (a.FilterListIn is not null) L($"filter-list {a.FilterListIn} in");
        if (a.FilterListOut is not null) L($"filter-list {a.FilterListOut} out");
        if (a.RouteMapIn is not null) L($"route-map {a.RouteMapIn} in");
        if (a.RouteMapOut is not null) L($"route-map {a.RouteMapOut} out");
        if (a.MaximumPrefix is { } mx)
            L(Inv($"maximum-prefix {mx.Limit}{(mx.ThresholdPercent is int th ? Inv($" {th}") : "")}{(mx.WarningOnly ? " warning-only" : "")}{(mx.RestartMinutes is int r ? Inv($" restart {r}") : "")}"));
    }

    private static void PrintPolicy(Writer w, PolicySet p)
    {
        foreach (var l in p.AsPathLists)
            foreach (var e in l.Entries) w.Line(Inv($"bgp as-path access-list {l.Name} seq {e.Seq} {e.FormatBody()}"));
        foreach (var l in p.CommunityLists)
            foreach (var e in l.Entries) w.Line(Inv($"bgp community-list {Style(l.Style)} {l.Name} seq {e.Seq} {e.FormatBody()}"));
        foreach (var l in p.LargeCommunityLists)
            foreach (var e in l.Entries) w.Line(Inv($"bgp large-community-list {Style(l.Style)} {l.Name} seq {e.Seq} {e.FormatBody()}"));
        foreach (var l in p.ExtCommunityLists)
            foreach (var e in l.Entries) w.Line(Inv($"bgp extcommunity-list {Style(l.Style)} {l.Name} seq {e.Seq} {e.FormatBody()}"));
        foreach (var l in p.PrefixLists)
            foreach (var e in l.Entries) w.Line(Inv($"{(l.Afi == Afi.Ipv6 ? "ipv6" : "ip")} prefix-list {l.Name} seq {e.Seq} {e.FormatBody()}"));
        if (p.AsPathLists.Count + p.CommunityLists.Count + p.LargeCommunityLists.Count + p.ExtCommunityLists.Count + p.PrefixLists.Count > 0) w.Bang();
        foreach (var m in p.RouteMaps)
        {
            foreach (var e in m.Entries)
            {
                w.Line(Inv($"route-map {m.Name} {PolicyActionText.Format(e.Action)} {e.Seq}"));
                if (e.Description is not null) w.Line(1, $"description {e.Description}");
                foreach (var c in e.Matches) w.Line(1, c.ToString());
                foreach (var c in e.Sets) w.Line(1, c.ToString());
                if (e.Call is not null) w.Line(1, $"call {e.Call}");
                if (e.OnMatch == ExitPolicy.Next) w.Line(1, "on-match next");
                if (e.OnMatch == ExitPolicy.Goto) w.Line(1, Inv($"on-match goto {e.GotoSeq}"));
                w.Line("exit");
                w.Bang();
            }
        }
    }

    private static string Style(CommunityListStyle s) => s == CommunityListStyle.Expanded ? "expanded" : "standard";

    private static void PrintBfdSettings(Writer w, BfdSettings s, int indent)
    {
        if (s.DetectMultiplier is int dm) w.Line(indent, Inv($"detect-multiplier {dm}"));
        if (s.ReceiveInterval is int rx) w.Line(indent, Inv($"receive-interval {rx}"));
        if (s.TransmitInterval is int tx) w.Line(indent, Inv($"transmit-interval {tx}"));
        if (s.PassiveMode is bool pm) w.Line(indent, pm ? "passive-mode" : "no passive-mode");
        if (s.MinimumTtl is int mt) w.Line(indent, Inv($"minimum-ttl {mt}"));
        if (s.Shutdown is bool sd) w.Line(indent, sd ? "shutdown" : "no shutdown");
    }

    private static void PrintBfd(Writer w, BfdConfig bfd)
    {
        if (bfd.Profiles.IsEmpty && bfd.Peers.IsEmpty) return;
        w.Line("bfd");
        foreach (var p in bfd.Profiles)
        {
            w.Line(1, $"profile {p.Name}");
            PrintBfdSettings(w, p.Settings, 2);
            w.Line(1, "exit");
            w.Bang(1);
        }
        foreach (var p in bfd.Peers)
        {
            var sb = new StringBuilder($"peer {p.Address}");
            if (p.Multihop) sb.Append(" multihop");
            if (p.LocalAddress is not null) sb.Append(" local-address ").Append(p.LocalAddress);
            if (p.Interface is not null) sb.Append(" interface ").Append(p.Interface);
            if (p.Vrf is not null) sb.Append(" vrf ").Append(p.Vrf);
            w.Line(1, sb.ToString());
            if (p.Profile is not null) w.Line(2, $"profile {p.Profile}");
            PrintBfdSettings(w, p.Settings, 2);
            w.Line(1, "exit");
            w.Bang(1);
        }
        w.Line("exit");
        w.Bang();
    }

    private static void PrintExtensions(Writer w, StackBgpConfig c)
    {
        bool any = false;
        if (c.Api?.SocketPath is { } sock) { w.Line($"api socket {sock}"); any = true; }
        if (c.Api?.ListenEndpoint is { } ep) { w.Line($"api listen {ep} tls cert {c.Api.TlsCertFile} key {c.Api.TlsKeyFile}"); any = true; }
        if (c.Metrics is { } m) { w.Line($"metrics listen {m.ListenEndpoint}"); any = true; }
        if (c.Fib.KeepOnExit) { w.Line("fib keep-on-exit"); any = true; }
        if (c.Fib.SweepTimeSeconds is int sw) { w.Line(Inv($"fib sweep-time {sw}")); any = true; }
        if (c.Fib.Protocol is int pr) { w.Line(Inv($"fib protocol {pr}")); any = true; }
        if (c.Fib.KernelNexthops is bool kn) { w.Line(kn ? "zebra nexthop kernel enable" : "no zebra nexthop kernel enable"); any = true; }
        if (any) w.Bang();
    }
}
