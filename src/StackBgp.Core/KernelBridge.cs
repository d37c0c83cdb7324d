using System.Collections.Immutable;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackBgp.Linux;
using StackBgp.Linux.Fib;
using StackBgp.Linux.Links;
using StackBgp.Linux.Nht;
using StackBgp.Linux.Routes;
using StackBgp.Policy;
using StackBgp.Routing;
using StackBgp.Wire;
using LinuxRouteChange = StackBgp.Linux.Fib.RouteChange;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Core;

/// <summary>
/// The zebra role inside the instance: links and addresses in (<c>redistribute connected</c>), best
/// BGP routes out to the kernel (through <c>ip|ipv6 protocol bgp route-map</c>), each on its own task.
/// </summary>
internal sealed class KernelBridge : IFibSink
{
    /// <summary>FRR's zebra installs BGP routes with metric 20 (the eBGP administrative distance).</summary>
    private const int BgpRouteMetric = 20;

    private readonly Router _router;
    private readonly ILoggerFactory _loggerFactory;
    private readonly LinkWatcher _links;
    private readonly FibProgrammer _fib;
    private readonly Channel<IReadOnlyList<FibRouteChange>> _fibQueue = Channel.CreateUnbounded<IReadOnlyList<FibRouteChange>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConnectedPrefixTracker _connected = new();
    private readonly NextHopTracker _nht;
    // Next hops of installed routes and whether the kernel can reach them (FIB task writes, NHT task updates).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPAddress, NextHopResolution?> _nextHops = new();
    private Task _nhtTask = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();
    // Prefixes handed to the FIB programmer as installed (FIB task only): a removal is sent only for these.
    private readonly HashSet<Prefix> _installed = [];
    // Next-hop set → kernel next hops: a full table has a handful of next-hop sets, so a route costs no
    // address conversion or tracking call. An entry naming interfaces is reused while their indexes hold.
    private readonly Dictionary<NextHopSetKey, CachedHops> _hopCache = [];
    private Task _fibTask = Task.CompletedTask;
    private Task _lastApply = Task.CompletedTask;
    private Task _linkTask = Task.CompletedTask;
    private volatile bool _redistributing;
    // Set when the instance starts to stop: what the RIB withdraws while its sessions close must not
    // reach the kernel (FRR's -r: the routes stay until the next run re-learns or sweeps them).
    private volatile bool _holdRoutes;
    private readonly int _protocol;

    public KernelBridge(Router router, ILoggerFactory loggerFactory)
    {
        _router = router;
        _loggerFactory = loggerFactory;
        _links = new LinkWatcher(null, loggerFactory.CreateLogger<LinkWatcher>());
        var fibConfig = router.Config.Fib;
        _protocol = fibConfig.Protocol ?? RouteProtocol.Bgp;
        _fib = new FibProgrammer(new FibOptions
        {
            Protocol = _protocol,
            StaleGraceTime = GraceTime(router.Config, fibConfig.SweepTimeSeconds ?? 60),
            RemoveRoutesOnStop = false,
            TimeProvider = router.Time,
            RoutesChanged = prefixes => _nht?.RoutesChanged(prefixes),
            UseNexthopObjects = fibConfig.KernelNexthops ?? true,
        }, loggerFactory.CreateLogger<FibProgrammer>());
        _nht = new NextHopTracker(new NextHopTrackerOptions { ResolveViaDefault = router.Config.IpNhtResolveViaDefault || router.Config.Ipv6NhtResolveViaDefault },
            loggerFactory.CreateLogger<NextHopTracker>());
    }

    public IFibSink FibSink => this;

    /// <summary>Routes of ours found in the kernel at start (kept by the previous run): graceful restart's forwarding state.</summary>
    public int PreservedRoutes { get; private set; }

    // Queued behind the route changes: the FIB sweeps the routes kept from before the restart only after
    // everything the converged RIB wants is installed (no gap for a route that is desired again).
    private static readonly FibRouteChange[] SweepMarker = [];

    /// <summary>
    /// With graceful restart the kept routes must outlive the restart's selection deferral: the grace time is
    /// at least select-defer-time (+ the restart time the peers wait for us); the RIB ends it sooner when it converges.
    /// </summary>
    private static TimeSpan GraceTime(StackBgp.Config.StackBgpConfig config, int sweepSeconds)
    {
        if (config.Bgp is not { GracefulRestart: true } bgp) return TimeSpan.FromSeconds(sweepSeconds);
        int defer = bgp.GracefulRestartSelectDeferTime ?? 360;
        return TimeSpan.FromSeconds(Math.Max(sweepSeconds, defer + (bgp.GracefulRestartTime ?? 120)));
    }

    /// <summary>The RIB converged after a restart: sweep the kernel routes nobody wants again (after the queued changes).</summary>
    public void Converged() => _fibQueue.Writer.TryWrite(SweepMarker);

    public IReadOnlyDictionary<int, InterfaceState> Interfaces => _links.Interfaces;

    /// <summary>The interface a tracked gateway resolves through now (for `show ip route`), or null.</summary>
    public string? ResolvedInterface(IPAddress? gateway) =>
        gateway is not null && _nextHops.TryGetValue(gateway, out var r) && r is { Reachable: true } ? r.IfName : null;

    /// <summary>What the FIB holds per route: installed, refused by the kernel (with the error),
    /// pending, or stale (kept from the previous run until re-learned or swept).</summary>
    public Task<IReadOnlyList<FibEntry>> FibEntriesAsync(CancellationToken cancellationToken) => _fib.GetRoutesAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _links.StartAsync(cancellationToken).ConfigureAwait(false);
        await _fib.StartAsync(cancellationToken).ConfigureAwait(false);
        PreservedRoutes = (await _fib.GetRoutesAsync(cancellationToken).ConfigureAwait(false)).Count(r => r.State == FibEntryState.Stale);
        _nht.IgnoreRouteNotificationsFrom(_fib.PortId);
        await _nht.StartAsync(cancellationToken).ConfigureAwait(false);
        _fibTask = FibLoopAsync(_stop.Token);
        _nhtTask = NhtLoopAsync(_stop.Token);
    }

    /// <summary>Starts feeding connected prefixes into the RIB (after the RIB exists).</summary>
    public Task StartRedistributionAsync()
    {
        _redistributing = true;
        _linkTask = LinkLoopAsync(_stop.Token);
        return Task.CompletedTask;
    }

    /// <summary>
    /// From now on the kernel keeps what it has: called first thing when the instance stops, before the
    /// sessions close (their withdrawals would otherwise delete every learned route — a forwarding gap
    /// until the next run has re-learned them).
    /// </summary>
    public void HoldRoutes() => _holdRoutes = true;

    public async Task StopAsync()
    {
        // What the RIB decided before it stopped still goes to the kernel (a stop for good withdraws the
        // learned routes; after HoldRoutes nothing is applied): drain the queue, wait for the last batch.
        _fibQueue.Writer.TryComplete();
        try
        {
            await _fibTask.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
        }
        await _lastApply.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // its errors are logged by ReportAsync
        _holdRoutes = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _links.StopAsync().ConfigureAwait(false);
        try
        {
            await _linkTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _nht.StopAsync().ConfigureAwait(false);
        try
        {
            await _nhtTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _fib.StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    public IEnumerable<(IPAddress Address, string Interface)> Ipv4Addresses() =>
        _links.Interfaces.Values.SelectMany(i => i.Addresses.Where(a => a.Address.AddressFamily == SocketFamily.InterNetwork).Select(a => (a.Address, i.Name)));

    public InterfaceState? InterfaceOf(IPAddress local) =>
        _links.Interfaces.Values.FirstOrDefault(i => i.Addresses.Any(a => a.Address.Equals(local)));

    // ── connected routes → RIB ──

    private async Task LinkLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var reader = _links.Events;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    if (e is LinkDown down) FastExternalFailover(down);
                    foreach (var change in _connected.Apply(e)) await ApplyConnectedAsync(change).ConfigureAwait(false);
                    if (e is LinkUp or AddressAdded) await RecheckUnreachableAsync().ConfigureAwait(false);
                    if (e is LinkDown linkDown) await _router.OnInterfaceDownAsync(linkDown.IfName).ConfigureAwait(false);
                    if (e is LinkUp up) await _router.OnInterfaceUpAsync(up.IfName).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ApplyConnectedAsync(ConnectedPrefixChange change)
    {
        var bgp = _router.Config.Bgp;
        if (bgp is null || !_redistributing) return;
        var c = change.Connected;
        var prefix = Prefix.FromAddress(c.Prefix.BaseAddress, c.Prefix.PrefixLength);
        var family = prefix.IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        var redistribute = bgp.Af(family).Redistributions.FirstOrDefault(r => r.Source == RouteSourceProtocol.Connected);
        if (redistribute is null) return;
        if (!change.Added)
        {
            _router.Log.Connected("withdraw", prefix.ToString(), c.IfName);
            await _router.Rib.PostAsync(new RibCommand.RemoveLocalRoute(prefix, LocalRouteSource.Connected)).ConfigureAwait(false);
            return;
        }
        var route = LocalRoute.Redistributed(prefix, LocalRouteSource.Connected, redistribute.Metric ?? 0) with
        {
            RouteMap = redistribute.RouteMap is null ? null
                : new RedistributionRoutePolicy(_router.Policy, redistribute.RouteMap, RouteSourceProtocol.Connected, c.IfName, bgp.Asn),
        };
        _router.Log.Connected("announce", prefix.ToString(), c.IfName);
        await _router.Rib.PostAsync(new RibCommand.AddLocalRoute(route)).ConfigureAwait(false);
    }

    /// <summary>
    /// FRR's fast-external-failover (its default): a directly connected session (eBGP without multihop,
    /// or <c>ttl-security hops 1</c>) whose interface goes down is reset at once instead of waiting for
    /// the hold timer, so its routes leave the RIB, the kernel and the other peers now. The session then
    /// tries to connect again as usual (it succeeds once the link is back). The resets run on their own:
    /// the link events behind this one (connected prefixes to withdraw) do not wait for them.
    /// </summary>
    private void FastExternalFailover(LinkDown down)
    {
        var bgp = _router.Config.Bgp;
        if (bgp is null) return;
        foreach (var peer in _router.Peers)
        {
            if (peer.Descriptor is not { } d || d.Interface != down.IfName || peer.Session is not { } session) continue;
            // Interface (unnumbered) neighbors are reset by Router.OnInterfaceDownAsync, whatever their type.
            if (peer.Transport?.LocalInterface == down.IfName) continue;
            var n = peer.Config;
            bool directlyConnected = (!n.IsInternal(bgp.Asn) && (n.EbgpMultihop ?? 1) <= 1) || n.TtlSecurityHops == 1;
            if (!directlyConnected) continue;
            _router.Log.InterfaceDownReset(n.Id, down.IfName);
            _ = ResetAsync(peer, session);
        }

        static async Task ResetAsync(Peer peer, Session.BgpSession session)
        {
            try
            {
                await session.StopAsync(CeaseSubcode.AdministrativeReset, null).ConfigureAwait(false);
                if (!peer.Config.Shutdown && !peer.HeldDownByBfd) session.Start();
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // the instance is stopping: nothing to restart
            }
        }
    }

    // ── RIB → kernel ──

    public void Apply(IReadOnlyList<FibRouteChange> changes) => _fibQueue.Writer.TryWrite(changes);

    private async Task FibLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var reader = _fibQueue.Reader;
        var latest = new Dictionary<Prefix, FibRouteChange>();
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            latest.Clear();
            bool sweep = false;
            while (!sweep && reader.TryRead(out var changes))
            {
                if (ReferenceEquals(changes, SweepMarker)) sweep = true;
                foreach (var c in changes) latest[c.Prefix] = c;
            }
            var batch = new List<LinuxRouteChange>(latest.Count);
            foreach (var c in latest.Values)
            {
                var net = new IPNetwork(c.Prefix.Address, c.Prefix.Length);
                KernelRoute? route;
                try
                {
                    route = c.IsDelete ? null : ToKernelRoute(c, net);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or NullReferenceException or FormatException)
                {
                    // One bad route must never stop the FIB task: log it with the prefix and go on.
                    _router.Log.FibError($"{c.Prefix}: not installed: {e.Message}");
                    continue;
                }
                if (route is null)
                {
                    if (_installed.Remove(c.Prefix)) batch.Add(LinuxRouteChange.Remove(net));
                }
                else
                {
                    _installed.Add(c.Prefix);
                    batch.Add(LinuxRouteChange.Install(route));
                }
            }
            // Stopping: the kernel keeps what it has (FRR's -r); neither apply nor sweep.
            if (_holdRoutes) continue;
            // Not awaited: the programmer merges what queues up while the kernel works on the previous batch,
            // and this task goes on converting the RIB's next changes meanwhile (the two run on both cores).
            if (batch.Count > 0)
            {
                var apply = _fib.ApplyAsync(batch, ct);
                _lastApply = apply; // the programmer applies in order: the last one done means all are
                _ = ReportAsync(apply, batch.Count);
            }
            if (sweep) _ = _fib.SweepStaleAsync();
        }
    }

    private async Task ReportAsync(Task<FibApplyResult> apply, int count)
    {
        try
        {
            var result = await apply.ConfigureAwait(false);
            foreach (var e in result.Errors) _router.Log.FibError(e.ToString());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _router.Log.FibError($"{count} route change(s) not applied: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            // stopping: the programmer still applies what was queued
        }
    }

    /// <summary>
    /// The kernel route for a best path, or null when the FIB route-map denies it (then it is removed)
    /// or none of its next hops can be expressed.
    /// </summary>
    private KernelRoute? ToKernelRoute(FibRouteChange c, IPNetwork net)
    {
        IPAddress? src = null;
        if (_router.Config.FibRouteMap(c.Prefix.Afi) is { } rm)
        {
            src = RedistributionRoutePolicy.SourceAddress(_router.Policy, rm, c.Prefix, out bool permit);
            if (!permit) return null;
        }
        var key = new NextHopSetKey(c.NextHops);
        if (!_hopCache.TryGetValue(key, out var cached) || !cached.StillValid(c.NextHops, this))
        {
            if (_hopCache.Count >= 4096) _hopCache.Clear();
            _hopCache[key] = cached = new CachedHops(KernelNextHops(c.NextHops, out int[] ifIndexes), ifIndexes);
        }
        if (cached.Hops.Length == 0) return null;
        return new KernelRoute(net, cached.Hops, RouteTable.Main, _protocol, BgpRouteMetric, src);
    }

    private int IfIndexOf(string? name) => name is null ? 0 : _links.Find(name)?.IfIndex ?? 0;

    private sealed record CachedHops(KernelNextHop[] Hops, int[] IfIndexes)
    {
        public bool StillValid(ImmutableArray<FibNextHop> nextHops, KernelBridge bridge)
        {
            for (int i = 0; i < nextHops.Length; i++)
            {
                if (nextHops[i].Interface is { } name && bridge.IfIndexOf(name) != IfIndexes[i]) return false;
            }
            return true;
        }
    }

    private KernelNextHop[] KernelNextHops(ImmutableArray<FibNextHop> nextHops, out int[] ifIndexes)
    {
        ifIndexes = new int[nextHops.Length];
        var hops = new List<KernelNextHop>(nextHops.Length);
        for (int i = 0; i < nextHops.Length; i++)
        {
            var nh = nextHops[i];
            int ifIndex = ifIndexes[i] = IfIndexOf(nh.Interface);
            IPAddress? gw = NextHopAddress(nh.NextHop, ifIndex != 0);
            if (gw is null) continue;
            // A link-local gateway needs its interface; without one the kernel cannot use it.
            if (gw.IsIPv6LinkLocal && ifIndex == 0) continue;
            // Next-hop tracking (issue 5 §4): every next hop the FIB uses is tracked; the RIB is told when
            // one becomes unreachable and takes its paths out of best-path and multipath selection, so
            // the FIB never filters on its own (one source of truth, no stale verdict after a link flap).
            Track(gw.IsIPv6LinkLocal ? new IPAddress(gw.GetAddressBytes(), ifIndex) : gw);
            // Only a link-local gateway is tied to the session's interface; any other is resolved by the kernel
            // (as zebra does): a third-party next hop may well sit behind another link.
            hops.Add(new KernelNextHop(gw, gw.IsIPv6LinkLocal ? ifIndex : 0));
        }
        return [.. hops];
    }

    /// <summary>An ECMP next-hop set compared by content (the RIB builds a new array per prefix).</summary>
    private readonly struct NextHopSetKey(ImmutableArray<FibNextHop> hops) : IEquatable<NextHopSetKey>
    {
        private readonly ImmutableArray<FibNextHop> _hops = hops;

        public bool Equals(NextHopSetKey other) => _hops.AsSpan().SequenceEqual(other._hops.AsSpan());

        public override bool Equals(object? obj) => obj is NextHopSetKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = new HashCode();
            foreach (var nh in _hops) h.Add(nh);
            return h.ToHashCode();
        }
    }

    /// <summary>A next hop seen for the first time is tracked from now on; its resolutions reach the RIB.</summary>
    private void Track(IPAddress nextHop)
    {
        if (!_nextHops.TryAdd(nextHop, null)) return;
        _ = TrackAsync(nextHop);
    }

    /// <summary>After a link comes up, re-resolve the next hops last seen unreachable (the kernel
    /// restores connected routes without always telling us).</summary>
    private async Task RecheckUnreachableAsync()
    {
        foreach (var (address, known) in _nextHops)
        {
            if (known is { Reachable: false })
            {
                try
                {
                    await OnResolutionAsync(await _nht.ResolveAsync(address, _stop.Token).ConfigureAwait(false)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException)
                {
                }
            }
        }
    }

    private async Task TrackAsync(IPAddress nextHop)
    {
        try
        {
            var r = await _nht.TrackAsync(nextHop, _stop.Token).ConfigureAwait(false);
            await OnResolutionAsync(r).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException or Linux.Netlink.NetlinkException)
        {
            // Never silent: a next hop that is not tracked would keep its paths in best-path selection.
            _nextHops.TryRemove(nextHop, out _);
            _router.Log.FibError($"next hop {nextHop}: tracking failed: {e.Message}");
        }
    }

    private async Task NhtLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            while (await _nht.Changes.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_nht.Changes.TryRead(out var r)) await OnResolutionAsync(r).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task OnResolutionAsync(NextHopResolution r)
    {
        var before = _nextHops.TryGetValue(r.NextHop, out var old) ? old : null;
        _nextHops[r.NextHop] = r;
        if (before is not null && before.Reachable == r.Reachable && before.Metric == r.Metric) return;
        if (before is null && r.Reachable) return;
        // (IPAddress.ScopeId throws for IPv4: ask only an IPv6 address for its scope)
        var address = r.NextHop.AddressFamily == SocketFamily.InterNetworkV6 && r.NextHop.ScopeId != 0 ? new IPAddress(r.NextHop.GetAddressBytes()) : r.NextHop;
        _router.Log.NextHop(address.ToString(), r.Reachable ? "reachable" : "unreachable", r.Reason ?? r.IfName ?? "");
        await _router.Rib.PostAsync(new RibCommand.NexthopChanged(address, r.Reachable, (uint)Math.Max(0, r.Metric))).ConfigureAwait(false);
    }

    /// <summary>IPv4, or IPv6 global, or (with a known interface and no global) the IPv6 link-local next hop.</summary>
    private static IPAddress? NextHopAddress(NextHop nh, bool haveInterface)
    {
        if (nh.IsNone) return null;
        var global = nh.Address;
        if (nh.IsIpv4) return global;
        // FRR installs via the link-local address when the route came over a link-local session
        // (unnumbered), and via the global address otherwise.
        bool globalUsable = global is not null && !global.Equals(IPAddress.IPv6Any) && !global.IsIPv6LinkLocal;
        if (haveInterface && nh.HasLinkLocal && !globalUsable) return nh.LinkLocal;
        return globalUsable ? global : haveInterface ? global ?? nh.LinkLocal : null;
    }
}
