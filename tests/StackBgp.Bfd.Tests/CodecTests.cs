using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

public class CodecTests
{
    // Up, diag 0, no flags, mult 3, my 0x11223344, your 0x55667788, 300 ms / 300 ms, echo 0.
    private static readonly byte[] UpPacket = Convert.FromHexString("20C00318112233445566778800" + "0493E0000493E000000000");
    private static readonly BfdControlPacket UpValue = new(BfdState.Up, BfdDiagnostic.None, BfdFlags.None, 3, 0x11223344, 0x55667788, 300_000, 300_000, 0);

    // Down, diag 1 (detection time expired), Poll, mult 5, my 1, your 0, 1 s / 50 ms, echo 0.
    private static readonly byte[] DownPollPacket = Convert.FromHexString("2160051800000001000000000" + "00F42400000C35000000000");
    private static readonly BfdControlPacket DownPollValue = new(BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired, BfdFlags.Poll, 5, 1, 0, 1_000_000, 50_000, 0);

    public static TheoryData<byte[], BfdControlPacket> Vectors => new()
    {
        { UpPacket, UpValue },
        { DownPollPacket, DownPollValue },
        // AdminDown, diag 7, Final, mult 1.
        { Convert.FromHexString("271001180000ABCD0000123400002710000027100000C350"), new BfdControlPacket(BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown, BfdFlags.Final, 1, 0xABCD, 0x1234, 10_000, 10_000, 50_000) },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decodes_golden_bytes(byte[] bytes, BfdControlPacket expected)
    {
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out var packet, out var auth));
        Assert.Equal(expected, packet);
        Assert.Equal(BfdAuthType.None, auth.Type);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encodes_golden_bytes(byte[] expected, BfdControlPacket value)
    {
        var buffer = new byte[BfdCodec.MaxLength];
        int length = BfdCodec.Encode(value, buffer);
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void Accepts_trailing_bytes_beyond_length()
    {
        var bytes = UpPacket.Concat(new byte[] { 0xEE, 0xEE }).ToArray();
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out var packet, out _));
        Assert.Equal(UpValue, packet);
    }

    public static TheoryData<string, int, byte, BfdDecodeStatus> Rejects => new()
    {
        { "version 0", 0, 0x00, BfdDecodeStatus.BadVersion },
        { "version 2", 0, 0x40, BfdDecodeStatus.BadVersion },
        { "length 23", 3, 23, BfdDecodeStatus.BadLength },
        { "length beyond payload", 3, 25, BfdDecodeStatus.BadLength },
        { "detect mult 0", 2, 0, BfdDecodeStatus.ZeroDetectMultiplier },
        { "multipoint", 1, 0xC1, BfdDecodeStatus.Multipoint },
        { "A bit without section", 1, 0xC4, BfdDecodeStatus.BadLength },
        { "my discriminator 0", 4, 0, BfdDecodeStatus.ZeroMyDiscriminator },
    };

    [Theory]
    [MemberData(nameof(Rejects))]
    public void Rejects_invalid_packets(string why, int offset, byte value, BfdDecodeStatus expected)
    {
        var bytes = (byte[])UpPacket.Clone();
        bytes[offset] = value;
        if (why == "my discriminator 0") bytes[5] = bytes[6] = bytes[7] = 0;
        Assert.Equal(expected, BfdCodec.TryDecode(bytes, out _, out _));
    }

    [Fact]
    public void Rejects_short_datagram()
    {
        Assert.Equal(BfdDecodeStatus.TooShort, BfdCodec.TryDecode(UpPacket.AsSpan(0, 23), out _, out _));
    }

    [Theory]
    [InlineData(BfdState.Up)]
    [InlineData(BfdState.Init)]
    public void Rejects_zero_your_discriminator_unless_down(BfdState state)
    {
        var bytes = (byte[])UpPacket.Clone();
        bytes[1] = (byte)((int)state << 6);
        bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0;
        Assert.Equal(BfdDecodeStatus.ZeroYourDiscriminatorNotDown, BfdCodec.TryDecode(bytes, out _, out _));
    }

    [Theory]
    [InlineData(BfdState.Down)]
    [InlineData(BfdState.AdminDown)]
    public void Accepts_zero_your_discriminator_when_down(BfdState state)
    {
        var bytes = (byte[])UpPacket.Clone();
        bytes[1] = (byte)((int)state << 6);
        bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0;
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out var packet, out _));
        Assert.Equal(0u, packet.YourDiscriminator);
    }

    [Fact]
    public void Round_trips_every_state_diag_and_flag_combination()
    {
        var buffer = new byte[BfdCodec.MaxLength];
        foreach (BfdState state in Enum.GetValues<BfdState>())
        {
            foreach (BfdDiagnostic diag in Enum.GetValues<BfdDiagnostic>())
            {
                foreach (var flags in new[] { BfdFlags.None, BfdFlags.Poll, BfdFlags.Final, BfdFlags.ControlPlaneIndependent, BfdFlags.Demand })
                {
                    var value = new BfdControlPacket(state, diag, flags, 3, 7, 9, 50_000, 60_000, 0);
                    int length = BfdCodec.Encode(value, buffer);
                    Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(buffer.AsSpan(0, length), out var decoded, out _));
                    Assert.Equal(value, decoded);
                }
            }
        }
    }
}
