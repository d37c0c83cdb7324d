using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Nht;

public sealed partial class NextHopTracker
{
    /// <summary>Drops route messages sent on behalf of <paramref name="portId"/> (see the FIB listener's
    /// filter for the byte order).</summary>
    private static void AttachIgnoreFilter(NetlinkSocket socket, uint portId)
    {
        const ushort LdH = 0x28, LdW = 0x20, JeqK = 0x15, RetK = 0x06;
        uint Type(ushort t) => BinaryPrimitives.ReverseEndianness(t);
        socket.AttachFilter(
        [
            (LdH, 0, 0, 4),                                          // 0: A = nlmsg_type
            (JeqK, 1, 0, Type(Rtm.NewRoute)),                         // 1: → 3
            (JeqK, 0, 3, Type(Rtm.DelRoute)),                         // 2: else → 6 accept
            (LdW, 0, 0, 12),                                         // 3: A = nlmsg_pid
            (JeqK, 0, 1, BinaryPrimitives.ReverseEndianness(portId)), // 4: ours → 5 drop, else → 6
            (RetK, 0, 0, 0),                                         // 5: drop
            (RetK, 0, 0, uint.MaxValue),                             // 6: accept
        ]);
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            ReadOnlyMemory<byte> datagram;
            try
            {
                datagram = await _socket!.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NetlinkOverrunException)
            {
                // Lost notifications (e.g. 100,000 routes installed at once): re-evaluate all.
                _logger.LogDebug("next-hop tracking: notification overrun, re-evaluating everything");
                _ = _commands.Writer.TryWrite(new EverythingChangedCommand());
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

            (List<IPNetwork>? prefixes, bool links) = Parse(datagram.Span);
            if (links)
            {
                _ = _commands.Writer.TryWrite(new EverythingChangedCommand());
            }
            else if (prefixes is not null)
            {
                _ = _commands.Writer.TryWrite(new RoutesChangedCommand(prefixes));
            }
        }
    }

    /// <summary>
    /// The route changes that matter: those whose prefix covers a tracked next hop (checked against
    /// <see cref="_watch"/> without allocating, so a full table being installed costs no more than
    /// reading its notifications), and any link change.
    /// </summary>
    private (List<IPNetwork>? Prefixes, bool Links) Parse(ReadOnlySpan<byte> datagram)
    {
        List<IPNetwork>? prefixes = null;
        bool links = false;
        WatchSet watch = _watch;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage m))
        {
            if (m.Type is Rtm.NewLink or Rtm.DelLink)
            {
                links = true;
            }
            else if (m.Type is Rtm.NewRoute or Rtm.DelRoute
                && RouteCodec.TryReadHeader(m.Payload, out RouteHeader h)
                && (h.Flags & Rtm.FCloned) == 0
                && watch.Covers(m.Payload, h)
                && DestinationOf(m.Payload, h) is { } prefix)
            {
                (prefixes ??= []).Add(prefix);
            }
        }

        return (prefixes, links);
    }

    private static IPNetwork? DestinationOf(ReadOnlySpan<byte> payload, RouteHeader h)
    {
        if (h.Family is not (Af.Inet or Af.Inet6) || h.DstLength > (h.Family == Af.Inet6 ? 128 : 32))
        {
            return null;
        }

        IPAddress dst = h.Family == Af.Inet6 ? IPAddress.IPv6Any : IPAddress.Any;
        var attrs = new AttributeReader(payload[Rtm.RtMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Rta.Dst && AttributeReader.Address(value) is { } a)
            {
                dst = a;
                break;
            }
        }

        return RouteCodec.TryPrefix(dst, h.DstLength, out IPNetwork prefix) ? prefix : null;
    }

    /// <summary>The tracked next hops as sorted numbers per family (published by the owner task,
    /// read by the listener): a prefix covers one iff the first tracked address at or above the
    /// prefix's first address is not above its last address.</summary>
    private sealed class WatchSet
    {
        public static readonly WatchSet Empty = new([], []);
        private readonly UInt128[] _v4;
        private readonly UInt128[] _v6;

        private WatchSet(UInt128[] v4, UInt128[] v6)
        {
            _v4 = v4;
            _v6 = v6;
        }

        public static WatchSet Of(IEnumerable<IPAddress> addresses)
        {
            var v4 = new List<UInt128>();
            var v6 = new List<UInt128>();
            Span<byte> b = stackalloc byte[16];
            foreach (IPAddress a in addresses)
            {
                if (!a.TryWriteBytes(b, out int n))
                {
                    continue;
                }

                (n == 4 ? v4 : v6).Add(Number(b[..n]));
            }

            v4.Sort();
            v6.Sort();
            return new WatchSet([.. v4], [.. v6]);
        }

        public bool Covers(IPNetwork prefix)
        {
            Span<byte> b = stackalloc byte[16];
            if (!prefix.BaseAddress.TryWriteBytes(b, out int n))
            {
                return false;
            }

            return Covers(n == 4 ? _v4 : _v6, n * 8, prefix.PrefixLength, Number(b[..n]));
        }

        public bool Covers(ReadOnlySpan<byte> payload, RouteHeader h)
        {
            UInt128[] set = h.Family == Af.Inet ? _v4 : h.Family == Af.Inet6 ? _v6 : [];
            int bits = h.Family == Af.Inet ? 32 : 128;
            if (set.Length == 0 || h.DstLength > bits)
            {
                return false;
            }

            UInt128 first = UInt128.Zero;
            var attrs = new AttributeReader(payload[Rtm.RtMsgLength..]);
            while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
            {
                if (type == Rta.Dst && value.Length == bits / 8)
                {
                    first = Number(value);
                    break;
                }
            }

            return Covers(set, bits, h.DstLength, first);
        }

        private static bool Covers(UInt128[] set, int bits, int length, UInt128 first)
        {
            if (set.Length == 0 || length > bits)
            {
                return false;
            }

            UInt128 hostMask = length == bits ? UInt128.Zero : (UInt128.One << (bits - length)) - 1;
            first &= ~hostMask;
            int i = Array.BinarySearch(set, first);
            if (i < 0)
            {
                i = ~i;
            }

            return i < set.Length && set[i] <= (first | hostMask);
        }

        private static UInt128 Number(ReadOnlySpan<byte> bytes)
        {
            UInt128 v = UInt128.Zero;
            foreach (byte x in bytes)
            {
                v = (v << 8) | x;
            }

            return v;
        }
    }
}
