using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>
/// Builds our OPEN from the configuration and checks the peer's (RFC 4271 §6.2, RFC 5492,
/// RFC 6286, RFC 9234): what both sides support is what is used; a mismatch that cannot work
/// becomes the right OPEN Message Error NOTIFICATION. Pure functions.
/// </summary>
public static class CapabilityNegotiation
{
    public static OpenMessage BuildOpen(SessionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var caps = ImmutableArray.CreateBuilder<Capability>();
        foreach (var f in config.Families) caps.Add(new MultiprotocolCapability(f));
        if (config.RouteRefresh) caps.Add(new RouteRefreshCapability());
        if (config.EnhancedRouteRefresh) caps.Add(new EnhancedRouteRefreshCapability());
        caps.Add(new FourOctetAsCapability(config.LocalAs));
        if (config.ExtendedMessage) caps.Add(new ExtendedMessageCapability());
        if (!config.AddPath.IsDefaultOrEmpty) caps.Add(new AddPathCapability(config.AddPath));
        if (!config.ExtendedNextHop.IsDefaultOrEmpty) caps.Add(new ExtendedNextHopCapability(config.ExtendedNextHop));
        if (config.GracefulRestart is not null) caps.Add(config.GracefulRestart);
        if (config.LongLivedGracefulRestart is not null) caps.Add(config.LongLivedGracefulRestart);
        if (config.HostName is not null) caps.Add(new FqdnCapability(config.HostName, config.DomainName ?? ""));
        if (config.Role is BgpRole role) caps.Add(new RoleCapability(role));
        return OpenMessage.Create(config.LocalAs, config.HoldTime, config.LocalBgpId, caps.ToImmutable()) with
        {
            OneCapabilityPerParameter = config.OneCapabilityPerParameter,
        };
    }

    /// <summary>
    /// Checks the received OPEN against ours and the configuration. On success returns the
    /// negotiated session; otherwise the NOTIFICATION to send.
    /// </summary>
    public static bool TryNegotiate(SessionConfig config, OpenMessage sent, OpenMessage received,
        IPEndPoint? local, IPEndPoint? remote, out NegotiatedSession? session, out NotificationMessage? error)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(received);
        session = null;
        error = null;

        // §6.2: version (the codec already refuses anything but 4; checked again for OPENs built in code).
        if (received.Version != 4)
            return Fail(out error, OpenMessageSubcode.UnsupportedVersionNumber, [0, 4]);

        // RFC 6793 §4.1: the real ASN is in the 4-octet AS capability when present.
        var peer4 = received.GetCapability<FourOctetAsCapability>();
        uint peerAs = peer4?.Asn ?? received.MyAs;
        bool asOk = config.PeerAsMode switch
        {
            PeerAsMode.Internal => peerAs == config.LocalAs,
            PeerAsMode.External => peerAs != config.LocalAs,
            _ => peerAs == config.PeerAs,
        };
        if (!asOk || (peer4 is not null && received.MyAs != Asn.ToTwoOctet(peerAs)))
            return Fail(out error, OpenMessageSubcode.BadPeerAs, TwoOctets(received.MyAs));
        bool internalPeer = peerAs == config.LocalAs;

        // §6.2 / RFC 6286 §2.2: the identifier must be non-zero (codec) and, within one AS, differ from ours.
        if (received.BgpId == 0 || (internalPeer && received.BgpId == config.LocalBgpId))
            return Fail(out error, OpenMessageSubcode.BadBgpIdentifier, []);

        if (!HoldTimes.TryNegotiate(sent.HoldTime, received.HoldTime, out ushort hold, out error)) return false;

        // RFC 4760 §8 / RFC 5492: families both sides listed; without any multiprotocol capability a
        // speaker supports IPv4 unicast only.
        var ours = Families(sent);
        var theirs = Families(received);
        var common = ours.Where(theirs.Contains).ToImmutableArray();
        if (common.IsEmpty)
        {
            // RFC 5492 §3: Unsupported Capability, carrying the capabilities that caused it.
            var data = new List<byte>();
            foreach (var f in ours) data.AddRange(Encode(new MultiprotocolCapability(f)));
            return Fail(out error, OpenMessageSubcode.UnsupportedCapability, data.ToArray());
        }

        // RFC 9234 §4.2: roles must pair up; strict mode requires the capability.
        var peerRole = received.GetCapability<RoleCapability>()?.Role;
        if (config.Role is BgpRole myRole)
        {
            if (peerRole is BgpRole r ? !RolesMatch(myRole, r) : config.StrictRole)
                return Fail(out error, OpenMessageSubcode.RoleMismatch, []);
        }

        bool fourOctet = peer4 is not null && sent.GetCapability<FourOctetAsCapability>() is not null;
        bool extMsg = received.GetCapability<ExtendedMessageCapability>() is not null && sent.GetCapability<ExtendedMessageCapability>() is not null;
        bool rr = received.Capabilities.Any(c => c is RouteRefreshCapability);
        bool err = received.GetCapability<EnhancedRouteRefreshCapability>() is not null && sent.GetCapability<EnhancedRouteRefreshCapability>() is not null;
        var addPath = NegotiateAddPath(sent.GetCapability<AddPathCapability>(), received.GetCapability<AddPathCapability>(), common);
        var enh = NegotiateExtendedNextHop(sent.GetCapability<ExtendedNextHopCapability>(), received.GetCapability<ExtendedNextHopCapability>());
        var fqdn = received.GetCapability<FqdnCapability>();
        int max = extMsg ? DecodeContext.ExtendedMaxLength : DecodeContext.StandardMaxLength;

        var enhFamilies = enh.Select(e => e.Family).Distinct().ToImmutableArray();
        session = new NegotiatedSession
        {
            PeerAddress = config.PeerAddress,
            LocalEndPoint = local,
            RemoteEndPoint = remote,
            PeerAs = peerAs,
            LocalAs = config.LocalAs,
            PeerBgpId = received.BgpId,
            IsInternal = internalPeer,
            HoldTime = hold,
            KeepaliveInterval = HoldTimes.KeepaliveInterval(hold, config.KeepaliveTime),
            Families = common,
            FourOctetAs = fourOctet,
            RouteRefresh = rr,
            EnhancedRouteRefresh = err,
            ExtendedMessage = extMsg,
            AddPath = addPath,
            ExtendedNextHop = enh,
            PeerGracefulRestart = received.GetCapability<GracefulRestartCapability>(),
            PeerLongLivedGracefulRestart = received.GetCapability<LongLivedGracefulRestartCapability>(),
            GracefulRestartNotification = GracefulRestartNotification.Negotiated(sent, received),
            PeerHostName = fqdn?.HostName,
            PeerDomainName = fqdn?.DomainName,
            PeerRole = peerRole,
            DecodeContext = new DecodeContext
            {
                FourOctetAs = fourOctet,
                MaxMessageLength = max,
                AddPathReceive = addPath.Where(a => a.Mode.HasFlag(AddPathMode.Receive)).Select(a => a.Family).ToImmutableArray(),
                ExtendedNextHop = enhFamilies,
                IsInternal = internalPeer,
            },
            EncodeContext = new EncodeContext
            {
                FourOctetAs = fourOctet,
                MaxMessageLength = max,
                AddPathSend = addPath.Where(a => a.Mode.HasFlag(AddPathMode.Send)).Select(a => a.Family).ToImmutableArray(),
                Ipv4ViaMpReach = enhFamilies.Contains(AddressFamily.Ipv4Unicast),
            },
            SentOpen = sent,
            ReceivedOpen = received,
        };
        return true;
    }

    /// <summary>RFC 9234 §4.2 table: Provider–Customer, RS–RS-Client, Peer–Peer.</summary>
    public static bool RolesMatch(BgpRole local, BgpRole remote) => (local, remote) switch
    {
        (BgpRole.Provider, BgpRole.Customer) or (BgpRole.Customer, BgpRole.Provider) => true,
        (BgpRole.RouteServer, BgpRole.RouteServerClient) or (BgpRole.RouteServerClient, BgpRole.RouteServer) => true,
        (BgpRole.Peer, BgpRole.Peer) => true,
        _ => false,
    };

    private static List<AddressFamily> Families(OpenMessage open)
    {
        var list = open.Capabilities.OfType<MultiprotocolCapability>().Select(m => m.Family).Distinct().ToList();
        if (list.Count == 0) list.Add(AddressFamily.Ipv4Unicast);
        return list;
    }

    /// <summary>
    /// RFC 7911 §4: we receive path ids for a family when we offered Receive and the peer offered
    /// Send, and send them when we offered Send and the peer offered Receive.
    /// </summary>
    private static ImmutableArray<AddPathEntry> NegotiateAddPath(AddPathCapability? ours, AddPathCapability? theirs, ImmutableArray<AddressFamily> families)
    {
        if (ours is null || theirs is null) return [];
        var result = ImmutableArray.CreateBuilder<AddPathEntry>();
        foreach (var o in ours.Entries)
        {
            if (!families.Contains(o.Family)) continue;
            var t = theirs.Entries.FirstOrDefault(e => e.Family == o.Family);
            AddPathMode mode = AddPathMode.None;
            if (o.Mode.HasFlag(AddPathMode.Receive) && t.Mode.HasFlag(AddPathMode.Send)) mode |= AddPathMode.Receive;
            if (o.Mode.HasFlag(AddPathMode.Send) && t.Mode.HasFlag(AddPathMode.Receive)) mode |= AddPathMode.Send;
            if (mode != AddPathMode.None) result.Add(new AddPathEntry(o.Family, mode));
        }
        return result.ToImmutable();
    }

    private static ImmutableArray<ExtendedNextHopEntry> NegotiateExtendedNextHop(ExtendedNextHopCapability? ours, ExtendedNextHopCapability? theirs)
    {
        if (ours is null || theirs is null) return [];
        return ours.Entries.Where(theirs.Entries.Contains).ToImmutableArray();
    }

    private static byte[] Encode(Capability c)
    {
        var buf = new byte[2 + CapabilityCodec.ValueLength(c)];
        CapabilityCodec.Write(buf, c);
        return buf;
    }

    private static byte[] TwoOctets(ushort v) => [(byte)(v >> 8), (byte)v];

    private static bool Fail(out NotificationMessage? error, OpenMessageSubcode subcode, byte[] data)
    {
        error = new NotificationMessage(BgpErrorCode.OpenMessage, (byte)subcode, data.ToImmutableArray());
        return false;
    }
}
