using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;
using StackBgp.Wire;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Routing;

// Adj-RIB-Out per update group: membership, the advertisement rules, flushing encoded UPDATEs.
public sealed partial class RibActor
{
    // Prefixes of one flush grouped by the attributes they are sent with (one UPDATE, or a few, per entry).
    // For a group without outbound policy by reference to what they are computed from (Loc-RIB set,
    // source peer): the export cache has one view per pair, and hashing every outbound set in full cost
    // more than the rare extra UPDATE for two equal ones. A policy may build a new set per prefix: grouped
    // by value there.
    private readonly Dictionary<FlushKey, Queued> _flushByReference = new(FlushKey.ByReference);
    private readonly Dictionary<FlushKey, Queued> _flushByValue = new(FlushKey.ByValue);
    private bool _flushGroupsByValue;

    private Dictionary<FlushKey, Queued> FlushScratch => _flushGroupsByValue ? _flushByValue : _flushByReference;

    private struct Queued
    {
        public AttributeView Attributes;
        public List<Nlri> Prefixes;
    }

    /// <summary>What a flush groups prefixes by: the attribute set and the peer it came from (null: a set built for the group).</summary>
    private readonly record struct FlushKey(PathAttributes Attributes, PeerState? Peer)
    {
        public static readonly IEqualityComparer<FlushKey> ByReference = new ReferenceComparer();
        public static readonly IEqualityComparer<FlushKey> ByValue = new ValueComparer();

        private sealed class ReferenceComparer : IEqualityComparer<FlushKey>
        {
            public bool Equals(FlushKey a, FlushKey b) => ReferenceEquals(a.Attributes, b.Attributes) && ReferenceEquals(a.Peer, b.Peer);
            public int GetHashCode(FlushKey k) =>
                System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Attributes) * 31 + (k.Peer is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Peer));
        }

        private sealed class ValueComparer : IEqualityComparer<FlushKey>
        {
            public bool Equals(FlushKey a, FlushKey b) => a.Attributes.Equals(b.Attributes);
            public int GetHashCode(FlushKey k) => k.Attributes.GetHashCode();
        }
    }

    private void BeginFlushScratch(UpdateGroup g)
    {
        ClearFlushScratch();
        _flushGroupsByValue = g.Key.ExportPolicy is not null;
    }
    private readonly List<Nlri> _withdrawScratch = [];
    private readonly List<int> _freeSlots = [];
    private int _nextSlot;

    private UpdateGroupKey KeyFor(PeerState peer, AddressFamily family)
    {
        var d = peer.Descriptor!;
        bool ext = d.ExtendedNextHop.Contains(family);
        var self = SelfNextHop(d, family, ext);
        var encode = new EncodeContext
        {
            FourOctetAs = d.FourOctetAs,
            MaxMessageLength = d.ExtendedMessage ? DecodeContext.ExtendedMaxLength : DecodeContext.StandardMaxLength,
            AddPathSend = [],
            Ipv4ViaMpReach = family == AddressFamily.Ipv4Unicast && self.IsIpv6,
        };
        bool blocked = peer.Kind == PeerKind.External && d.ExportPolicy is null && _options.EbgpRequiresPolicy;
        return new UpdateGroupKey(family, peer.Kind, d.RouteReflectorClient, d.LocalAs, d.ExportPolicy, blocked, self, d.NextHopSelf,
            SharedSubnet(d), d.SendCommunity, d.DefaultOriginate.Contains(family), encode, d.AdvertisementInterval)
        {
            LlgrReceiver = d.LongLivedGracefulRestartReceiver,
        };
    }

    /// <summary>
    /// The next hop we put on routes for this peer and family: the session's local address; for IPv6 the
    /// global plus our link-local (RFC 2545 §3); for IPv4 over an IPv6 session, the IPv6 addresses when
    /// RFC 8950 extended next hop was negotiated, otherwise our configured IPv4 address.
    /// </summary>
    private static NextHop SelfNextHop(PeerDescriptor d, AddressFamily family, bool extendedNextHop)
    {
        var local = d.LocalAddress;
        bool localV6 = local.AddressFamily == SocketFamily.InterNetworkV6;
        if (family.Afi == Afi.Ipv6 || (extendedNextHop && localV6 && d.LocalIpv4 is null))
        {
            var global = localV6 && !local.IsIPv6LinkLocal ? local : d.LocalIpv6Global ?? (localV6 ? local : null);
            if (global is null) return NextHop.None;
            var ll = d.LocalLinkLocal ?? (localV6 && local.IsIPv6LinkLocal ? local : null);
            return ll is null || global.Equals(ll) ? NextHop.FromAddress(global) : NextHop.FromAddress(global, ll);
        }
        var v4 = localV6 ? d.LocalIpv4 : local;
        return v4 is null ? NextHop.None : NextHop.FromAddress(v4);
    }

    private static Prefix? SharedSubnet(PeerDescriptor d) => d.SharedSubnet;

    private void JoinGroups(PeerState peer, bool sendEndOfRib)
    {
        var d = peer.Descriptor!;
        peer.Rfc8212BlocksExport = peer.Kind == PeerKind.External && d.ExportPolicy is null && _options.EbgpRequiresPolicy;
        if (peer.Rfc8212BlocksExport) Log.Rfc8212(_log, d.Address.ToString(), "outbound", "sent");
        if (peer.Kind == PeerKind.External && d.ImportPolicy is null && _options.EbgpRequiresPolicy) Log.Rfc8212(_log, d.Address.ToString(), "inbound", "accepted");
        foreach (var family in d.Families)
        {
            var key = KeyFor(peer, family);
            if (!_groups.TryGetValue(key, out var group))
            {
                int slot = _freeSlots.Count > 0 ? _freeSlots[^1] : _nextSlot++;
                if (_freeSlots.Count > 0) _freeSlots.RemoveAt(_freeSlots.Count - 1);
                group = new UpdateGroup(_nextGroupId++, slot, key);
                _groups.Add(key, group);
                group.Members.Add(peer);
                group.OnlyPeer = peer;
                RecomputeGroup(group, force: false);
                group.ClearChanged(); // the dump below sends the whole Adj-RIB-Out
            }
            else
            {
                if (group.OnlyPeer is not null)
                {
                    // The single member's own routes were held back; with two members they are advertised
                    // (to the old member now, to the new one in its dump).
                    group.OnlyPeer = null;
                    RecomputeGroup(group, force: false);
                    FlushGroup(group);
                }
                group.Members.Add(peer);
            }
            peer.Groups[family] = group;
            DumpGroupTo(group, peer);
            if (sendEndOfRib && peer.EndOfRibSent.Add(family))
                d.Sender.Send(_encoder.EncodeEndOfRib(family, group.Key.Encode)); // RFC 4724 §2 after the initial table
        }
    }

    private void LeaveGroups(PeerState peer)
    {
        foreach (var g in peer.Groups.Values)
        {
            g.Members.Remove(peer);
            if (g.Members.Count == 0) DropGroup(g);
            else if (g.Members.Count == 1)
            {
                g.OnlyPeer = g.Members[0];
                RecomputeGroup(g, force: false); // withdraws the remaining member's own routes
                FlushGroup(g);
            }
        }
        peer.Groups.Clear();
    }

    private void DropGroup(UpdateGroup g)
    {
        g.ClearChanged();
        if (g.Slot < Destination.PendingSlots) foreach (var d in Table(g.Family).Values) d.SetAdvertised(g.Slot, false);
        g.ClearExportCache();
        _groups.Remove(g.Key);
        _freeSlots.Add(g.Slot);
    }

    /// <summary>Moves an up peer to the groups matching its current descriptor; withdraws what it no longer gets.</summary>
    private void Regroup(PeerState peer)
    {
        var before = new Dictionary<AddressFamily, List<Prefix>>();
        foreach (var (family, g) in peer.Groups)
        {
            var list = new List<Prefix>();
            foreach (var d in Table(family).Values) if (g.IsAdvertised(d)) list.Add(d.Prefix);
            if (g.Key.DefaultOriginate) list.Add(DefaultPrefix(family));
            before[family] = list;
        }
        LeaveGroups(peer);
        JoinGroups(peer, sendEndOfRib: false);
        foreach (var (family, prefixes) in before)
        {
            peer.Groups.TryGetValue(family, out var g);
            var gone = prefixes.Where(p => g is null || !IsAdvertised(g, p)).Select(p => new Nlri(p)).ToArray();
            if (gone.Length == 0) continue;
            _encoded.Clear();
            _encoder.EncodeWithdraw(family, gone, g?.Key.Encode ?? default, _encoded);
            SendEncoded(peer.Descriptor!.Sender);
            _encoded.Clear();
        }
    }

    private bool IsAdvertised(UpdateGroup g, Prefix p) =>
        (g.Key.DefaultOriginate && p.Length == 0) || (Table(p).TryGetValue(p, out var d) && g.IsAdvertised(d));

    /// <summary>
    /// Recomputes the group's Adj-RIB-Out from the Loc-RIB (new group, membership change, soft out,
    /// option change). With <paramref name="force"/> every advertised prefix is sent again.
    /// </summary>
    private void RecomputeGroup(UpdateGroup g, bool force)
    {
        foreach (var d in Table(g.Family).Values) ExportTo(g, d, force);
        if (g.Key.DefaultOriginate) g.MarkDefaultChanged(DefaultPrefix(g.Family));
    }

    private static Prefix DefaultPrefix(AddressFamily family) => family.Afi == Afi.Ipv6 ? Prefix.FromV6(0, 0, 0) : Prefix.FromV4(0, 0);

    /// <summary><c>default-originate</c>: 0.0.0.0/0 or ::/0, origin IGP, from us.</summary>
    private PathAttributes DefaultRouteAttrs(UpdateGroup g)
    {
        var a = new PathAttributes { Origin = Origin.Igp, NextHop = g.Key.SelfNextHop };
        if (g.Key.Kind == PeerKind.External) a = a with { AsPath = AsPath.FromSequence(g.Key.LocalAs) };
        else a = a with { LocalPref = _options.BestPath.DefaultLocalPref };
        return a;
    }

    private void ExportDestination(Destination d)
    {
        var family = d.Prefix.IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        foreach (var g in _groups.Values)
            if (g.Family == family) ExportTo(g, d, force: true);
    }

    /// <summary>Updates the group's Adj-RIB-Out entry for one prefix; queues the prefix when it changed.</summary>
    private void ExportTo(UpdateGroup g, Destination d, bool force)
    {
        if (g.Key.DefaultOriginate && d.Prefix.Length == 0) return; // the originated default replaces the Loc-RIB one
        bool advertise = !OutboundAttributes(g, d).IsNone;
        bool advertised = g.IsAdvertised(d);
        // What is advertised is the published best path: unchanged unless forced (the best path changed).
        if (advertised == advertise && !(force && advertise)) return;
        if (advertised != advertise)
        {
            g.Advertised += advertise ? 1 : -1;
            g.SetAdvertised(d, advertise);
        }
        g.MarkChanged(d);
    }

    /// <summary>The attributes to send to the group for the prefix's best path; none when it is not advertised.</summary>
    private AttributeView OutboundAttributes(UpdateGroup g, Destination d)
    {
        if (d.Best < 0 || d.BestAttrs is null) return default;
        var src = d.BestAttrs;
        var peer = d.BestPeer!;
        if (ReferenceEquals(peer, g.OnlyPeer)) return default; // not back to the only peer it came from
        if (SuppressedByAggregate(d.Prefix)) return default;
        if (g.Key.ExportPolicy is null)
        {
            // Prefixes sharing a set arrive (and are exported and flushed) one after the other: the last answer first.
            if (ReferenceEquals(g.LastExportSource, src) && ReferenceEquals(g.LastExportPeer, peer)) return g.LastExport;
            ref var cached = ref CollectionsMarshal.GetValueRefOrAddDefault(g.ExportCache, (src, peer), out bool exists);
            if (!exists) cached = ComputeExport(g, src, peer);
            g.LastExportSource = src;
            g.LastExportPeer = peer;
            g.LastExport = cached;
            return cached;
        }
        var computed = ComputeExport(g, src, peer);
        if (computed.IsNone) return default;
        var policyPeer = g.Members.Count > 0 ? g.Members[0].Descriptor! : null;
        var r = g.Key.ExportPolicy.Evaluate(d.Prefix, computed.ToAttributes(), new PolicyContext(PolicyDirection.Export,
            policyPeer?.Address ?? IPAddress.Any, policyPeer?.PeerAs ?? 0, g.Key.Kind == PeerKind.Internal, d.At(d.Best).Weight, peer.Kind));
        return r.Permit ? new AttributeView(r.Attributes) : default;
    }

    private void ClearExportCaches()
    {
        foreach (var g in _groups.Values)
        {
            if (g.ExportCache.Count == 0) continue;
            bool big = g.ExportCache.Count > 4096;
            g.ClearExportCache();
            if (big) g.ExportCache.TrimExcess();
        }
    }

    /// <summary>
    /// The advertisement rules (RFC 4271 §5.1, §9.2; RFC 4456 §6, §8; RFC 1997; RFC 8326) for the best
    /// path from <paramref name="from"/> towards the group, as a view over <paramref name="a"/> (no new set
    /// or AS path built in the common cases). None = not advertised.
    /// </summary>
    private AttributeView ComputeExport(UpdateGroup g, PathAttributes a, PeerState from)
    {
        var k = g.Key;
        if (k.Rfc8212Blocked) return default; // RFC 8212 §3: nothing to eBGP peers without outbound policy
        bool toExternal = k.Kind == PeerKind.External;

        // RFC 1997 well-known communities.
        if (a.HasCommunity(Community.NoAdvertise)) return default;
        if (toExternal && (a.HasCommunity(Community.NoExport) || a.HasCommunity(Community.NoExportSubconfed))) return default;
        // RFC 9494 §4.3: long-lived stale routes only go to peers that announced the LLGR capability.
        if (!k.LlgrReceiver && a.HasCommunity(Community.LlgrStale)) return default;

        // iBGP split horizon and route reflection (RFC 4271 §9.2, RFC 4456 §6).
        bool reflecting = false;
        if (!toExternal && from.Kind == PeerKind.Internal)
        {
            if (!from.IsReflectorClient && !k.ReflectorClient) return default; // non-client → non-client: never
            reflecting = true;
        }

        var nh = a.NextHop;
        var asPath = a.AsPath;
        uint prepend = 0;
        uint? med = a.Med;
        uint? localPref = a.LocalPref;
        uint? originator = a.OriginatorId;
        var clusterList = a.ClusterList;
        if (toExternal)
        {
            // RFC 4271 §5.1.2: prepend our AS (confederation segments removed, RFC 5065 §4.1): written in
            // front of the path when encoding, unless the leading segment is full.
            asPath = asPath.WithoutConfedSegments();
            if (AttributeView.CanPrependInPlace(asPath)) prepend = k.LocalAs;
            else asPath = asPath.Prepend(k.LocalAs);
            // RFC 4271 §5.1.5: no LOCAL_PREF to external peers.
            localPref = null;
            // RFC 4271 §5.1.4: a MED learned from another AS is not passed on; ours (locally originated) is.
            if (from.Kind != PeerKind.Local) med = null;
            // RFC 4456 §8: reflection attributes stay inside the AS.
            originator = null;
            clusterList = [];
            // RFC 4271 §5.1.3: next hop self, unless third party (the next hop is on the peer's subnet).
            bool thirdParty = from.Kind != PeerKind.Local && !nh.IsNone && k.SharedSubnet is { } net && NextHopIn(nh, net);
            if (!thirdParty || k.NextHopSelf != NextHopSelf.Off) nh = k.SelfNextHop;
        }
        else
        {
            // RFC 4271 §5.1.5: LOCAL_PREF always sent to internal peers.
            localPref ??= _options.BestPath.DefaultLocalPref;
            if (reflecting)
            {
                // RFC 4456 §8: ORIGINATOR_ID set once, our CLUSTER_ID prepended.
                originator ??= from.RouterId;
                clusterList = clusterList.Insert(0, _options.EffectiveClusterId);
            }
            // Next hop unchanged on iBGP, self for local routes, next-hop-self for eBGP-learned
            // (force: also reflected ones).
            if (from.Kind == PeerKind.Local || nh.IsNone
                || (k.NextHopSelf == NextHopSelf.On && from.Kind == PeerKind.External)
                || k.NextHopSelf == NextHopSelf.Force)
                nh = k.SelfNextHop;
        }
        if (nh.IsNone) return default; // no usable next hop for this family on this session

        var communities = a.Communities;
        if (_options.GracefulShutdown)
        {
            // RFC 8326 §4.1: GRACEFUL_SHUTDOWN on everything we send; LOCAL_PREF 0 inside the AS.
            communities = WithCommunity(communities, Community.GracefulShutdown);
            if (!toExternal) localPref = 0;
        }
        if ((k.SendCommunity & SendCommunity.Standard) == 0) communities = [];
        var ext = (k.SendCommunity & SendCommunity.Extended) == 0 ? [] : toExternal ? TransitiveOnly(a.ExtendedCommunities) : a.ExtendedCommunities;
        var large = (k.SendCommunity & SendCommunity.Large) == 0 ? [] : a.LargeCommunities;

        return new AttributeView(a, asPath, prepend, nh, med, localPref, originator, clusterList, communities, ext, large);
    }

    /// <summary><paramref name="list"/> (sorted, unique, as attribute sets keep it) with <paramref name="community"/>.</summary>
    private static ImmutableArray<uint> WithCommunity(ImmutableArray<uint> list, uint community)
    {
        int at = list.AsSpan().BinarySearch(community);
        return at >= 0 ? list : list.Insert(~at, community);
    }

    /// <summary>RFC 4360 §2: non-transitive extended communities are not sent to other ASes.</summary>
    private static ImmutableArray<ulong> TransitiveOnly(ImmutableArray<ulong> ext)
    {
        foreach (ulong c in ext)
            if (!ExtendedCommunity.IsTransitive(c)) return ext.Where(ExtendedCommunity.IsTransitive).ToImmutableArray();
        return ext;
    }

    private static bool NextHopIn(NextHop nh, Prefix net)
    {
        if (nh.IsIpv4) return !net.IsIpv6 && net.Contains(Prefix.FromV4(nh.V4, 32));
        return net.IsIpv6 && net.Contains(Prefix.FromV6(nh.GlobalHigh, nh.GlobalLow, 128));
    }

    /// <summary>Sends the group's whole Adj-RIB-Out to one member (initial table, refresh, soft out).</summary>
    private void DumpGroupTo(UpdateGroup g, PeerState peer)
    {
        BeginFlushScratch(g);
        foreach (var d in Table(g.Family).Values)
            if (g.IsAdvertised(d) && OutboundAttributes(g, d) is { IsNone: false } view) Queue(view, KeyFor(view, d), d.Prefix);
        if (g.Key.DefaultOriginate) QueueDefault(g);
        _encoded.Clear();
        foreach (var q in FlushScratch.Values)
            _encoder.EncodeAnnounce(g.Family, q.Attributes, CollectionsMarshal.AsSpan(q.Prefixes), g.Key.Encode, _encoded);
        ReleaseScratch();
        g.MessagesSent += SendEncoded(peer.Descriptor!.Sender);
        _encoded.Clear();
    }

    private readonly Stack<List<Nlri>> _listPool = new();
    // The key and list Queue added to last (prefixes sharing a set come one after the other).
    private FlushKey _lastQueuedKey;
    private List<Nlri>? _lastQueued;

    /// <summary>
    /// The flush key of a prefix's outbound attributes: for a policy-free group what the export cache
    /// computed them from (so equal keys mean the same view), with a policy the set the policy returned.
    /// </summary>
    private FlushKey KeyFor(in AttributeView view, Destination d) =>
        _flushGroupsByValue ? new FlushKey(view.Source!, null) : new FlushKey(d.BestAttrs!, d.BestPeer);

    private void QueueDefault(UpdateGroup g)
    {
        var attrs = DefaultRouteAttrs(g);
        Queue(new AttributeView(attrs), new FlushKey(attrs, null), DefaultPrefix(g.Family));
    }

    private void Queue(in AttributeView view, FlushKey key, Prefix prefix)
    {
        if (_lastQueued is null || !FlushScratch.Comparer.Equals(key, _lastQueuedKey))
        {
            ref var q = ref CollectionsMarshal.GetValueRefOrAddDefault(FlushScratch, key, out bool exists);
            if (!exists)
            {
                q.Attributes = view;
                q.Prefixes = _listPool.Count > 0 ? _listPool.Pop() : [];
            }
            _lastQueuedKey = key;
            _lastQueued = q.Prefixes;
        }
        _lastQueued.Add(new Nlri(prefix));
    }

    private void ClearFlushScratch()
    {
        _flushByReference.Clear();
        _flushByValue.Clear();
        _lastQueuedKey = default;
        _lastQueued = null;
    }

    private void ReleaseScratch()
    {
        var scratch = FlushScratch;
        foreach (var q in scratch.Values)
        {
            q.Prefixes.Clear();
            if (_listPool.Count < 4096) _listPool.Push(q.Prefixes);
        }
        // A whole table's flush (a new peer's dump) grows the scratch to one entry per attribute set
        // (~150 bytes each): not kept for the small flushes that follow.
        bool big = scratch.Count > 4096;
        ClearFlushScratch();
        if (big) scratch.TrimExcess();
    }

    private void FlushAllGroups(bool force)
    {
        long now = _time.GetTimestamp();
        foreach (var g in _groups.Values)
        {
            if (!g.HasPending) continue;
            var interval = g.Key.AdvertisementInterval;
            if (!force && interval > TimeSpan.Zero && _time.GetElapsedTime(g.LastFlushTicks, now) < interval)
            {
                ScheduleFlush(g, interval - _time.GetElapsedTime(g.LastFlushTicks, now));
                continue;
            }
            FlushGroup(g);
            g.LastFlushTicks = now;
        }
    }

    private void ScheduleFlush(UpdateGroup g, TimeSpan due)
    {
        if (g.FlushScheduled) return;
        g.FlushScheduled = true;
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            g.FlushScheduled = false;
            TryPost(new RibCommand.FlushGroups());
            timer?.Dispose();
        }, null, due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Encodes the group's changes once and sends the same bytes to every member (withdrawals first).</summary>
    private void FlushGroup(UpdateGroup g)
    {
        if (!g.HasPending) return;
        BeginFlushScratch(g);
        _withdrawScratch.Clear();
        var table = Table(g.Family);
        foreach (var (listed, prefix) in g.Changed)
        {
            if (g.Key.DefaultOriginate && prefix.Length == 0)
            {
                QueueDefault(g);
                continue;
            }
            Destination d = listed;
            bool found = listed.Holds(prefix) && listed.IsLive || table.TryGetValue(prefix, out d);
            if (!g.Unlist(listed, prefix, found, d)) continue;
            var view = found && g.IsAdvertised(d) ? OutboundAttributes(g, d) : default;
            if (!view.IsNone) Queue(view, KeyFor(view, d), prefix);
            else _withdrawScratch.Add(new Nlri(prefix));
        }
        g.ChangedFlushed();
        _encoded.Clear();
        if (_withdrawScratch.Count > 0)
            _encoder.EncodeWithdraw(g.Family, CollectionsMarshal.AsSpan(_withdrawScratch), g.Key.Encode, _encoded);
        foreach (var q in FlushScratch.Values)
        {
            _encoder.EncodeAnnounce(g.Family, q.Attributes, CollectionsMarshal.AsSpan(q.Prefixes), g.Key.Encode, _encoded);
            g.PrefixesAnnounced += q.Prefixes.Count;
        }
        g.PrefixesWithdrawn += _withdrawScratch.Count;
        ReleaseScratch();
        _withdrawScratch.Clear();
        int messages = 0;
        foreach (var member in g.Members) messages = SendEncoded(member.Descriptor!.Sender);
        g.MessagesSent += messages;
        _encoded.Clear();
    }

    /// <summary>Hands what was encoded to one peer, each buffer with its message count; returns the messages.</summary>
    private int SendEncoded(IPeerSender sender)
    {
        _encoded.Seal();
        int messages = 0;
        for (int i = 0; i < _encoded.Count; i++)
        {
            int n = _encoded.MessagesIn(i);
            _encoded.AddSendReference(i);
            sender.Send(_encoded[i], n);
            messages += n;
        }
        return messages;
    }
}
