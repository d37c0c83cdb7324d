using System.Buffers;
using Xunit;

namespace StackBgp.Wire.Tests;

public class FramingTests
{
    private static readonly byte[] Keepalive = Hex.Bytes("ffffffffffffffffffffffffffffffff 0013 04");

    /// <summary>A sequence split into one-byte segments, to exercise multi-segment slicing.</summary>
    private static ReadOnlySequence<byte> Fragmented(byte[] data)
    {
        if (data.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(data.AsMemory(0, 1), 0);
        var last = first;
        for (int i = 1; i < data.Length; i++) last = last.Append(data.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var s = new Segment(memory, RunningIndex + Memory.Length);
            Next = s;
            return s;
        }
    }

    [Fact]
    public void Whole_messages_are_sliced_off_and_partial_ones_wait()
    {
        var update = Hex.Message(BgpMessageType.Update, "00000000");
        byte[] stream = [.. Keepalive, .. update, .. Keepalive.AsSpan(0, 10)];
        var buffer = Fragmented(stream);

        Assert.True(BgpFraming.TryReadMessage(ref buffer, 4096, out var t1, out var b1, out var e1));
        Assert.Null(e1);
        Assert.Equal(BgpMessageType.Keepalive, t1);
        Assert.Equal(0, b1.Length);

        Assert.True(BgpFraming.TryReadMessage(ref buffer, 4096, out var t2, out var b2, out _));
        Assert.Equal(BgpMessageType.Update, t2);
        byte[]? scratch = null;
        Assert.Equal("00000000", Hex.Of(BgpFraming.Contiguous(b2, ref scratch)));
        Assert.NotNull(scratch); // multi-segment body was copied

        Assert.False(BgpFraming.TryReadMessage(ref buffer, 4096, out _, out _, out _));
        Assert.Equal(10, buffer.Length);
        ArrayPool<byte>.Shared.Return(scratch);
    }

    [Fact]
    public void A_bad_length_is_refused_before_the_body_arrives()
    {
        var header = Hex.Bytes("ffffffffffffffffffffffffffffffff 1001 02"); // 4097 > 4096
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.True(BgpFraming.TryReadMessage(ref buffer, 4096, out _, out _, out var e));
        Assert.Equal((BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength), (e!.Value.Code, e.Value.Subcode));
        Assert.Equal("1001", Hex.Of(e.Value.Data.AsSpan()));
        // With extended messages (RFC 8654) the same length is fine: wait for the body.
        Assert.False(BgpFraming.TryReadMessage(ref buffer, 65535, out _, out _, out var none));
        Assert.Null(none);
    }

    [Theory]
    [InlineData("fffffffffffffffffffffffffffffffe 0013 04", MessageHeaderSubcode.ConnectionNotSynchronized, "")]
    [InlineData("ffffffffffffffffffffffffffffffff 0012 04", MessageHeaderSubcode.BadMessageLength, "0012")]     // < 19
    [InlineData("ffffffffffffffffffffffffffffffff 0014 04", MessageHeaderSubcode.BadMessageLength, "0014")]     // KEEPALIVE must be 19
    [InlineData("ffffffffffffffffffffffffffffffff 001c 01", MessageHeaderSubcode.BadMessageLength, "001c")]     // OPEN < 29
    [InlineData("ffffffffffffffffffffffffffffffff 0016 02", MessageHeaderSubcode.BadMessageLength, "0016")]     // UPDATE < 23
    [InlineData("ffffffffffffffffffffffffffffffff 0014 03", MessageHeaderSubcode.BadMessageLength, "0014")]     // NOTIFICATION < 21
    [InlineData("ffffffffffffffffffffffffffffffff 0016 05", MessageHeaderSubcode.BadMessageLength, "0016")]     // ROUTE-REFRESH < 23
    [InlineData("ffffffffffffffffffffffffffffffff 1100 01", MessageHeaderSubcode.BadMessageLength, "1100")]     // OPEN > 4096 even with RFC 8654
    [InlineData("ffffffffffffffffffffffffffffffff 0013 06", MessageHeaderSubcode.BadMessageType, "06")]
    public void Header_errors_per_RFC_4271_section_6_1(string header, MessageHeaderSubcode sub, string data)
    {
        var e = BgpFraming.CheckHeader(Hex.Bytes(header), 65535, out _, out _);
        Assert.NotNull(e);
        Assert.Equal(ErrorAction.SessionReset, e.Value.Action);
        Assert.Equal((BgpErrorCode.MessageHeader, (byte)sub), (e.Value.Code, e.Value.Subcode));
        Assert.Equal(data, Hex.Of(e.Value.Data.AsSpan()));
    }
}
