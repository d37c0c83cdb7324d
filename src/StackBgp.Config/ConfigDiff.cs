using StackBgp.Wire;

namespace StackBgp.Config;

public enum NeighborChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>
/// One neighbor whose effective settings differ between two configs. <see cref="NeedsReset"/>
/// says whether the session must be torn down and re-established (something carried in the TCP
/// connection or the OPEN changed); otherwise the change is applied in place (policies: a soft
/// refresh; description, timers of advertisement: nothing to do on the wire).
/// </summary>
public sealed record NeighborChange(string Id, NeighborChangeKind Kind, bool NeedsReset, IReadOnlyList<string> ChangedSettings)
{
    /// <summary>An inbound policy (route-map/prefix-list/filter-list in, weight, allowas-in …) changed: re-run import (soft in).</summary>
    public bool InboundPolicyChanged => ChangedSettings.Any(s => InboundSettings.Contains(s.Split(' ')[^1]));

    /// <summary>An outbound policy changed: re-run export (soft out).</summary>
    public bool OutboundPolicyChanged => ChangedSettings.Any(s => OutboundSettings.Contains(s.Split(' ')[^1]));

    internal static readonly HashSet<string> InboundSettings = new(StringComparer.Ordinal)
    {
        "route-map-in", "prefix-list-in", "filter-list-in", "allowas-in", "weight", "soft-reconfiguration", "maximum-prefix",
    };

    internal static readonly HashSet<string> OutboundSettings = new(StringComparer.Ordinal)
    {
        "route-map-out", "prefix-list-out", "filter-list-out", "next-hop-self", "route-reflector-client", "send-community",
        "default-originate", "remove-private-AS", "as-override", "attribute-unchanged", "advertisement-interval",
    };
}

/// <summary>What changed between the running config and a new one (see <see cref="ConfigDiffer"/>).</summary>
public sealed record ConfigDiff(
    IReadOnlyList<NeighborChange> Neighbors,
    bool BgpInstanceReplaced,
    bool BgpGlobalChanged,
    bool PolicyChanged,
    bool BfdChanged,
    bool FibChanged,
    bool StaticRoutesChanged)
{
    public bool IsEmpty => Neighbors.Count == 0 && !BgpInstanceReplaced && !BgpGlobalChanged && !PolicyChanged && !BfdChanged && !FibChanged && !StaticRoutesChanged;

    public IEnumerable<string> Added => Neighbors.Where(n => n.Kind == NeighborChangeKind.Added).Select(n => n.Id);
    public IEnumerable<string> Removed => Neighbors.Where(n => n.Kind == NeighborChangeKind.Removed).Select(n => n.Id);
    public IEnumerable<NeighborChange> Changed => Neighbors.Where(n => n.Kind == NeighborChangeKind.Changed);
}

/// <summary>Compares two configs neighbor by neighbor on their effective settings.</summary>
public static class ConfigDiffer
{
    private sealed record Setting(string Name, bool Reset, Func<EffectiveNeighbor, object?> Get);

    private sealed record AfSetting(string Name, bool Reset, Func<EffectiveNeighborAf, object?> Get);

    /// <summary>
    /// Session settings. Reset = carried by the TCP connection or the OPEN message (remote/local AS,
    /// source address, MD5 key, TTL handling, port, capabilities), so only a new session applies them.
    /// </summary>
    private static readonly Setting[] Settings =
    [
        new("kind", true, e => e.Kind),
        new("remote-as", true, e => e.RemoteAs),
        new("local-as", true, e => e.LocalAs),
        new("update-source", true, e => e.UpdateSource),
        new("password", true, e => e.Password),
        new("ttl-security", true, e => e.TtlSecurityHops),
        new("ebgp-multihop", true, e => e.EbgpMultihop),
        new("port", true, e => e.Port),
        new("disable-connected-check", true, e => e.DisableConnectedCheck),
        new("capability extended-nexthop", true, e => e.CapabilityExtendedNexthop),
        new("graceful-restart", true, e => e.GracefulRestart),
        new("interface v6only", true, e => e.InterfaceV6Only),
        new("peer-group", false, e => e.PeerGroup),
        new("description", false, e => e.Description),
        new("timers", false, e => (e.KeepAlive, e.Hold)),
        new("timers connect", false, e => e.ConnectRetry),
        new("timers send-hold", false, e => e.SendHold),
        new("passive", false, e => e.Passive),
        new("shutdown", false, e => (e.Shutdown, e.ShutdownMessage)),
        new("bfd", false, e => (e.Bfd, e.BfdProfile, e.BfdCheckControlPlaneFailure)),
        new("advertisement-interval", false, e => e.AdvertisementInterval),
        new("solo", false, e => e.Solo),
        new("enforce-first-as", false, e => e.EnforceFirstAs),
    ];

    /// <summary>Per-family settings; activation and add-path are capabilities (reset), the rest is policy.</summary>
    private static readonly AfSetting[] AfSettings =
    [
        new("activate", true, a => a.Activated),
        new("addpath-tx-all-paths", true, a => a.AddpathTxAllPaths),
        new("route-map-in", false, a => a.RouteMapIn),
        new("route-map-out", false, a => a.RouteMapOut),
        new("prefix-list-in", false, a => a.PrefixListIn),
        new("prefix-list-out", false, a => a.PrefixListOut),
        new("filter-list-in", false, a => a.FilterListIn),
        new("filter-list-out", false, a => a.FilterListOut),
        new("allowas-in", false, a => a.AllowAsIn),
        new("next-hop-self", false, a => a.NextHopSelf),
        new("route-reflector-client", false, a => a.RouteReflectorClient),
        new("send-community", false, a => a.SendCommunity),
        new("default-originate", false, a => a.DefaultOriginate),
        new("soft-reconfiguration", false, a => a.SoftReconfigurationInbound),
        new("maximum-prefix", false, a => a.MaximumPrefix),
        new("remove-private-AS", false, a => a.RemovePrivateAs),
        new("as-override", false, a => a.AsOverride),
        new("attribute-unchanged", false, a => a.AttributeUnchanged),
        new("weight", false, a => a.Weight),
    ];

    public static ConfigDiff Compare(StackBgpConfig running, StackBgpConfig next)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(next);
        var changes = new List<NeighborChange>();
        var oldBgp = running.Bgp;
        var newBgp = next.Bgp;
        // A new AS or router-id changes every OPEN: every session restarts.
        bool replaced = (oldBgp is null) != (newBgp is null)
            || (oldBgp is not null && newBgp is not null && (oldBgp.Asn != newBgp.Asn || !Equals(oldBgp.RouterId, newBgp.RouterId)));
        var oldN = oldBgp?.EffectiveNeighbors(running.TimerDefaults).ToDictionary(n => n.Id, StringComparer.Ordinal) ?? [];
        var newN = newBgp?.EffectiveNeighbors(next.TimerDefaults).ToDictionary(n => n.Id, StringComparer.Ordinal) ?? [];
        foreach (var (id, _) in oldN)
            if (!newN.ContainsKey(id)) changes.Add(new NeighborChange(id, NeighborChangeKind.Removed, true, []));
        foreach (var (id, n) in newN)
        {
            if (!oldN.TryGetValue(id, out var o))
            {
                changes.Add(new NeighborChange(id, NeighborChangeKind.Added, true, []));
                continue;
            }
            var changed = new List<string>();
            bool reset = replaced;
            foreach (var s in Settings)
            {
                if (Equals(s.Get(o), s.Get(n))) continue;
                changed.Add(s.Name);
                reset |= s.Reset;
            }
            foreach (var fam in EffectiveNeighbor.KnownFamilies)
            {
                var oa = o.Families[fam];
                var na = n.Families[fam];
                foreach (var s in AfSettings)
                {
                    if (Equals(s.Get(oa), s.Get(na))) continue;
                    changed.Add($"{fam} {s.Name}");
                    reset |= s.Reset;
                }
            }
            if (changed.Count > 0 || reset) changes.Add(new NeighborChange(id, NeighborChangeKind.Changed, reset, changed));
        }
        bool globalChanged = oldBgp is not null && newBgp is not null && !replaced
            && GlobalPart(oldBgp) != GlobalPart(newBgp);
        return new ConfigDiff(
            changes,
            replaced,
            globalChanged,
            !running.Policy.Equals(next.Policy) || running.ProtocolRouteMaps != next.ProtocolRouteMaps,
            running.Bfd != next.Bfd,
            running.Fib != next.Fib || running.IpNhtResolveViaDefault != next.IpNhtResolveViaDefault || running.Ipv6NhtResolveViaDefault != next.Ipv6NhtResolveViaDefault,
            running.StaticRoutes != next.StaticRoutes);
    }

    /// <summary>The instance without its neighbors and peer-groups, for "did a global setting change".</summary>
    private static BgpInstance GlobalPart(BgpInstance b) => b with
    {
        PeerGroups = Policy.EquatableArray<NeighborConfig>.Empty,
        Neighbors = Policy.EquatableArray<NeighborConfig>.Empty,
    };
}
