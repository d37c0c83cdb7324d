using System.Net;
using System.Net.Sockets;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux;

/// <summary>
/// A request/response rtnetlink client: batched route changes with every ACK checked, dumps of
/// routes, links, addresses and neighbors, FIB lookups. One socket, one owner: not thread-safe.
/// Every request carries NLM_F_ACK and its own sequence number; many requests share one
/// sendmsg, and each answer is matched back to its request by sequence number.
/// </summary>
public sealed partial class NetlinkRouteClient : IDisposable
{
    private const int MaxChunkBytes = 256 * 1024;
    private readonly NetlinkSocket _socket;
    private readonly NetlinkBuilder _builder = new(MaxChunkBytes + 4096);
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _nameByIndex = [];
    private readonly int _maxPerChunk;
    private uint _seq;
    private bool _linksStale;

    private NetlinkRouteClient(NetlinkSocket socket)
    {
        _socket = socket;
        _seq = (uint)Environment.TickCount | 1;
        // Each ACK is its own skb (~1 KiB of receive-buffer accounting); keep a batch's ACKs
        // well inside SO_RCVBUF so none is dropped. At most 256 per sendmsg: the kernel processes a
        // datagram's requests in one go without rescheduling (this kernel is PREEMPT_NONE), and
        // thousands of route inserts in one syscall delayed BFD packets by tens of milliseconds while
        // a full table was programmed (bench/bfd-lab/under-load.sh --kernel: max error 24–131 ms at
        // 8192 per datagram, 1–13 ms at 256).
        _maxPerChunk = Math.Clamp(socket.KernelReceiveBuffer / 2048, 16, 256);
    }

    /// <summary>Opens a client bound to network namespace <paramref name="netns"/> (null = the
    /// namespace of the calling thread).</summary>
    public static NetlinkRouteClient Open(string? netns = null) => new(NetlinkSocket.Open(netns, []));

    /// <summary>The netlink port id of our requests (nlmsg_pid of the notifications they cause).</summary>
    public uint PortId => _socket.PortId;

    /// <summary>How long to wait for the answers to one sendmsg.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per sendmsg (bounded by the socket's receive buffer).</summary>
    public int MaxRequestsPerDatagram => _maxPerChunk;

    /// <summary>
    /// Executes route operations in order, many per sendmsg. Returns the operations the kernel
    /// refused, each with its index and errno; a delete of a route that is not there (ESRCH,
    /// ENOENT) counts as success. Next hops given by interface name are resolved first; an
    /// unknown name fails that operation with ENODEV and it is not sent.
    /// </summary>
    public async Task<IReadOnlyList<RouteError>> ExecuteAsync(IReadOnlyList<RouteOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var errors = new List<RouteError>();
        if (operations.Count == 0)
        {
            return errors;
        }

        await ResolveNamesAsync(operations, cancellationToken).ConfigureAwait(false);
        uint[]? nexthopIds = await AssignNexthopsAsync(operations, cancellationToken).ConfigureAwait(false);
        List<int>? inlineAgain = null;
        await RunOperationsAsync(operations, null, nexthopIds, errors, (i, errno, text) =>
        {
            if (nexthopIds is not null && nexthopIds[i] != 0 && NexthopMissing(errno, text))
            {
                (inlineAgain ??= []).Add(i);
                return true;
            }

            return false;
        }, cancellationToken).ConfigureAwait(false);
        if (inlineAgain is not null)
        {
            // An object we named is gone (its interface went down, or someone deleted it): those
            // routes go out with inline next hops now, and the objects are re-read before next time.
            ForgetNexthops();
            await RunOperationsAsync(operations, inlineAgain, null, errors, null, cancellationToken).ConfigureAwait(false);
        }

        errors.Sort((a, b) => a.Index.CompareTo(b.Index));
        return errors;
    }

    /// <summary>Sends <paramref name="operations"/> (or only those at <paramref name="subset"/>),
    /// each naming its nexthop object where <paramref name="nexthopIds"/> has one; refusals go to
    /// <paramref name="errors"/> unless <paramref name="divert"/> takes them.</summary>
    private Task RunOperationsAsync(IReadOnlyList<RouteOperation> operations, List<int>? subset, uint[]? nexthopIds, List<RouteError> errors,
        Func<int, int, string?, bool>? divert, CancellationToken cancellationToken) =>
        RunAsync(
            subset?.Count ?? operations.Count,
            (k, b, seq) =>
            {
                int i = subset is null ? k : subset[k];
                RouteOperation op = operations[i];
                KernelRoute? route = WithIndexes(op.Route, out string? missing);
                if (route is null)
                {
                    errors.Add(new RouteError(i, op.Kind, op.Route, Errno.ENODEV, "no interface named " + missing));
                    return false;
                }

                uint nh = nexthopIds?[i] ?? 0;
                switch (op.Kind)
                {
                    case RouteOperationKind.Add: RouteCodec.EncodeNew(b, route, Nl.FCreate | Nl.FExcl, seq, nh); break;
                    case RouteOperationKind.Replace: RouteCodec.EncodeNew(b, route, Nl.FCreate | Nl.FReplace, seq, nh); break;
                    default: RouteCodec.EncodeDelete(b, route, seq); break;
                }

                return true;
            },
            null,
            (k, errno, text) =>
            {
                int i = subset is null ? k : subset[k];
                RouteOperation op = operations[i];
                bool ok = errno == 0 || (op.Kind == RouteOperationKind.Delete && errno is Errno.ESRCH or Errno.ENOENT);
                if (!ok && divert?.Invoke(i, errno, text) != true)
                {
                    errors.Add(new RouteError(i, op.Kind, op.Route, errno, text));
                    // A name resolved from a stale cache (interface re-created): re-read next time.
                    _linksStale |= errno == Errno.ENODEV && op.Route.NextHops.Any(n => n.IfIndex == 0 && n.IfName is not null);
                }
            },
            cancellationToken);

    public Task<IReadOnlyList<RouteError>> ReplaceRoutesAsync(IEnumerable<KernelRoute> routes, CancellationToken cancellationToken = default) =>
        ExecuteAsync(routes.Select(RouteOperation.Replace).ToList(), cancellationToken);

    public Task<IReadOnlyList<RouteError>> DeleteRoutesAsync(IEnumerable<KernelRoute> routes, CancellationToken cancellationToken = default) =>
        ExecuteAsync(routes.Select(RouteOperation.Delete).ToList(), cancellationToken);

    /// <summary>Replaces one route; throws <see cref="NetlinkException"/> if the kernel refuses.</summary>
    public async Task ReplaceRouteAsync(KernelRoute route, CancellationToken cancellationToken = default) =>
        ThrowIfAny(await ExecuteAsync([RouteOperation.Replace(route)], cancellationToken).ConfigureAwait(false));

    /// <summary>Deletes one route (absent = success); throws <see cref="NetlinkException"/> otherwise.</summary>
    public async Task DeleteRouteAsync(KernelRoute route, CancellationToken cancellationToken = default) =>
        ThrowIfAny(await ExecuteAsync([RouteOperation.Delete(route)], cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// FIB lookups, pipelined: for each (address, outgoing interface or 0) the route the kernel
    /// would use (with <paramref name="fibMatch"/>, the FIB entry itself: prefix, metric,
    /// protocol, all next hops).
    /// </summary>
    public async Task<IReadOnlyList<RouteLookupResult>> LookupAsync(IReadOnlyList<(IPAddress Destination, int OutputIfIndex)> destinations, bool fibMatch = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var routes = new KernelRoute?[destinations.Count];
        var errnos = new int[destinations.Count];
        await RunAsync(
            destinations.Count,
            (i, b, seq) =>
            {
                (IPAddress dst, int oif) = destinations[i];
                if (oif == 0 && dst.IsIPv6LinkLocal && dst.ScopeId is > 0 and <= int.MaxValue)
                {
                    oif = (int)dst.ScopeId;
                }

                RouteCodec.EncodeLookup(b, dst, oif, fibMatch, seq);
                return true;
            },
            (i, m) =>
            {
                if (m.Type == Rtm.NewRoute)
                {
                    routes[i] = RouteCodec.Decode(m.Payload, IfName);
                }
            },
            (i, errno, _) => errnos[i] = errno,
            cancellationToken).ConfigureAwait(false);
        var results = new RouteLookupResult[destinations.Count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = new RouteLookupResult(destinations[i].Destination, errnos[i] == 0 ? routes[i] : null, errnos[i]);
        }

        return results;
    }

    public async Task<RouteLookupResult> LookupAsync(IPAddress destination, int outputIfIndex = 0, CancellationToken cancellationToken = default) =>
        (await LookupAsync([(destination, outputIfIndex)], true, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Dumps IPv4 and/or IPv6 routes (RTM_GETROUTE, NLM_F_DUMP) matching the filter;
    /// cloned/cached entries are skipped. Restarted if the kernel flags the dump inconsistent.</summary>
    public async Task<List<KernelRoute>> DumpRoutesAsync(RouteDumpFilter? filter = null, CancellationToken cancellationToken = default)
    {
        filter ??= new RouteDumpFilter();
        var result = new List<KernelRoute>();
        foreach (byte family in FamiliesOf(filter.Family))
        {
            await DumpAsync(
                b => RouteCodec.EncodeDump(b, family, _seq),
                m =>
                {
                    if (m.Type == Rtm.NewRoute && RouteCodec.TryReadHeader(m.Payload, out RouteHeader h)
                        && h.Family == family && filter.Matches(h.Protocol, h.Table)
                        && (filter.IncludeCloned || (h.Flags & Rtm.FCloned) == 0)
                        && RouteCodec.Decode(m.Payload, IfName) is { } route)
                    {
                        result.Add(route);
                    }
                },
                result.Clear,
                cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Dumps all links (RTM_GETLINK) and refreshes the name ↔ index cache.</summary>
    public async Task<List<LinkInfo>> DumpLinksAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<LinkInfo>();
        await DumpAsync(
            b => LinkCodec.EncodeDump(b, Rtm.GetLink, Af.Unspec, _seq),
            m =>
            {
                if (m.Type == Rtm.NewLink && LinkCodec.DecodeLink(m.Payload) is { } link)
                {
                    result.Add(link);
                }
            },
            result.Clear,
            cancellationToken).ConfigureAwait(false);
        _indexByName.Clear();
        _nameByIndex.Clear();
        foreach (LinkInfo link in result)
        {
            _indexByName[link.Name] = link.IfIndex;
            _nameByIndex[link.IfIndex] = link.Name;
        }

        return result;
    }

    /// <summary>Dumps IPv4 and IPv6 addresses (RTM_GETADDR).</summary>
    public async Task<List<InterfaceAddress>> DumpAddressesAsync(CancellationToken cancellationToken = default)
    {
        if (_nameByIndex.Count == 0)
        {
            _ = await DumpLinksAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = new List<InterfaceAddress>();
        await DumpAsync(
            b => LinkCodec.EncodeDump(b, Rtm.GetAddr, Af.Unspec, _seq),
            m =>
            {
                if (m.Type == Rtm.NewAddr && LinkCodec.DecodeAddress(m.Payload, IfName) is { } address)
                {
                    result.Add(address);
                }
            },
            result.Clear,
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Dumps the neighbor cache (RTM_GETNEIGH) of one family or both.</summary>
    public async Task<List<NeighborEntry>> DumpNeighborsAsync(AddressFamily? family = null, CancellationToken cancellationToken = default)
    {
        var result = new List<NeighborEntry>();
        foreach (byte f in FamiliesOf(family))
        {
            await DumpAsync(
                b => LinkCodec.EncodeDump(b, Rtm.GetNeigh, f, _seq),
                m =>
                {
                    if (m.Type == Rtm.NewNeigh && LinkCodec.DecodeNeighbor(m.Payload) is { } n)
                    {
                        result.Add(n);
                    }
                },
                result.Clear,
                cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>The interface index of a name, from the cache (refreshed by a link dump on a miss).</summary>
    public async Task<int> GetIfIndexAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_indexByName.TryGetValue(name, out int index))
        {
            _ = await DumpLinksAsync(cancellationToken).ConfigureAwait(false);
            _ = _indexByName.TryGetValue(name, out index);
        }

        return index;
    }

    /// <summary>The cached name of an interface index, or null.</summary>
    public string? IfName(int ifIndex) => _nameByIndex.GetValueOrDefault(ifIndex);

    public void Dispose() => _socket.Dispose();

    internal static byte[] FamiliesOf(AddressFamily? family) => family switch
    {
        AddressFamily.InterNetwork => [Af.Inet],
        AddressFamily.InterNetworkV6 => [Af.Inet6],
        _ => [Af.Inet, Af.Inet6],
    };

    private static void ThrowIfAny(IReadOnlyList<RouteError> errors)
    {
        if (errors.Count > 0)
        {
            RouteError e = errors[0];
            throw new NetlinkException(e.ErrorNumber, e.KernelMessage, e.Operation.ToString().ToLowerInvariant() + " " + e.Route);
        }
    }

    private async Task ResolveNamesAsync(IReadOnlyList<RouteOperation> operations, CancellationToken cancellationToken)
    {
        if (_linksStale)
        {
            _linksStale = false;
            _ = await DumpLinksAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (RouteOperation op in operations)
        {
            foreach (KernelNextHop nh in op.Route.NextHops)
            {
                if (nh.IfIndex == 0 && nh.IfName is not null && !_indexByName.ContainsKey(nh.IfName))
                {
                    _ = await DumpLinksAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    /// <summary>The route with next-hop interface names replaced by cached indexes; null (and the
    /// name) if a name is unknown.</summary>
    internal KernelRoute? WithIndexes(KernelRoute route, out string? missing)
    {
        missing = null;
        KernelNextHop[]? copy = null;
        for (int i = 0; i < route.NextHops.Count; i++)
        {
            KernelNextHop nh = route.NextHops[i];
            if (nh.IfIndex != 0 || nh.IfName is null)
            {
                continue;
            }

            if (!_indexByName.TryGetValue(nh.IfName, out int index))
            {
                missing = nh.IfName;
                return null;
            }

            copy ??= [.. route.NextHops];
            copy[i] = nh with { IfIndex = index };
        }

        return copy is null ? route : route with { NextHops = copy };
    }
}
