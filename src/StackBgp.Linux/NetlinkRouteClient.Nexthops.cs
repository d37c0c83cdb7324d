using System.Buffers.Binary;
using System.Net;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux;

/// <summary>
/// Nexthop objects (RTM_NEWNEXTHOP, Linux 5.3+), as zebra uses them: a route whose one next hop is a
/// directly connected gateway names a shared kernel nexthop (RTA_NH_ID) instead of carrying the
/// gateway itself. The kernel then skips building and freeing the next-hop state of every route
/// (about a third less system time per route insert here), and a full table via one peer is one
/// object. Routes with several next hops, a gateway of the other family, or a gateway reached
/// through another router (recursive) are sent with inline next hops as before.
/// <code>
///   nhmsg: | family | scope | protocol | resvd | flags u32 |  NHA_ID u32, NHA_OIF u32, NHA_GATEWAY
/// </code>
/// The client keeps gateway+interface → id. It is rebuilt from a dump of our objects whenever it
/// may be stale (first use, links changed, a request naming an object failed), so objects survive
/// a restart and are shared again; objects no route uses any more are deleted by
/// <see cref="DeleteNexthopsNotUsedAsync"/> (the programmer, 180 s after they may have lost their last
/// route) and <see cref="PruneNexthopsAsync"/> (from a route dump, at sweep and resync).
/// </summary>
public sealed partial class NetlinkRouteClient
{
    private const ushort NhaId = 1, NhaOif = 5, NhaGateway = 6, NhaGroup = 2, NhaBlackhole = 4;
    private const int NhMsgLength = 8;

    // First id we hand out: high, so that ids chosen by hand (`ip nexthop add id 5 …`) or by
    // another daemon starting from 1 do not collide; a collision (EEXIST) moves on to the next.
    private const uint FirstNexthopId = 0x5B000000;

    private readonly Dictionary<(IPAddress Gateway, int IfIndex), uint> _nexthopByHop = [];
    private readonly Dictionary<uint, (IPAddress Gateway, int IfIndex)> _hopByNexthop = [];
    private volatile bool _nexthopsStale = true;
    private uint _nextNexthopId = FirstNexthopId;

    /// <summary>Send single-gateway routes through nexthop objects (if the kernel has them).</summary>
    public bool UseNexthopObjects { get; set; }

    /// <summary>The nh_protocol of our nexthop objects (the route protocol, 186 = bgp).</summary>
    public int NexthopProtocol { get; set; } = RouteProtocol.Bgp;

    /// <summary>Why nexthop objects are not used (the kernel refused them), or null.</summary>
    public string? NexthopObjectsUnavailable { get; private set; }

    /// <summary>Nexthop objects of ours the client knows (id → gateway, interface index).</summary>
    public IReadOnlyDictionary<uint, (IPAddress Gateway, int IfIndex)> NexthopObjects => _hopByNexthop;

    /// <summary>Links or addresses changed: re-read our nexthop objects before the next use (the
    /// kernel removes those of an interface that goes down, and the routes using them, silently).
    /// Safe to call from any thread.</summary>
    public void ForgetNexthops() => _nexthopsStale = true;

    /// <summary>For each operation, the nexthop object its route is to name, or 0 for inline next hops.</summary>
    private async Task<uint[]?> AssignNexthopsAsync(IReadOnlyList<RouteOperation> operations, CancellationToken cancellationToken)
    {
        if (!UseNexthopObjects || NexthopObjectsUnavailable is not null)
        {
            return null;
        }

        if (_nexthopsStale)
        {
            await RefreshNexthopsAsync(cancellationToken).ConfigureAwait(false);
        }

        uint[]? ids = null;
        List<(IPAddress Gateway, int IfIndex)>? unknown = null;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < operations.Count; i++)
            {
                if (!Candidate(operations[i], out var hop))
                {
                    continue;
                }

                if (_nexthopByHop.TryGetValue(hop, out uint id))
                {
                    if (id != 0)
                    {
                        (ids ??= new uint[operations.Count])[i] = id;
                    }
                }
                else if (pass == 0)
                {
                    unknown ??= [];
                    _nexthopByHop[hop] = 0; // seen: resolved below
                    unknown.Add(hop);
                }
            }

            if (unknown is null || pass == 1)
            {
                break;
            }

            await CreateNexthopsAsync(unknown, cancellationToken).ConfigureAwait(false);
            if (NexthopObjectsUnavailable is not null)
            {
                return null;
            }
        }

        return ids;
    }

    /// <summary>A route replaced/added with exactly one gateway of its own family (weight 1).</summary>
    private bool Candidate(RouteOperation op, out (IPAddress Gateway, int IfIndex) hop)
    {
        hop = default;
        KernelRoute r = op.Route;
        if (op.Kind == RouteOperationKind.Delete || r.Type != KernelRouteType.Unicast || r.NextHops.Count != 1)
        {
            return false;
        }

        KernelNextHop nh = r.NextHops[0];
        if (nh.Gateway is not { } gw || gw.AddressFamily != r.Prefix.BaseAddress.AddressFamily || nh.Weight != 1)
        {
            return false;
        }

        int ifIndex = nh.IfIndex;
        if (ifIndex == 0 && nh.IfName is { } name)
        {
            if (!_indexByName.TryGetValue(name, out ifIndex))
            {
                return false;
            }
        }

        if (ifIndex == 0 && gw.IsIPv6LinkLocal && gw.ScopeId is > 0 and <= int.MaxValue)
        {
            ifIndex = (int)gw.ScopeId;
        }

        hop = (Unscoped(gw), ifIndex);
        return true;
    }

    /// <summary>Resolves each new gateway's interface (a connected route, not another router) and
    /// creates its object; a gateway that cannot have one stays 0 (inline).</summary>
    private async Task CreateNexthopsAsync(List<(IPAddress Gateway, int IfIndex)> hops, CancellationToken cancellationToken)
    {
        var lookups = new List<(IPAddress, int)>(hops.Count);
        foreach (var (gw, ifIndex) in hops)
        {
            lookups.Add((gw, ifIndex));
        }

        IReadOnlyList<RouteLookupResult> found = await LookupAsync(lookups, fibMatch: false, cancellationToken).ConfigureAwait(false);
        var create = new List<((IPAddress Gateway, int IfIndex) Key, int Oif)>();
        for (int i = 0; i < hops.Count; i++)
        {
            KernelRoute? via = found[i].Route;
            // Directly connected: the lookup answers with an interface and no gateway of its own.
            if (via is { Type: KernelRouteType.Unicast, NextHops: [{ Gateway: null, IfIndex: > 0 } only] }
                && (hops[i].IfIndex == 0 || hops[i].IfIndex == only.IfIndex))
            {
                create.Add((hops[i], only.IfIndex));
            }
        }

        if (create.Count == 0)
        {
            return;
        }

        var ids = new uint[create.Count];
        for (int attempt = 0; attempt < 4 && create.Count > 0; attempt++)
        {
            var retry = new List<((IPAddress Gateway, int IfIndex) Key, int Oif)>();
            for (int i = 0; i < create.Count; i++)
            {
                ids[i] = NextFreeNexthopId();
            }

            int unsupported = 0;
            string? why = null;
            await RunAsync(
                create.Count,
                (i, b, seq) =>
                {
                    EncodeNexthop(b, ids[i], create[i].Key.Gateway, create[i].Oif, (byte)NexthopProtocol, seq);
                    return true;
                },
                null,
                (i, errno, text) =>
                {
                    if (errno == 0)
                    {
                        _nexthopByHop[create[i].Key] = ids[i];
                        _hopByNexthop[ids[i]] = (create[i].Key.Gateway, create[i].Oif);
                    }
                    else if (errno == Errno.EEXIST)
                    {
                        retry.Add(create[i]); // id taken by someone else: next id
                    }
                    else if (errno is Errno.EOPNOTSUPP or Errno.EINVAL && i == 0 && _hopByNexthop.Count == 0)
                    {
                        unsupported++;
                        why = $"{Errno.Name(errno)}{(text is null ? "" : " (" + text + ")")}";
                    }
                },
                cancellationToken).ConfigureAwait(false);
            if (unsupported > 0)
            {
                NexthopObjectsUnavailable = "the kernel refused a nexthop object: " + why;
                return;
            }

            create = retry;
        }
    }

    private uint NextFreeNexthopId()
    {
        while (_hopByNexthop.ContainsKey(_nextNexthopId) || _nextNexthopId == 0)
        {
            _nextNexthopId = _nextNexthopId == uint.MaxValue ? FirstNexthopId : _nextNexthopId + 1;
        }

        return _nextNexthopId++;
    }

    /// <summary>Rebuilds the cache from the kernel's objects of our protocol (single gateways only).</summary>
    private async Task RefreshNexthopsAsync(CancellationToken cancellationToken)
    {
        _nexthopsStale = false;
        var objects = await DumpNexthopsAsync(cancellationToken).ConfigureAwait(false);
        if (objects is null)
        {
            return;
        }

        _nexthopByHop.Clear();
        _hopByNexthop.Clear();
        foreach (var (id, gw, oif) in objects)
        {
            _hopByNexthop[id] = (gw, oif);
            // Two objects for one hop (a crash between create and use): either serves.
            _nexthopByHop.TryAdd((gw, oif), id);
            _nexthopByHop.TryAdd((gw, 0), id);
            if (id >= _nextNexthopId)
            {
                _nextNexthopId = id + 1;
            }
        }
    }

    /// <summary>Our single-gateway nexthop objects, or null if the kernel has none at all (old kernel).</summary>
    private async Task<List<(uint Id, IPAddress Gateway, int Oif)>?> DumpNexthopsAsync(CancellationToken cancellationToken)
    {
        var result = new List<(uint, IPAddress, int)>();
        try
        {
            await DumpAsync(
                b =>
                {
                    int start = b.BeginMessage(Rtm.GetNexthop, Nl.FRequest | Nl.FAck | Nl.FDump, _seq);
                    b.Reserve(NhMsgLength).Clear();
                    b.EndMessage(start);
                },
                m =>
                {
                    if (m.Type == Rtm.NewNexthop && DecodeNexthop(m.Payload, (byte)NexthopProtocol) is { } nh)
                    {
                        result.Add(nh);
                    }
                },
                result.Clear,
                cancellationToken).ConfigureAwait(false);
        }
        catch (NetlinkException e) when (e.ErrorNumber is Errno.EOPNOTSUPP or Errno.EINVAL)
        {
            NexthopObjectsUnavailable = "the kernel has no nexthop objects: " + e.Message;
            return null;
        }

        return result;
    }

    /// <summary>
    /// Deletes our nexthop objects that no route (of any table) names any more, e.g. those of a
    /// peer that went away. Returns how many were deleted.
    /// </summary>
    public async Task<int> PruneNexthopsAsync(CancellationToken cancellationToken = default)
    {
        if (!UseNexthopObjects || NexthopObjectsUnavailable is not null)
        {
            return 0;
        }

        var objects = await DumpNexthopsAsync(cancellationToken).ConfigureAwait(false);
        if (objects is null || objects.Count == 0)
        {
            return 0;
        }

        var used = new HashSet<uint>();
        foreach (byte family in FamiliesOf(null))
        {
            await DumpAsync(
                b => RouteCodec.EncodeDump(b, family, _seq),
                m =>
                {
                    if (m.Type == Rtm.NewRoute && NexthopIdOf(m.Payload) is > 0 and var id)
                    {
                        used.Add(id);
                    }
                },
                used.Clear,
                cancellationToken).ConfigureAwait(false);
        }

        var unused = objects.Where(o => !used.Contains(o.Id)).Select(o => o.Id).ToList();
        if (unused.Count == 0)
        {
            return 0;
        }

        int deleted = await DeleteNexthopObjectsAsync(unused, cancellationToken).ConfigureAwait(false);
        _nexthopsStale = true;
        return deleted;
    }

    /// <summary>
    /// Deletes the objects we know whose gateway no route names any more (<paramref name="gatewaysInUse"/>:
    /// every gateway of every route of ours in the kernel, unscoped). Returns how many went.
    /// </summary>
    public async Task<int> DeleteNexthopsNotUsedAsync(IReadOnlySet<IPAddress> gatewaysInUse, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gatewaysInUse);
        if (!UseNexthopObjects || NexthopObjectsUnavailable is not null)
        {
            return 0;
        }

        if (_nexthopsStale)
        {
            await RefreshNexthopsAsync(cancellationToken).ConfigureAwait(false);
        }

        var unused = _hopByNexthop.Where(kv => !gatewaysInUse.Contains(kv.Value.Gateway)).Select(kv => kv.Key).ToList();
        if (unused.Count == 0)
        {
            return 0;
        }

        int deleted = await DeleteNexthopObjectsAsync(unused, cancellationToken).ConfigureAwait(false);
        foreach (uint id in unused)
        {
            if (_hopByNexthop.Remove(id, out var hop))
            {
                _nexthopByHop.Remove(hop);
                _nexthopByHop.Remove((hop.Gateway, 0));
            }
        }

        return deleted;
    }

    /// <summary>RTM_DELNEXTHOP for each id; returns how many are gone (one already missing counts).</summary>
    private async Task<int> DeleteNexthopObjectsAsync(List<uint> ids, CancellationToken cancellationToken)
    {
        int deleted = 0;
        await RunAsync(
            ids.Count,
            (i, b, seq) =>
            {
                int start = b.BeginMessage(Rtm.DelNexthop, Nl.FRequest | Nl.FAck, seq);
                b.Reserve(NhMsgLength).Clear();
                b.PutU32(NhaId, ids[i]);
                b.EndMessage(start);
                return true;
            },
            null,
            (_, errno, _) => deleted += errno is 0 or Errno.ENOENT ? 1 : 0,
            cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>A refusal of a route request that named an object the kernel no longer has (removed
    /// with its interface, or by hand): such requests are re-sent with inline next hops.</summary>
    private static bool NexthopMissing(int errno, string? text) =>
        errno == Errno.EINVAL && text is not null && text.Contains("exthop", StringComparison.Ordinal)
        || errno == Errno.ENOENT;

    internal static void EncodeNexthop(NetlinkBuilder b, uint id, IPAddress gateway, int oif, byte protocol, uint seq)
    {
        int start = b.BeginMessage(Rtm.NewNexthop, Nl.FRequest | Nl.FAck | Nl.FCreate | Nl.FExcl, seq);
        Span<byte> nhm = b.Reserve(NhMsgLength);
        nhm.Clear();
        nhm[0] = NetlinkBuilder.FamilyOf(gateway);
        nhm[2] = protocol;
        b.PutU32(NhaId, id);
        b.PutU32(NhaOif, (uint)oif);
        b.PutAddress(NhaGateway, gateway);
        b.EndMessage(start);
    }

    /// <summary>A single-gateway object of <paramref name="protocol"/> (groups and blackholes are skipped).</summary>
    internal static (uint Id, IPAddress Gateway, int Oif)? DecodeNexthop(ReadOnlySpan<byte> payload, byte protocol)
    {
        if (payload.Length < NhMsgLength || payload[2] != protocol)
        {
            return null;
        }

        uint id = 0;
        int oif = 0;
        IPAddress? gw = null;
        var attrs = new AttributeReader(payload[NhMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case NhaId: id = AttributeReader.U32(value); break;
                case NhaOif: oif = (int)AttributeReader.U32(value); break;
                case NhaGateway: gw = AttributeReader.Address(value); break;
                case NhaGroup or NhaBlackhole: return null;
            }
        }

        return id != 0 && gw is not null && oif != 0 ? (id, gw, oif) : null;
    }

    private static uint NexthopIdOf(ReadOnlySpan<byte> routePayload)
    {
        if (routePayload.Length < Rtm.RtMsgLength)
        {
            return 0;
        }

        var attrs = new AttributeReader(routePayload[Rtm.RtMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Rta.NhId && value.Length >= 4)
            {
                return BinaryPrimitives.ReadUInt32LittleEndian(value);
            }
        }

        return 0;
    }

    /// <summary>The address without its IPv6 scope id (the interface is kept apart in the key).</summary>
    internal static IPAddress Unscoped(IPAddress a) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && a.ScopeId != 0 ? new IPAddress(a.GetAddressBytes()) : a;
}
