using System.Net;
using Microsoft.Extensions.Logging;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Nht;

public sealed partial class NextHopTracker
{
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

    private static (List<IPNetwork>? Prefixes, bool Links) Parse(ReadOnlySpan<byte> datagram)
    {
        List<IPNetwork>? prefixes = null;
        bool links = false;
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
}
