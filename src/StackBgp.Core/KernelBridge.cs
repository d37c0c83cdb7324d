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
    // Prefix → what the FIB holds now (for show ip route); written by the FIB task only.
    private ImmutableDictionary<Prefix, KernelRoute> _installed = ImmutableDictionary<Prefix, KernelRoute>.Empty;
    private Task _fibTask = Task.CompletedTask;
    private Task _linkTask = Task.CompletedTask;
    private volatile bool _redistributing;
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
            StaleGraceTime = TimeSpan.FromSeconds(fibConfig.SweepTimeSeconds ?? 60),
            RemoveRoutesOnStop = false,
            TimeProvider = router.Time,
        }, loggerFactory.CreateLogger<FibProgrammer>());
        _nht = new NextHopTracker(new NextHopTrackerOptions { ResolveViaDefault = router.Config.IpNhtResolveViaDefault || router.Config.Ipv6NhtResolveViaDefault },
            loggerFactory.CreateLogger<NextHopTracker>());
    }

    public IFibSink FibSink => this;

    public IReadOnlyDictionary<Prefix, KernelRoute> Installed => _installed;

    public IReadOnlyDictionary<int, InterfaceState> Interfaces => _links.Interfaces;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _links.StartAsync(cancellationToken).ConfigureAwait(false);
        await _fib.StartAsync(cancellationToken).ConfigureAwait(false);
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

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _fibQueue.Writer.TryComplete();
        try
        {
            await _fibTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
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
                    foreach (var change in _connected.Apply(e)) await ApplyConnectedAsync(change).ConfigureAwait(false);
                    if (e is LinkUp or AddressAdded) await RecheckUnreachableAsync().ConfigureAwait(false);
                    if (e is LinkDown down) await _router.OnInterfaceDownAsync(down.IfName).ConfigureAwait(false);
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

    // ── RIB → kernel ──

    public void Apply(IReadOnlyList<FibRouteChange> changes) => _fibQueue.Writer.TryWrite(changes);

    private async Task FibLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var reader = _fibQueue.Reader;
        var batch = new List<LinuxRouteChange>();
        var latest = new Dictionary<Prefix, FibRouteChange>();
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            latest.Clear();
            while (reader.TryRead(out var changes))
            {
                foreach (var c in changes) latest[c.Prefix] = c;
            }
            batch.Clear();
            var installed = _installed.ToBuilder();
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
                    if (installed.Remove(c.Prefix)) batch.Add(LinuxRouteChange.Remove(net));
                }
                else
                {
                    installed[c.Prefix] = route;
                    batch.Add(LinuxRouteChange.Install(route));
                }
            }
            _installed = installed.ToImmutable();
            if (batch.Count == 0) continue;
            try
            {
                var result = await _fib.ApplyAsync(batch, ct).ConfigureAwait(false);
                foreach (var e in result.Errors) _router.Log.FibError(e.ToString());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _router.Log.FibError($"{batch.Count} route change(s) not applied: {e.Message}");
            }
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
        var hops = new List<KernelNextHop>(c.NextHops.Length);
        foreach (var nh in c.NextHops)
        {
            int ifIndex = nh.Interface is null ? 0 : _links.Find(nh.Interface)?.IfIndex ?? 0;
            IPAddress? gw = NextHopAddress(nh.NextHop, ifIndex != 0);
            if (gw is null) continue;
            // A link-local gateway needs its interface; without one the kernel cannot use it.
            if (gw.IsIPv6LinkLocal && ifIndex == 0) continue;
            // Next-hop tracking (issue 5 §4): every next hop the FIB uses is tracked; the RIB is told when
            // one becomes unreachable and takes its paths out of best-path and multipath selection, so
            // the FIB never filters on its own (one source of truth, no stale verdict after a link flap).
            Track(gw.IsIPv6LinkLocal ? new IPAddress(gw.GetAddressBytes(), ifIndex) : gw);
            hops.Add(new KernelNextHop(gw, ifIndex));
        }
        if (hops.Count == 0) return null;
        return new KernelRoute(net, hops, RouteTable.Main, _protocol, BgpRouteMetric, src);
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
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException)
        {
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
        var address = r.NextHop.ScopeId != 0 ? new IPAddress(r.NextHop.GetAddressBytes()) : r.NextHop;
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
