using StackBgp.Wire;
using Xunit;
using static StackBgp.Routing.Tests.T;

namespace StackBgp.Routing.Tests;

/// <summary>
/// The RIB's flush buffers: UPDATEs written back to back into shared segments must make exactly the byte
/// stream that one buffer per call makes, every message whole inside one segment, with the right counts,
/// and segments reused by the next flush must leave the buffers still held by a sender untouched.
/// </summary>
public sealed class UpdateBuffersTests
{
    private static readonly EncodeContext Context = new() { FourOctetAs = true };

    private static void EncodeFlush(List<ReadOnlyMemory<byte>> output, int round)
    {
        var encoder = WireUpdateEncoder.Instance;
        encoder.EncodeWithdraw(AddressFamily.Ipv4Unicast, [new(P($"198.{51 + round}.100.0/24"))], Context, output);
        for (int set = 0; set < 3000; set++)
        {
            var attrs = Attrs("192.0.2.1", 65001, (uint)(64512 + set), (uint)round) with { Med = (uint)set };
            Nlri[] prefixes = [.. Enumerable.Range(0, 1 + set % 4).Select(i => new Nlri(Prefix.FromV4((uint)((10 << 24) | (set << 8) | (i << 6)), 26)))];
            encoder.EncodeAnnounce(AddressFamily.Ipv4Unicast, attrs, prefixes, Context, output);
        }
    }

    private static (byte[] Bytes, int Messages) Stream(IEnumerable<ReadOnlyMemory<byte>> buffers)
    {
        var all = buffers.SelectMany(b => b.ToArray()).ToArray();
        int messages = 0;
        int p = 0;
        for (; p + 19 <= all.Length; messages++)
        {
            Assert.True(all.AsSpan(p, 16).IndexOfAnyExcept((byte)0xFF) < 0, $"message {messages} at offset {p} does not start with the marker");
            p += (all[p + 16] << 8) | all[p + 17];
        }
        Assert.True(p == all.Length, $"the buffers end inside a message ({all.Length} octets, the last message ends at {p})");
        return (all, messages);
    }

    [Fact]
    public void Segments_carry_the_same_stream_as_one_buffer_per_call_with_whole_messages_and_their_counts()
    {
        var separate = new List<ReadOnlyMemory<byte>>();
        var shared = new UpdateBuffers();
        EncodeFlush(separate, 0);
        EncodeFlush(shared, 0);
        shared.Seal();

        var (expected, messages) = Stream(separate);
        Assert.Equal(separate.Count, messages); // one UPDATE per call here
        Assert.True(shared.Count > 1 && shared.Count < 10, $"expected a few segments, got {shared.Count}");
        Assert.Equal(expected, Stream(shared).Bytes);
        foreach (var segment in shared) Stream([segment]); // each segment parses alone: whole messages only
        Assert.Equal(messages, Enumerable.Range(0, shared.Count).Sum(shared.MessagesIn));
    }

    [Fact]
    public void The_next_flush_reuses_the_segment_without_touching_buffers_already_handed_out()
    {
        var shared = new UpdateBuffers();
        EncodeFlush(shared, 0);
        shared.Seal();
        for (int i = 0; i < shared.Count; i++) shared.AddSendReference(i); // handed to a sender that keeps them
        var handedOut = shared.ToList();
        var before = Stream(handedOut).Bytes;
        shared.Clear();

        EncodeFlush(shared, 1);
        shared.Seal();

        Assert.Equal(before, Stream(handedOut).Bytes);
        var separate = new List<ReadOnlyMemory<byte>>();
        EncodeFlush(separate, 1);
        Assert.Equal(Stream(separate).Bytes, Stream(shared).Bytes);
    }

    [Fact]
    public void A_segment_every_sender_has_released_is_written_again_and_one_still_held_is_not()
    {
        var shared = new UpdateBuffers();
        EncodeFlush(shared, 0); // a first small segment, then several pooled 64 KiB ones
        shared.Seal();
        var pooled = Enumerable.Range(0, shared.Count).Where(i => Segment(shared[i]) is not null).ToList();
        Assert.True(pooled.Count > 2, $"expected several pooled segments, got {pooled.Count}");
        // two senders each; the first releases everything, the second all but the first pooled segment
        for (int i = 0; i < shared.Count; i++)
        {
            shared.AddSendReference(i);
            shared.AddSendReference(i);
        }
        var kept = shared[pooled[0]];
        var keptBytes = kept.ToArray();
        var released = pooled.Skip(1).Select(i => Segment(shared[i])).ToList();
        for (int i = 0; i < shared.Count; i++)
        {
            SharedBuffer.ReleaseIfShared(shared[i]);
            if (i != pooled[0]) SharedBuffer.ReleaseIfShared(shared[i]);
        }
        shared.Clear();

        EncodeFlush(shared, 1);
        shared.Seal();
        var now = shared.Select(Segment).Where(s => s is not null).Distinct().ToList();
        Assert.Contains(now, s => released.Contains(s));
        Assert.DoesNotContain(Segment(kept), now);
        Assert.Equal(keptBytes, kept.ToArray());

        static SharedBuffer? Segment(ReadOnlyMemory<byte> m) =>
            System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager(m, out SharedBuffer? s) ? s : null;
    }
}
