using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

internal sealed partial class ConfigParserState
{
    private void ErrorAt(int line, string command, string message, ConfigSeverity severity = ConfigSeverity.Error) =>
        (severity == ConfigSeverity.Error ? _errors : _warnings).Add(new ConfigError(_file, line, command, message, severity));

    /// <summary>Builds the immutable model and runs the checks that need the whole file.</summary>
    private StackBgpConfig Finish()
    {
        var policy = BuildPolicy();
        var cfg = _cfg with
        {
            Policy = policy,
            ProtocolRouteMaps = _protocolRouteMaps.ToEquatableArray(),
            StaticRoutes = _staticRoutes.ToEquatableArray(),
            Interfaces = _interfaces.ToEquatableArray(),
            Bfd = new BfdConfig(_bfdProfiles.ToEquatableArray(), _bfdPeers.ToEquatableArray()),
        };
        if (_bgp is not null)
        {
            var afs = EquatableDictionary<AddressFamily, BgpAfConfig>.Empty;
            foreach (var (k, v) in _afs) afs = afs.SetItem(k, v);
            cfg = cfg with
            {
                Bgp = _bgp with
                {
                    PeerGroups = _groupOrder.Select(g => _peers[g]).ToEquatableArray(),
                    Neighbors = _neighborOrder.Select(n => _peers[n]).ToEquatableArray(),
                    AddressFamilies = afs,
                },
            };
            ValidateBgp(cfg.Bgp, cfg.TimerDefaults);
        }
        ValidateReferences(cfg);
        return cfg;
    }

    private void ValidateBgp(BgpInstance bgp, TimerDefaults defaults)
    {
        foreach (var n in bgp.Neighbors)
        {
            var (line, cmd) = _peerLines[n.Id];
            var e = bgp.Effective(n, defaults);
            if (e.RemoteAs is null)
                ErrorAt(line, cmd, n.PeerGroup is null
                    ? $"neighbor {n.Id} has no remote-as (add 'neighbor {n.Id} remote-as N|internal|external')"
                    : $"neighbor {n.Id} has no remote-as and neither has its peer-group {n.PeerGroup}");
            if (e.TtlSecurityHops is not null && e.EbgpMultihop is not null)
                ErrorAt(line, cmd, $"neighbor {n.Id}: ttl-security and ebgp-multihop cannot be configured together");
            if (e.BfdProfile is not null && e.Bfd == false)
                ErrorAt(line, cmd, $"neighbor {n.Id}: bfd profile set but bfd disabled");
        }
        foreach (var g in bgp.PeerGroups)
        {
            if (g.TtlSecurityHops is not null && g.EbgpMultihop is not null)
            {
                var (line, cmd) = _peerLines[g.Id];
                ErrorAt(line, cmd, $"peer-group {g.Id}: ttl-security and ebgp-multihop cannot be configured together");
            }
        }
        foreach (var r in bgp.ListenRanges)
        {
            var g = bgp.FindPeerGroup(r.PeerGroup);
            if (g?.RemoteAs is null)
            {
                var (line, cmd) = _peerLines[r.PeerGroup];
                ErrorAt(line, cmd, $"peer-group {r.PeerGroup} is used by 'bgp listen range {r.Range}' and needs a remote-as");
            }
        }
    }

    /// <summary>
    /// FRR accepts references to lists and route-maps that are defined later or never: a warning,
    /// not an error. What an undefined name does at run time is documented in the Policy README.
    /// </summary>
    private void ValidateReferences(StackBgpConfig cfg)
    {
        var p = cfg.Policy;
        foreach (var (kind, afi, name, line, cmd) in _refs)
        {
            bool defined = kind switch
            {
                RefKind.RouteMap => p.FindRouteMap(name) is not null,
                RefKind.PrefixList => p.FindPrefixList(afi, name) is not null,
                RefKind.AsPathList => p.FindAsPathList(name) is not null,
                RefKind.CommunityList => p.FindCommunityList(name) is not null,
                RefKind.LargeCommunityList => p.FindLargeCommunityList(name) is not null,
                _ => p.FindExtCommunityList(name) is not null,
            };
            if (defined) continue;
            string what = kind switch
            {
                RefKind.RouteMap => "route-map",
                RefKind.PrefixList => afi == Afi.Ipv6 ? "ipv6 prefix-list" : "ip prefix-list",
                RefKind.AsPathList => "as-path access-list",
                RefKind.CommunityList => "community-list",
                RefKind.LargeCommunityList => "large-community-list",
                _ => "extcommunity-list",
            };
            ErrorAt(line, cmd, $"{what} '{name}' is not defined", ConfigSeverity.Warning);
        }
        foreach (var (name, line, cmd) in _bfdProfileRefs)
            if (cfg.Bfd.FindProfile(name) is null)
                ErrorAt(line, cmd, $"bfd profile '{name}' is not defined (defaults apply)", ConfigSeverity.Warning);
    }
}
