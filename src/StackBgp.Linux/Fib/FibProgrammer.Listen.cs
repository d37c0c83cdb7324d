using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Fib;

public sealed partial class FibProgrammer
{
    /// <summary>
    /// Keeps only what the FIB acts on, in the kernel, before it is queued to our socket: link
    /// changes, address changes, and deletions of routes of our protocol (and of nexthop objects)
    /// that our own socket did not ask for (notifications carry the requester's port id). Without it, installing 100,000
    /// routes would queue 100,000 notifications of our own doing and overrun the socket.
    /// Classic BPF loads are big-endian while netlink headers are host (little-endian) order,
    /// hence the byte-swapped constants.
    /// </summary>
    private static void AttachListenFilter(NetlinkSocket socket, uint ourPortId, byte protocol)
    {
        const ushort LdH = 0x28, LdW = 0x20, LdB = 0x30, JeqK = 0x15, RetK = 0x06;
        uint Type(ushort t) => BinaryPrimitives.ReverseEndianness(t);
        socket.AttachFilter(
        [
            (LdH, 0, 0, 4),                                          // 0: A = nlmsg_type
            (JeqK, 11, 0, Type(Rtm.NewLink)),                         // 1: → 13 accept
            (JeqK, 10, 0, Type(Rtm.DelLink)),                         // 2: → 13 accept
            (JeqK, 9, 0, Type(Rtm.NewAddr)),                          // 3: → 13 accept
            (JeqK, 8, 0, Type(Rtm.DelAddr)),                          // 4: → 13 accept
            (JeqK, 0, 4, Type(Rtm.DelRoute)),                         // 5: else → 10
            (LdW, 0, 0, 12),                                         // 6: A = nlmsg_pid
            (JeqK, 6, 0, BinaryPrimitives.ReverseEndianness(ourPortId)), // 7: ours → 14 drop
            (LdB, 0, 0, Nl.HeaderLength + 5),                        // 8: A = rtm_protocol
            (JeqK, 3, 4, protocol),                                  // 9: ours → 13 else → 14
            (JeqK, 0, 3, Type(Rtm.DelNexthop)),                       // 10: else → 14 drop
            (LdW, 0, 0, 12),                                         // 11: A = nlmsg_pid
            (JeqK, 1, 0, BinaryPrimitives.ReverseEndianness(ourPortId)), // 12: ours → 14 drop
            (RetK, 0, 0, uint.MaxValue),                             // 13: accept
            (RetK, 0, 0, 0),                                         // 14: drop
        ]);
    }

    private async Task ListenAsync(NetlinkSocket socket, Dictionary<int, bool> linkUp, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            ReadOnlyMemory<byte> datagram;
            try
            {
                datagram = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NetlinkOverrunException)
            {
                _logger.LogWarning("FIB: route notifications lost (socket overrun); resyncing");
                _ = _commands.Writer.TryWrite(new ResyncCommand("notification overrun"));
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            (List<KernelRoute>? deleted, bool cameUp, bool addressAdded, bool addressRemoved, bool nexthopsChanged, bool nexthopGone) = Parse(datagram.Span, linkUp);
            if (nexthopsChanged)
            {
                // The kernel removes the nexthop objects of an interface that goes down, and the
                // routes naming them, without telling: the client re-reads its objects before next use.
                _client!.ForgetNexthops();
            }

            if (deleted is not null)
            {
                _ = _commands.Writer.TryWrite(new KernelDeletedCommand(deleted));
            }

            if (nexthopGone)
            {
                _ = _commands.Writer.TryWrite(new ResyncCommand("nexthop object deleted"));
            }
            else if (cameUp || addressRemoved)
            {
                // The kernel flushes IPv4 routes silently when their interface goes down or their
                // source address goes away: re-read and repair.
                _ = _commands.Writer.TryWrite(new ResyncCommand(cameUp ? "link up" : "address removed"));
            }
            else if (addressAdded)
            {
                // A new address may make a refused route's next hop or source valid.
                _ = _commands.Writer.TryWrite(new RetryCommand());
            }
        }
    }

    private (List<KernelRoute>? Deleted, bool CameUp, bool AddressAdded, bool AddressRemoved, bool NexthopsChanged, bool NexthopGone) Parse(
        ReadOnlySpan<byte> datagram, Dictionary<int, bool> linkUp)
    {
        List<KernelRoute>? deleted = null;
        bool cameUp = false, addressAdded = false, addressRemoved = false, nexthopsChanged = false, nexthopGone = false;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage m))
        {
            switch (m.Type)
            {
                case Rtm.DelRoute:
                    if (RouteCodec.TryReadHeader(m.Payload, out RouteHeader h) && h.Protocol == _options.Protocol
                        && m.PortId != _client!.PortId && RouteCodec.Decode(m.Payload) is { } route
                        && (_options.Tables is null || _options.Tables.Contains(route.Table)))
                    {
                        (deleted ??= []).Add(route);
                    }

                    break;
                case Rtm.NewLink:
                    if (LinkCodec.DecodeLink(m.Payload) is { } link)
                    {
                        bool was = linkUp.GetValueOrDefault(link.IfIndex);
                        linkUp[link.IfIndex] = link.IsUp;
                        cameUp |= link.IsUp && !was;
                        nexthopsChanged |= link.IsUp != was;
                    }

                    break;
                case Rtm.NewAddr:
                    addressAdded = nexthopsChanged = true;
                    break;
                case Rtm.DelAddr:
                    addressRemoved = nexthopsChanged = true;
                    break;
                case Rtm.DelNexthop:
                    // Someone deleted an object of ours: the routes naming it went with it.
                    nexthopGone = nexthopsChanged = m.Payload.Length >= 3 && m.Payload[2] == _options.Protocol;
                    break;
                case Rtm.DelLink:
                    if (LinkCodec.DecodeLink(m.Payload) is { } gone)
                    {
                        _ = linkUp.Remove(gone.IfIndex);
                        nexthopsChanged = true;
                    }

                    break;
            }
        }

        return (deleted, cameUp, addressAdded, addressRemoved, nexthopsChanged, nexthopGone);
    }
}
