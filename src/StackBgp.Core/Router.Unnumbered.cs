using System.Net;
using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Linux.Neighbors;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>Router advertisements (and discovery) per interface neighbor, by interface name.</summary>
    private readonly Dictionary<string, RouterAdvertisements> _advertisers = new(StringComparer.Ordinal);
    private readonly Lock _advertisersLock = new();

    /// <summary>The current settings of each interface neighbor (a reload may change them while discovery runs).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EffectiveNeighbor> _interfaceNeighbors = new(StringComparer.Ordinal);

    /// <summary>Interface neighbors whose interface does not exist yet, by interface name: started when it appears.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EffectiveNeighbor> _waitingForInterface = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>neighbor IFNAME interface …</c> (BGP unnumbered, as RHOSP renders it): advertise ourselves
    /// with IPv6 Router Advertisements on the interface (as FRR does), learn the peer's link-local
    /// address from the advertisements it sends (or from the neighbor table), then run an ordinary
    /// session to fe80::…%IFNAME. IPv4 routes use IPv6 next hops (RFC 8950, extended next hop),
    /// which the kernel side installs as <c>via inet6 fe80::… dev IFNAME</c>.
    /// </summary>
    private async Task AddInterfacePeerAsync(EffectiveNeighbor n)
    {
        if (_kernel is null)
        {
            Log.NeighborProblem(n.Id, "interface neighbors need the kernel role (started with --no-kernel); neighbor ignored");
            return;
        }
        _interfaceNeighbors[n.Id] = n;
        var link = _kernel.Interfaces.Values.FirstOrDefault(i => i.Name == n.Id);
        if (link is null)
        {
            // Wait for it (a NIC renamed or created after we started); check again after registering,
            // so that an interface appearing in between is not missed.
            _waitingForInterface[n.Id] = n;
            link = _kernel.Interfaces.Values.FirstOrDefault(i => i.Name == n.Id);
            if (link is null || !_waitingForInterface.TryRemove(n.Id, out _))
            {
                Log.NeighborProblem(n.Id, $"interface {n.Id} does not exist (yet); the neighbor starts when it appears");
                return;
            }
        }
        var ra = new RouterAdvertisements(n.Id, link.IfIndex, link.Link.LinkLayerAddress,
            new RouterAdvertisementOptions { TimeProvider = Time }, _loggerFactory.CreateLogger<RouterAdvertisements>());
        try
        {
            ra.Start();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            Log.NeighborProblem(n.Id, $"cannot send router advertisements on {n.Id}: {e.Message}");
            await ra.DisposeAsync().ConfigureAwait(false);
            return;
        }
        RouterAdvertisements? previous;
        lock (_advertisersLock)
        {
            _advertisers.Remove(n.Id, out previous);
            _advertisers[n.Id] = ra;
        }
        if (previous is not null) await previous.DisposeAsync().ConfigureAwait(false);
        _ = DiscoverAndStartAsync(n, ra, link.IfIndex);
    }

    /// <summary>Whether <paramref name="id"/> names an interface neighbor that runs or waits for its interface.</summary>
    private bool IsInterfaceNeighbor(string id) => _interfaceNeighbors.ContainsKey(id) || _waitingForInterface.ContainsKey(id);

    /// <summary>
    /// An interface neighbor leaves (removed by a reload, or restarted with new settings): it stops
    /// waiting for its interface, stops sending router advertisements there and listening for the
    /// peer's, and its session (and BFD session) goes.
    /// </summary>
    private async Task StopInterfaceNeighborAsync(string ifName)
    {
        _interfaceNeighbors.TryRemove(ifName, out _);
        _waitingForInterface.TryRemove(ifName, out _);
        RouterAdvertisements? ra;
        lock (_advertisersLock) _advertisers.Remove(ifName, out ra);
        if (ra is not null) await ra.DisposeAsync().ConfigureAwait(false); // ends its discovery loop
        if (_peers.TryGetValue(ifName, out var peer)) await RemovePeerAsync(peer).ConfigureAwait(false);
    }

    private bool IsCurrent(string ifName, RouterAdvertisements ra)
    {
        lock (_advertisersLock) return _advertisers.TryGetValue(ifName, out var current) && ReferenceEquals(current, ra);
    }

    /// <summary>An interface came up: start the interface neighbor that was waiting for it, if any.</summary>
    internal async Task OnInterfaceUpAsync(string ifName)
    {
        if (!_waitingForInterface.TryRemove(ifName, out var n)) return;
        Log.Logger.LogInformation("neighbor {Neighbor}: interface {Interface} appeared, starting router advertisements and discovery", n.Id, ifName);
        await AddInterfacePeerAsync(n).ConfigureAwait(false);
    }

    /// <summary>
    /// Learns the peer's link-local address from its advertisements and starts the session to it. Keeps
    /// listening: when a different address advertises on the link (the leaf was replaced, or its link-local
    /// address changed) and the session is not Established, the neighbor moves to the new address.
    /// </summary>
    private async Task DiscoverAndStartAsync(EffectiveNeighbor n, RouterAdvertisements ra, int ifIndex)
    {
        try
        {
            IPAddress? current = null;
            if (ra.PeerLinkLocal is { } known && IsCurrent(n.Id, ra))
            {
                current = Scoped(known, ifIndex);
                await StartDiscoveredAsync(Latest(n), current, null).ConfigureAwait(false);
            }
            await foreach (var heard in ra.Received.ReadAllAsync().ConfigureAwait(false))
            {
                if (!IsCurrent(n.Id, ra)) break; // removed or restarted by a reload
                var address = Scoped(heard.Source, ifIndex);
                if (address.Equals(current)) continue;
                Peer? old = null;
                if (current is not null && _peers.TryGetValue(n.Id, out old) && old.State == Session.BgpState.Established)
                {
                    continue; // a working session stays; if it was the old router, it drops and a later advertisement moves us
                }
                await StartDiscoveredAsync(Latest(n), address, current is null ? null : old).ConfigureAwait(false);
                current = address;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException or InvalidOperationException or IOException)
        {
            // This task is not awaited: without this the neighbor would sit in Idle with nothing in the log.
            Log.NeighborProblem(n.Id, $"cannot start the session over {n.Id}: {e.Message}");
        }
    }

    private async Task StartDiscoveredAsync(EffectiveNeighbor n, IPAddress peer, Peer? replaced)
    {
        if (replaced is not null)
        {
            Log.Logger.LogWarning("neighbor {Neighbor}: a router with link-local address {Address} now advertises on {Interface} (was {Old}); moving the neighbor to it",
                n.Id, peer, n.Id, replaced.Address);
            await RemovePeerAsync(replaced).ConfigureAwait(false);
        }
        else
        {
            Log.Logger.LogInformation("neighbor {Neighbor}: peer link-local address {Address} learned from its router advertisement", n.Id, peer);
        }
        await AddPeerAsync(n with { Address = peer }, n.Id).ConfigureAwait(false);
    }

    private EffectiveNeighbor Latest(EffectiveNeighbor n) => _interfaceNeighbors.TryGetValue(n.Id, out var latest) ? latest : n;

    private static IPAddress Scoped(IPAddress a, int ifIndex) => a.ScopeId == 0 ? new IPAddress(a.GetAddressBytes(), ifIndex) : a;

    /// <summary>
    /// The interface of an interface neighbor lost its link: reset the session now, as FRR does
    /// (its neighbor goes down with the interface), instead of keeping a session over a dead link until
    /// the hold timer — and refusing the peer's new connection meanwhile, because an Established session
    /// wins every collision. The session starts again at once and comes up when the link does.
    /// </summary>
    internal async Task OnInterfaceDownAsync(string ifName)
    {
        foreach (var p in _peers.Values)
        {
            if (p.Transport?.LocalInterface != ifName || p.Session is not { } s) continue;
            if (s.State is Session.BgpState.Idle or Session.BgpState.Connect or Session.BgpState.Active) continue;
            Log.NeighborProblem(p.Config.Id, $"interface {ifName} went down: session reset (was {s.State})");
            await s.StopAsync(Wire.CeaseSubcode.AdministrativeReset, null).ConfigureAwait(false);
            if (!p.Config.Shutdown && !p.HeldDownByBfd) s.Start();
        }
    }

    private async Task StopAdvertisersAsync()
    {
        _waitingForInterface.Clear();
        _interfaceNeighbors.Clear();
        List<RouterAdvertisements> all;
        lock (_advertisersLock)
        {
            all = [.. _advertisers.Values];
            _advertisers.Clear();
        }
        foreach (var ra in all) await ra.DisposeAsync().ConfigureAwait(false);
    }
}
