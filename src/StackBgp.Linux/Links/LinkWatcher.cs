using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Links;

/// <summary>
/// Watches links and addresses: subscribes to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
/// RTNLGRP_IPV6_IFADDR, then reads the current state; the state found at start is delivered as
/// events too (LinkUp/LinkDown per link, AddressAdded per address), so a consumer only has to
/// read <see cref="Events"/>. <see cref="Interfaces"/> is an immutable snapshot, replaced on
/// every change. If the kernel drops notifications (overrun), the state is re-read and the
/// differences are delivered as events.
/// </summary>
public sealed class LinkWatcher : ILinkWatcher
{
    private readonly string? _netns;
    private readonly ILogger _logger;
    private readonly Channel<InterfaceEvent> _events = Channel.CreateUnbounded<InterfaceEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    // Owned by the listen task (and StartAsync before it runs).
    private readonly Dictionary<int, LinkInfo> _links = [];
    private readonly Dictionary<int, Dictionary<(IPAddressKey, int), InterfaceAddress>> _addresses = [];
    private ImmutableDictionary<int, InterfaceState> _snapshot = ImmutableDictionary<int, InterfaceState>.Empty;
    private NetlinkSocket? _socket;
    private NetlinkRouteClient? _client;
    private Task? _listenTask;

    public LinkWatcher(string? netNamespace = null, ILogger<LinkWatcher>? logger = null)
    {
        _netns = netNamespace;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Link and address changes, in the order the kernel reported them.</summary>
    public ChannelReader<InterfaceEvent> Events => _events.Reader;

    /// <summary>The interfaces and their addresses as of the last change, by index.</summary>
    public IReadOnlyDictionary<int, InterfaceState> Interfaces => Volatile.Read(ref _snapshot);

    public InterfaceState? Find(string name)
    {
        foreach (KeyValuePair<int, InterfaceState> kv in Volatile.Read(ref _snapshot))
        {
            if (kv.Value.Name == name)
            {
                return kv.Value;
            }
        }

        return null;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _socket = NetlinkSocket.Open(_netns, [RtnlGroup.Link, RtnlGroup.Ipv4IfAddr, RtnlGroup.Ipv6IfAddr]);
        _client = NetlinkRouteClient.Open(_netns);
        await ResyncAsync(cancellationToken).ConfigureAwait(false);
        _listenTask = ListenAsync(_stopping.Token);
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
                _logger.LogWarning("link watcher: notifications lost (overrun); re-reading links and addresses");
                try
                {
                    await ResyncAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException)
                {
                    _logger.LogError(ex, "link watcher: re-reading state failed");
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
            switch (m.Type)
            {
                case Rtm.NewLink when LinkCodec.DecodeLink(m.Payload) is { } link:
                    OnLink(link);
                    break;
                case Rtm.DelLink when LinkCodec.DecodeLink(m.Payload) is { } gone:
                    OnLinkRemoved(gone);
                    break;
                case Rtm.NewAddr when LinkCodec.DecodeAddress(m.Payload, NameOf) is { } added:
                    OnAddress(added);
                    break;
                case Rtm.DelAddr when LinkCodec.DecodeAddress(m.Payload, NameOf) is { } removed:
                    OnAddressRemoved(removed);
                    break;
            }
        }
    }

    private string? NameOf(int ifIndex) => _links.TryGetValue(ifIndex, out LinkInfo? l) ? l.Name : null;

    /// <summary>Reads links and addresses and turns every difference from the known state into
    /// events (at start: everything is new).</summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        List<LinkInfo> links = await _client!.DumpLinksAsync(cancellationToken).ConfigureAwait(false);
        List<InterfaceAddress> addresses = await _client.DumpAddressesAsync(cancellationToken).ConfigureAwait(false);
        var present = links.Select(l => l.IfIndex).ToHashSet();
        foreach (LinkInfo gone in _links.Values.Where(l => !present.Contains(l.IfIndex)).ToList())
        {
            OnLinkRemoved(gone);
        }

        foreach (LinkInfo link in links)
        {
            OnLink(link);
        }

        var seen = new HashSet<(int, IPAddressKey, int)>();
        foreach (InterfaceAddress a in addresses)
        {
            _ = seen.Add((a.IfIndex, new IPAddressKey(a.Address), a.PrefixLength));
            OnAddress(a);
        }

        foreach ((int index, Dictionary<(IPAddressKey, int), InterfaceAddress> byKey) in _addresses)
        {
            foreach (InterfaceAddress a in byKey.Values.ToList())
            {
                if (!seen.Contains((index, new IPAddressKey(a.Address), a.PrefixLength)))
                {
                    OnAddressRemoved(a);
                }
            }
        }
    }

    // The snapshot is always replaced before the event is emitted: whoever reads an event sees
    // a snapshot at least that new.
    private void OnLink(LinkInfo link)
    {
        bool known = _links.TryGetValue(link.IfIndex, out LinkInfo? before);
        _links[link.IfIndex] = link;
        Publish(link.IfIndex);
        if (!known || before!.IsUp != link.IsUp)
        {
            Emit(link.IsUp
                ? new LinkUp(link.IfIndex, link.Name, link.OperState, link.Flags)
                : new LinkDown(link.IfIndex, link.Name, link.OperState, link.Flags));
        }
    }

    private void OnLinkRemoved(LinkInfo link)
    {
        _ = _addresses.Remove(link.IfIndex, out Dictionary<(IPAddressKey, int), InterfaceAddress>? left);
        bool known = _links.Remove(link.IfIndex);
        Publish(link.IfIndex);
        foreach (InterfaceAddress a in left?.Values ?? Enumerable.Empty<InterfaceAddress>())
        {
            Emit(new AddressRemoved(a.IfIndex, a.IfName ?? link.Name, a.Address, a.PrefixLength, a.Scope, a.Flags));
        }

        if (known)
        {
            Emit(new LinkDown(link.IfIndex, link.Name, link.OperState, link.Flags, Removed: true));
        }
    }

    private void OnAddress(InterfaceAddress address)
    {
        string name = address.IfName ?? NameOf(address.IfIndex) ?? "";
        address = address with { IfName = name };
        if (!_addresses.TryGetValue(address.IfIndex, out Dictionary<(IPAddressKey, int), InterfaceAddress>? byKey))
        {
            _addresses[address.IfIndex] = byKey = [];
        }

        var key = (new IPAddressKey(address.Address), address.PrefixLength);
        if (byKey.TryGetValue(key, out InterfaceAddress? before))
        {
            byKey[key] = address;
            if (before.Flags != address.Flags || before.Scope != address.Scope)
            {
                Publish(address.IfIndex);
                Emit(new AddressChanged(address.IfIndex, name, address.Address, address.PrefixLength, address.Scope, address.Flags));
            }

            return;
        }

        byKey[key] = address;
        Publish(address.IfIndex);
        Emit(new AddressAdded(address.IfIndex, name, address.Address, address.PrefixLength, address.Scope, address.Flags));
    }

    private void OnAddressRemoved(InterfaceAddress address)
    {
        if (_addresses.TryGetValue(address.IfIndex, out Dictionary<(IPAddressKey, int), InterfaceAddress>? byKey)
            && byKey.Remove((new IPAddressKey(address.Address), address.PrefixLength), out InterfaceAddress? before))
        {
            Publish(address.IfIndex);
            Emit(new AddressRemoved(address.IfIndex, before.IfName ?? "", before.Address, before.PrefixLength, before.Scope, address.Flags));
        }
    }

    private void Emit(InterfaceEvent e) => _events.Writer.TryWrite(e);

    private void Publish(int ifIndex)
    {
        ImmutableDictionary<int, InterfaceState> next = _links.TryGetValue(ifIndex, out LinkInfo? link)
            ? _snapshot.SetItem(ifIndex, new InterfaceState(link, _addresses.TryGetValue(ifIndex, out var a) ? [.. a.Values] : []))
            : _snapshot.Remove(ifIndex);
        Volatile.Write(ref _snapshot, next);
    }
}

/// <summary>An address as a dictionary key: bytes only, no IPv6 scope id.</summary>
internal readonly record struct IPAddressKey
{
    private readonly UInt128 _bits;
    private readonly bool _v6;

    public IPAddressKey(System.Net.IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        b.Clear();
        _ = address.TryWriteBytes(b, out int n);
        _v6 = n == 16;
        _bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }
}
