using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Neighbors;

public abstract record NeighborEvent(NeighborEntry Neighbor);

/// <summary>A neighbor entry appeared (or was present at start).</summary>
public sealed record NeighborAdded(NeighborEntry Neighbor) : NeighborEvent(Neighbor);

/// <summary>State, link-layer address or router flag changed.</summary>
public sealed record NeighborChanged(NeighborEntry Neighbor) : NeighborEvent(Neighbor);

public sealed record NeighborRemoved(NeighborEntry Neighbor) : NeighborEvent(Neighbor);

/// <summary>
/// The kernel's IPv6 (and IPv4) neighbor cache: RTM_GETNEIGH dump at start (delivered as
/// NeighborAdded events) plus RTNLGRP_NEIGH notifications. For BGP unnumbered it answers "which
/// fe80:: address is on the other end of this interface", preferring neighbors that announced
/// themselves as routers (IPv6 Router Advertisements, RFC 4861 §6.3.4), as zebra does.
/// </summary>
public sealed class NeighborWatcher : IAsyncDisposable
{
    private readonly string? _netns;
    private readonly ILogger _logger;
    private readonly Channel<NeighborEvent> _events = Channel.CreateUnbounded<NeighborEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private readonly Lock _waitersLock = new();
    private readonly List<(int IfIndex, TaskCompletionSource<IPAddress> Completion)> _waiters = [];
    private ImmutableDictionary<(int, IPAddressKey), NeighborEntry> _neighbors = ImmutableDictionary<(int, IPAddressKey), NeighborEntry>.Empty;
    private NetlinkSocket? _socket;
    private NetlinkRouteClient? _client;
    private Task? _listenTask;

    public NeighborWatcher(string? netNamespace = null, ILogger<NeighborWatcher>? logger = null)
    {
        _netns = netNamespace;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ChannelReader<NeighborEvent> Events => _events.Reader;

    public IReadOnlyCollection<NeighborEntry> Neighbors => Volatile.Read(ref _neighbors).Values.ToList();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _socket = NetlinkSocket.Open(_netns, [RtnlGroup.Neigh]);
        _client = NetlinkRouteClient.Open(_netns);
        await ResyncAsync(cancellationToken).ConfigureAwait(false);
        _listenTask = ListenAsync(_stopping.Token);
    }

    /// <summary>
    /// Usable IPv6 link-local neighbors on an interface (scope id = the interface), routers
    /// first; entries in state FAILED or INCOMPLETE are left out.
    /// </summary>
    public IReadOnlyList<IPAddress> LinkLocalNeighbors(int ifIndex) => Select(Volatile.Read(ref _neighbors).Values, ifIndex);

    /// <summary>Completes with the first usable link-local neighbor on the interface (at once if
    /// one is known already).</summary>
    public Task<IPAddress> WaitForLinkLocalNeighborAsync(int ifIndex, CancellationToken cancellationToken = default)
    {
        var tcs = new TaskCompletionSource<IPAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            IReadOnlyList<IPAddress> now = LinkLocalNeighbors(ifIndex);
            if (now.Count > 0)
            {
                return Task.FromResult(now[0]);
            }

            _waiters.Add((ifIndex, tcs));
        }

        return tcs.Task.WaitAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listenTask is not null)
        {
            await _listenTask.ConfigureAwait(false);
        }

        _ = _events.Writer.TryComplete();
        _socket?.Dispose();
        _client?.Dispose();
        _stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    private static List<IPAddress> Select(IEnumerable<NeighborEntry> entries, int ifIndex) =>
        entries
            .Where(n => n.IfIndex == ifIndex && n.Address.AddressFamily == AddressFamily.InterNetworkV6 && n.Address.IsIPv6LinkLocal
                && (n.State & (NeighborState.Failed | NeighborState.Incomplete)) == 0 && n.State != NeighborState.None)
            .OrderByDescending(n => n.IsRouter)
            .Select(n => new IPAddress(n.Address.GetAddressBytes(), ifIndex))
            .ToList();

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                ReadOnlyMemory<byte> datagram = await _socket!.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                Handle(datagram.Span);
            }
            catch (NetlinkOverrunException)
            {
                try
                {
                    await ResyncAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException)
                {
                    _logger.LogError(ex, "neighbor watcher: re-reading the neighbor table failed");
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage m))
        {
            if (m.Type is Rtm.NewNeigh or Rtm.DelNeigh && LinkCodec.DecodeNeighbor(m.Payload) is { } n)
            {
                if (m.Type == Rtm.NewNeigh)
                {
                    Upsert(n);
                }
                else
                {
                    Remove(n);
                }
            }
        }

        WakeWaiters();
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        List<NeighborEntry> entries = await _client!.DumpNeighborsAsync(null, cancellationToken).ConfigureAwait(false);
        var present = new HashSet<(int, IPAddressKey)>();
        foreach (NeighborEntry n in entries)
        {
            _ = present.Add((n.IfIndex, new IPAddressKey(n.Address)));
            Upsert(n);
        }

        foreach (((int, IPAddressKey) key, NeighborEntry n) in _neighbors)
        {
            if (!present.Contains(key))
            {
                Remove(n);
            }
        }

        WakeWaiters();
    }

    // The snapshot is replaced before the event is emitted (a reader of an event sees it).
    private void Upsert(NeighborEntry n)
    {
        var key = (n.IfIndex, new IPAddressKey(n.Address));
        bool known = _neighbors.TryGetValue(key, out NeighborEntry? before);
        if (known && before!.State == n.State && before.Flags == n.Flags && before.LinkLayerAddress == n.LinkLayerAddress)
        {
            return;
        }

        Volatile.Write(ref _neighbors, _neighbors.SetItem(key, n));
        _ = _events.Writer.TryWrite(known ? new NeighborChanged(n) : new NeighborAdded(n));
    }

    private void Remove(NeighborEntry n)
    {
        var key = (n.IfIndex, new IPAddressKey(n.Address));
        if (_neighbors.TryGetValue(key, out NeighborEntry? before))
        {
            Volatile.Write(ref _neighbors, _neighbors.Remove(key));
            _ = _events.Writer.TryWrite(new NeighborRemoved(before));
        }
    }

    private void WakeWaiters()
    {
        lock (_waitersLock)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                (int ifIndex, TaskCompletionSource<IPAddress> tcs) = _waiters[i];
                IReadOnlyList<IPAddress> found = LinkLocalNeighbors(ifIndex);
                if (found.Count > 0 || tcs.Task.IsCompleted)
                {
                    _ = found.Count > 0 && tcs.TrySetResult(found[0]);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
