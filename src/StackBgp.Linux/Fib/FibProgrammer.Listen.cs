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
    /// changes, address changes, and deletions of routes of our protocol that our own socket did
    /// not ask for (notifications carry the requester's port id). Without it, installing 100,000
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
            (JeqK, 8, 0, Type(Rtm.NewLink)),                          // 1: → 10 accept
            (JeqK, 7, 0, Type(Rtm.DelLink)),                          // 2: → 10 accept
            (JeqK, 6, 0, Type(Rtm.NewAddr)),                          // 3: → 10 accept
            (JeqK, 5, 0, Type(Rtm.DelAddr)),                          // 4: → 10 accept
            (JeqK, 0, 5, Type(Rtm.DelRoute)),                         // 5: else → 11 drop
            (LdW, 0, 0, 12),                                         // 6: A = nlmsg_pid
            (JeqK, 3, 0, BinaryPrimitives.ReverseEndianness(ourPortId)), // 7: ours → 11 drop
            (LdB, 0, 0, Nl.HeaderLength + 5),                        // 8: A = rtm_protocol
            (JeqK, 0, 1, protocol),                                  // 9: ours → 10 else → 11
            (RetK, 0, 0, uint.MaxValue),                             // 10: accept
            (RetK, 0, 0, 0),                                         // 11: drop
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

            (List<KernelRoute>? deleted, bool cameUp, bool addressAdded, bool addressRemoved) = Parse(datagram.Span, linkUp);
            if (deleted is not null)
            {
                _ = _commands.Writer.TryWrite(new KernelDeletedCommand(deleted));
            }

            if (cameUp || addressRemoved)
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

    private (List<KernelRoute>? Deleted, bool CameUp, bool AddressAdded, bool AddressRemoved) Parse(ReadOnlySpan<byte> datagram, Dictionary<int, bool> linkUp)
    {
        List<KernelRoute>? deleted = null;
        bool cameUp = false, addressAdded = false, addressRemoved = false;
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
                    }

                    break;
                case Rtm.NewAddr:
                    addressAdded = true;
                    break;
                case Rtm.DelAddr:
                    addressRemoved = true;
                    break;
                case Rtm.DelLink:
                    if (LinkCodec.DecodeLink(m.Payload) is { } gone)
                    {
                        _ = linkUp.Remove(gone.IfIndex);
                    }

                    break;
            }
        }

        return (deleted, cameUp, addressAdded, addressRemoved);
    }
}
