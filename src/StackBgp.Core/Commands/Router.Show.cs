using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StackBgp.Bfd;
using StackBgp.Core.Commands;
using StackBgp.Routing;
using StackBgp.Session;
using StackBgp.Wire;

namespace StackBgp.Core;

public sealed partial class Router
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private async Task<CommandResult> ShowSummaryAsync(AddressFamily? only, bool json)
    {
        if (_config.Bgp is null) return CommandResult.Fail("BGP is not configured (no `router bgp`)");
        var ribPeers = (await Rib.GetNeighborsAsync().ConfigureAwait(false)).ToDictionary(n => n.PeerId);
        var stats = await Rib.GetStatisticsAsync().ConfigureAwait(false);
        var families = only is { } f ? [f] : new[] { AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast };
        var root = new JsonObject();
        var text = new StringBuilder();
        foreach (var family in families)
        {
            var peers = _peers.Values.Where(p => p.Config.ActiveFamilies.Contains(family)).OrderBy(p => p.Address, AddressComparer.Instance).ToList();
            if (peers.Count == 0 && only is null) continue;
            int prefixes = family == AddressFamily.Ipv4Unicast ? stats.Ipv4Prefixes : stats.Ipv6Prefixes;
            if (json)
            {
                var jp = new JsonObject();
                foreach (var p in peers)
                {
                    ribPeers.TryGetValue(p.Id, out var rn);
                    var up = p.EstablishedSince is { } since ? Time.GetUtcNow() - since : (TimeSpan?)null;
                    jp[p.Config.Id] = new JsonObject
                    {
                        ["hostname"] = p.Session?.Negotiated?.PeerHostName,
                        ["remoteAs"] = p.Session?.Negotiated?.PeerAs ?? p.Config.RemoteAs?.Asn ?? 0,
                        ["localAs"] = LocalAs,
                        ["version"] = 4,
                        ["msgRcvd"] = p.Session?.MessagesReceived ?? 0,
                        ["msgSent"] = p.MessagesQueued,
                        ["tableVersion"] = 0,
                        ["outq"] = 0,
                        ["inq"] = 0,
                        ["peerUptime"] = FormatUptime(up ?? (p.LastChange is { } lc ? Time.GetUtcNow() - lc : null)),
                        ["peerUptimeMsec"] = (long)(up?.TotalMilliseconds ?? 0),
                        ["pfxRcd"] = rn?.PrefixesAccepted ?? 0,
                        ["pfxSnt"] = rn?.PrefixesSent ?? 0,
                        ["state"] = StateName(p),
                        ["peerState"] = p.State == BgpState.Established ? "OK" : p.Config.Shutdown ? "Admin" : "Idle",
                        ["connectionsEstablished"] = p.EstablishedCount,
                        ["connectionsDropped"] = p.DroppedCount,
                        ["desc"] = p.Config.Description,
                        ["idType"] = p.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
                        ["dynamicPeer"] = IsDynamicPeer(p.Config.Id) ? true : null,
                    };
                }
                root[family == AddressFamily.Ipv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = new JsonObject
                {
                    ["routerId"] = FormatId(_routerId),
                    ["as"] = LocalAs,
                    ["vrfId"] = 0,
                    ["vrfName"] = "default",
                    ["tableVersion"] = stats.Version,
                    ["ribCount"] = prefixes,
                    ["peerCount"] = peers.Count,
                    ["peers"] = jp,
                    ["failedPeers"] = peers.Count(p => p.State != BgpState.Established),
                    ["displayedPeers"] = peers.Count,
                    ["totalPeers"] = peers.Count,
                    ["dynamicPeers"] = peers.Count(p => IsDynamicPeer(p.Config.Id)),
                    ["bestPath"] = new JsonObject { ["multiPathRelax"] = _config.Bgp.BestpathAsPathMultipathRelax ? "true" : "false" },
                };
                continue;
            }
            text.Append(Inv, $"{(family == AddressFamily.Ipv4Unicast ? "IPv4" : "IPv6")} Unicast Summary (VRF default):\n");
            text.Append(Inv, $"BGP router identifier {FormatId(_routerId)}, local AS number {LocalAs} vrf-id 0\n");
            text.Append(Inv, $"BGP table version {stats.Version}\n");
            text.Append(Inv, $"RIB entries {prefixes}, using {stats.Paths} paths and {stats.AttributeSets} attribute sets\n");
            text.Append(Inv, $"Peers {peers.Count}\n\n");
            text.Append("Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc\n");
            foreach (var p in peers)
            {
                ribPeers.TryGetValue(p.Id, out var rn);
                string name = p.Config.Id.Length > 15 ? p.Config.Id + "\n" + new string(' ', 16) : p.Config.Id.PadRight(16);
                var up = p.EstablishedSince is { } since ? Time.GetUtcNow() - since : p.LastChange is { } lc ? Time.GetUtcNow() - lc : (TimeSpan?)null;
                string state = p.State == BgpState.Established ? (rn?.PrefixesAccepted ?? 0).ToString(Inv) : StateName(p);
                string sent = p.State == BgpState.Established ? (rn?.PrefixesSent ?? 0).ToString(Inv) : "0";
                text.Append(Inv, $"{name}4 {p.Session?.Negotiated?.PeerAs ?? p.Config.RemoteAs?.Asn ?? 0,10} {p.Session?.MessagesReceived ?? 0,9} {p.MessagesQueued,9} {0,8} {0,4} {0,4} {FormatUptime(up),8} {state,12} {sent,8} {p.Config.Description ?? "N/A"}\n");
            }
            text.Append(Inv, $"\nTotal number of neighbors {peers.Count}\n\n");
        }
        return CommandResult.Ok(json ? FrrJson.Format(root) : text.ToString());
    }

    private async Task<CommandResult> ShowNeighborsAsync(string? which, bool json)
    {
        IEnumerable<Peer> peers = _peers.Values.OrderBy(p => p.Address, AddressComparer.Instance);
        if (which is not null)
        {
            var one = FindPeer(which);
            if (one is null) return CommandResult.Fail($"no such neighbor: {which}");
            peers = [one];
        }
        var ribPeers = (await Rib.GetNeighborsAsync().ConfigureAwait(false)).ToDictionary(n => n.PeerId);
        var root = new JsonObject();
        var text = new StringBuilder();
        foreach (var p in peers)
        {
            ribPeers.TryGetValue(p.Id, out var rn);
            var neg = p.Session?.Negotiated;
            BfdPeerStatus? bfd = p.Config.Bfd && _bfd is not null ? await _bfd.StatusOfAsync(p.Address).ConfigureAwait(false) : null;
            bool internalPeer = neg?.IsInternal ?? p.Config.IsInternal(LocalAs);
            var up = p.EstablishedSince is { } since ? Time.GetUtcNow() - since : (TimeSpan?)null;
            if (json)
            {
                var families = new JsonObject();
                foreach (var f in p.Config.ActiveFamilies)
                {
                    families[f == AddressFamily.Ipv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = new JsonObject
                    {
                        ["acceptedPrefixCounter"] = rn?.PrefixesAccepted ?? 0,
                        ["sentPrefixCounter"] = rn?.PrefixesSent ?? 0,
                        ["inboundEbgpRequiresPolicy"] = rn?.Rfc8212InboundBlocked == true ? "Inbound updates discarded due to missing policy" : null,
                        ["outboundEbgpRequiresPolicy"] = rn?.Rfc8212OutboundBlocked == true ? "Outbound updates discarded due to missing policy" : null,
                    };
                }
                root[p.Config.Id] = new JsonObject
                {
                    ["remoteAs"] = neg?.PeerAs ?? p.Config.RemoteAs?.Asn ?? 0,
                    ["localAs"] = LocalAs,
                    ["nbrInternalLink"] = internalPeer,
                    ["nbrExternalLink"] = !internalPeer,
                    ["hostname"] = neg?.PeerHostName,
                    ["nbrDesc"] = p.Config.Description,
                    ["peerGroup"] = p.Config.PeerGroup,
                    ["remoteRouterId"] = neg is null ? "0.0.0.0" : FormatId(neg.PeerBgpId),
                    ["localRouterId"] = FormatId(_routerId),
                    ["bgpState"] = StateName(p),
                    ["bgpTimerUpMsec"] = (long)(up?.TotalMilliseconds ?? 0),
                    ["bgpTimerHoldTimeMsecs"] = (neg?.HoldTime ?? p.Config.Hold) * 1000,
                    ["bgpTimerKeepAliveIntervalMsecs"] = (long)(neg?.KeepaliveInterval.TotalMilliseconds ?? p.Config.KeepAlive * 1000),
                    ["connectionsEstablished"] = p.EstablishedCount,
                    ["connectionsDropped"] = p.DroppedCount,
                    ["lastResetDueTo"] = p.LastResetReason,
                    ["hostLocal"] = neg?.LocalEndPoint?.Address is { } la ? Unmap(la)!.ToString() : null,
                    ["portLocal"] = neg?.LocalEndPoint?.Port,
                    ["hostForeign"] = p.Address.ToString(),
                    ["portForeign"] = neg?.RemoteEndPoint?.Port,
                    ["updatesRecv"] = rn?.UpdatesReceived ?? p.UpdatesReceived,
                    ["withdrawsRecv"] = rn?.WithdrawsReceived ?? 0,
                    ["prefixesDeniedByPolicy"] = rn?.DeniedByPolicy ?? 0,
                    ["prefixesDeniedByRfc8212"] = rn?.DeniedByRfc8212 ?? 0,
                    ["addressFamilyInfo"] = families,
                    ["gracefulRestartInfo"] = GracefulRestartJson(p, neg, rn),
                    ["peerBfdInfo"] = bfd is null ? null : new JsonObject
                    {
                        ["type"] = bfd.Key.Multihop ? "multi hop" : "single hop",
                        ["detectMultiplier"] = bfd.DetectMultiplier,
                        ["rxMinInterval"] = (int)bfd.RequiredMinRx.TotalMilliseconds,
                        ["txMinInterval"] = (int)bfd.DesiredMinTx.TotalMilliseconds,
                        ["status"] = bfd.State.ToString(),
                        ["lastUpdate"] = BfdShow.FormatDuration(bfd.SinceLastChange),
                    },
                };
                continue;
            }
            text.Append(Inv, $"BGP neighbor is {p.Config.Id}, remote AS {neg?.PeerAs.ToString(Inv) ?? p.Config.RemoteAs?.ToString() ?? "?"}, local AS {LocalAs}, {(internalPeer ? "internal" : "external")} link\n");
            if (neg?.PeerHostName is { } hn) text.Append(Inv, $"  Hostname: {hn}\n");
            if (p.Config.Description is { } d) text.Append(Inv, $" Description: {d}\n");
            if (p.Config.PeerGroup is { } g) text.Append(Inv, $" Member of peer-group {g} for session parameters\n");
            text.Append(Inv, $"  BGP version 4, remote router ID {(neg is null ? "0.0.0.0" : FormatId(neg.PeerBgpId))}, local router ID {FormatId(_routerId)}\n");
            text.Append(Inv, $"  BGP state = {StateName(p)}{(up is { } u ? $", up for {FormatUptime(u)}" : "")}\n");
            if (p.HeldDownByBfd) text.Append("  Held down: BFD session is down\n");
            text.Append(Inv, $"  Hold time is {neg?.HoldTime ?? p.Config.Hold} seconds, keepalive interval is {(int)(neg?.KeepaliveInterval.TotalSeconds ?? p.Config.KeepAlive)} seconds\n");
            text.Append(Inv, $"  Configured hold time is {p.Config.Hold} seconds, keepalive interval is {p.Config.KeepAlive} seconds, connect-retry {p.Config.ConnectRetry} seconds\n");
            if (neg is not null)
            {
                text.Append("  Neighbor capabilities:\n");
                text.Append(Inv, $"    4 Byte AS: {(neg.FourOctetAs ? "advertised and received" : "not negotiated")}\n");
                foreach (var f in neg.Families) text.Append(Inv, $"    Address Family {f}: advertised and received\n");
                text.Append(Inv, $"    Route refresh: {(neg.RouteRefresh ? "advertised and received" : "not negotiated")}{(neg.EnhancedRouteRefresh ? " (enhanced)" : "")}\n");
                if (!neg.ExtendedNextHop.IsEmpty) text.Append("    Extended nexthop: advertised and received (IPv4 unicast over IPv6)\n");
                if (neg.ExtendedMessage) text.Append("    Extended Message: advertised and received\n");
                foreach (var ap in neg.AddPath) text.Append(Inv, $"    AddPath: {ap.Family} {ap.Mode}\n");
                text.Append(Inv, $"    Graceful Restart: {(neg.PeerGracefulRestart is { } gr ? $"received, restart time {gr.RestartTime} s" : "not received")}\n");
            }
            AppendGracefulRestart(text, p, neg, rn);
            foreach (var f in p.Config.ActiveFamilies)
            {
                text.Append(Inv, $"\n For address family: {(f == AddressFamily.Ipv4Unicast ? "IPv4" : "IPv6")} Unicast\n");
                text.Append(Inv, $"  {rn?.PrefixesAccepted ?? 0} accepted prefixes, {rn?.PrefixesSent ?? 0} sent\n");
                if (rn is { DeniedByPolicy: > 0 }) text.Append(Inv, $"  {rn.DeniedByPolicy} prefixes denied by policy\n");
                if (rn?.Rfc8212InboundBlocked == true) text.Append("  Inbound updates discarded due to missing policy (RFC 8212: no bgp ebgp-requires-policy to accept)\n");
                if (rn?.Rfc8212OutboundBlocked == true) text.Append("  Outbound updates discarded due to missing policy (RFC 8212)\n");
            }
            text.Append(Inv, $"\n  Connections established {p.EstablishedCount}; dropped {p.DroppedCount}\n");
            if (p.LastResetReason is { } reason) text.Append(Inv, $"  Last reset: {reason}\n");
            if (neg?.LocalEndPoint is { } le) text.Append(Inv, $"Local host: {Unmap(le.Address)}, Local port: {le.Port}\n");
            if (neg?.RemoteEndPoint is { } re) text.Append(Inv, $"Foreign host: {Unmap(re.Address)}, Foreign port: {re.Port}\n");
            if (bfd is not null)
            {
                text.Append(Inv, $"\n  BFD: Type: {(bfd.Key.Multihop ? "multi hop" : "single hop")}\n");
                text.Append(Inv, $"    Detect Multiplier: {bfd.DetectMultiplier}, Min Rx interval: {(int)bfd.RequiredMinRx.TotalMilliseconds}, Min Tx interval: {(int)bfd.DesiredMinTx.TotalMilliseconds}\n");
                text.Append(Inv, $"    Status: {bfd.State}, Last update: {BfdShow.FormatDuration(bfd.SinceLastChange)}\n");
            }
            text.Append('\n');
        }
        return CommandResult.Ok(json ? FrrJson.Format(root) : text.ToString());
    }

    private async Task<CommandResult> ShowNeighborRoutesAsync(string which, AddressFamily family, bool advertised, bool json)
    {
        var p = FindPeer(which);
        if (p is null) return CommandResult.Fail($"no such neighbor: {which}");
        var table = advertised
            ? await Rib.GetAdvertisedRoutesAsync(p.Id, family).ConfigureAwait(false)
            : await Rib.GetReceivedRoutesAsync(p.Id, family).ConfigureAwait(false);
        uint lp = _config.Bgp?.DefaultLocalPreference ?? 100;
        return CommandResult.Ok(json ? BgpShow.TableJson(table, lp) : BgpShow.FormatTable(table, lp));
    }

    private async Task<CommandResult> ShowBgpAsync(AddressFamily family, string? prefixText, bool json)
    {
        uint lp = _config.Bgp?.DefaultLocalPreference ?? 100;
        if (prefixText is null)
        {
            var table = await Rib.GetTableAsync(family).ConfigureAwait(false);
            return CommandResult.Ok(json ? BgpShow.TableJson(table, lp) : BgpShow.FormatTable(table, lp));
        }
        if (!Prefix.TryParse(prefixText, strictHostBits: false, out var prefix))
            return CommandResult.Fail($"malformed prefix or address: {prefixText}");
        var route = await Rib.GetRouteAsync(prefix).ConfigureAwait(false);
        if (route is null) return json ? CommandResult.Ok("{}\n") : CommandResult.Fail("network not in table");
        return CommandResult.Ok(json ? BgpShow.RouteJson(route) : BgpShow.FormatRoute(route, _config.Hostname ?? ""));
    }

    private async Task<CommandResult> ShowBfdAsync(bool brief, bool json)
    {
        if (_bfd is null) return CommandResult.Ok(json ? "[]\n" : "BFD Peers:\n");
        var snap = await _bfd.SnapshotAsync().ConfigureAwait(false);
        return CommandResult.Ok(json ? BfdShow.FormatJson(snap.Peers) : brief ? BfdShow.FormatBrief([.. snap.Peers]) : BfdShow.FormatText(snap.Peers));
    }

    private async Task<CommandResult> ShowBfdCountersAsync()
    {
        if (_bfd is null) return CommandResult.Ok("[]\n");
        var snap = await _bfd.SnapshotAsync().ConfigureAwait(false);
        return CommandResult.Ok(BfdShow.FormatCountersJson(snap.Peers));
    }

    private async Task<CommandResult> ClearAsync(string which, bool soft, bool inbound, bool outbound)
    {
        var peers = which == "*" ? _peers.Values.ToList() : FindPeer(which) is { } one ? [one] : [];
        if (peers.Count == 0) return CommandResult.Fail($"no such neighbor: {which}");
        foreach (var p in peers)
        {
            if (soft || inbound || outbound)
            {
                bool both = !inbound && !outbound;
                await Rib.PostAsync(new RibCommand.ClearSoft(p.Id, both || inbound, both || outbound)).ConfigureAwait(false);
            }
            else if (p.Session is { } s)
            {
                // A hard clear: Cease/Administrative Reset (RFC 4486 §4 subcode 4), then connect again.
                await s.StopAsync(CeaseSubcode.AdministrativeReset, null).ConfigureAwait(false);
                if (!p.Config.Shutdown && !p.HeldDownByBfd) s.Start();
            }
        }
        return CommandResult.Ok("");
    }

    private string StateName(Peer p) =>
        p.Config.Shutdown ? "Idle (Admin)" : p.HeldDownByBfd ? "Idle (BFD)" : p.State.ToString();

    internal static string FormatUptime(TimeSpan? t)
    {
        if (t is not { } v) return "never";
        if (v.TotalDays < 1) return v.ToString(@"hh\:mm\:ss", Inv);
        if (v.TotalDays < 7) return string.Create(Inv, $"{v.Days}d{v.Hours:00}h{v.Minutes:00}m");
        return string.Create(Inv, $"{v.Days / 7:00}w{v.Days % 7}d{v.Hours:00}h");
    }


    private sealed class AddressComparer : IComparer<IPAddress>
    {
        public static readonly AddressComparer Instance = new();

        public int Compare(IPAddress? x, IPAddress? y)
        {
            var a = x!.GetAddressBytes();
            var b = y!.GetAddressBytes();
            return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.AsSpan().SequenceCompareTo(b);
        }
    }
}
