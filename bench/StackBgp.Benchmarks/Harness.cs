using System.Net;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Benchmarks;

/// <summary>A sender that only counts (the monitor side of an in-process run).</summary>
internal sealed class CountingSender : IPeerSender
{
    public long Bytes;
    public long Chunks;
    public void Send(ReadOnlyMemory<byte> message) { Bytes += message.Length; Chunks++; }
    public void Close(CeaseSubcode subcode, string reason) { }
}

internal static class Harness
{
    public static readonly RibOptions Options = new() { LocalAs = 65000, RouterId = 0x0A000001, EbgpRequiresPolicy = false };

    public static PeerDescriptor Peer(int id, uint asn, IPeerSender sender) => new()
    {
        Id = id,
        Address = IPAddress.Parse($"10.0.{id}.2"),
        LocalAddress = IPAddress.Parse($"10.0.{id}.1"),
        PeerAs = asn,
        LocalAs = 65000,
        RouterId = (uint)(0x0B000000 + id),
        Sender = sender,
    };

    /// <summary>
    /// Decodes a stream of UPDATEs as a session would (Wire decoder, reusable DecodedUpdate) and hands
    /// them to the RIB in batches of <paramref name="messagesPerBatch"/> messages. Returns the messages decoded.
    /// </summary>
    public static int DecodeInto(RibActor rib, int peerId, ReadOnlySpan<byte> stream, int messagesPerBatch = 256)
    {
        var ctx = new DecodeContext { FourOctetAs = true };
        var decoded = new DecodedUpdate();
        var batch = new InboundBatch(messagesPerBatch, messagesPerBatch * 4);
        int messages = 0;
        while (!stream.IsEmpty)
        {
            BgpFraming.TryReadMessage(stream, 65535, out _, out int consumed, out _);
            UpdateDecoder.Decode(stream[BgpFraming.HeaderLength..consumed], ctx, decoded);
            batch.Add(decoded);
            stream = stream[consumed..];
            if (++messages % messagesPerBatch == 0)
            {
                rib.Execute(new RibCommand.Update(peerId, batch));
                batch = new InboundBatch(messagesPerBatch, messagesPerBatch * 4);
            }
        }
        if (batch.MessageCount > 0) rib.Execute(new RibCommand.Update(peerId, batch));
        return messages;
    }
}
