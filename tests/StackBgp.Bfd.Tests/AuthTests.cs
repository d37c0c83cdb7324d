using System.Text;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

public class AuthTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("bfd-secret-key");
    private static readonly BfdControlPacket Body = new(BfdState.Up, BfdDiagnostic.None, BfdFlags.None, 3, 0x11223344, 0x55667788, 50_000, 50_000, 0);

    // Computed independently (Python hashlib): mandatory section with A bit and Length 52,
    // then type 5, len 28, key id 7, reserved, sequence 0x01020305, SHA1 over the packet with the key in the hash field.
    private const string MeticulousSha1 = "20C4033411223344556677880000C3500000C35000000000051C07000102030542EA95E26A92259EFB85D52EC04941B026494A25";
    // Same with keyed MD5: type 2, len 24.
    private const string KeyedMd5 = "20C4033011223344556677880000C3500000C3500000000002180700010203054EC6A881F4178748C97B9D4B3F27E2AE";

    [Theory]
    [InlineData(BfdAuthType.MeticulousKeyedSha1, MeticulousSha1)]
    [InlineData(BfdAuthType.KeyedMd5, KeyedMd5)]
    public void Signs_golden_vector(BfdAuthType type, string expectedHex)
    {
        var auth = new BfdAuthenticator(new BfdAuthConfig(type, 7, Key), initialSequence: 0x01020304);
        var buffer = new byte[BfdCodec.MaxLength];
        BfdCodec.Encode(Body, buffer);
        int length = auth.Append(buffer);
        Assert.Equal(expectedHex, Convert.ToHexString(buffer, 0, length));
    }

    [Theory]
    [InlineData(BfdAuthType.MeticulousKeyedSha1, MeticulousSha1)]
    [InlineData(BfdAuthType.KeyedMd5, KeyedMd5)]
    public void Verifies_golden_vector(BfdAuthType type, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out var packet, out var section));
        Assert.True(packet.AuthenticationPresent);
        Assert.Equal(type, section.Type);
        Assert.Equal(0x01020305u, section.Sequence);
        var auth = new BfdAuthenticator(new BfdAuthConfig(type, 7, Key), 0);
        Assert.True(auth.Verify(bytes, section, 3));
        Assert.Equal(0x01020305u, auth.ReceiveSequence);
    }

    [Fact]
    public void Rejects_tampered_packet_wrong_key_and_wrong_key_id()
    {
        var bytes = Convert.FromHexString(MeticulousSha1);
        BfdCodec.TryDecode(bytes, out _, out var section);
        var tampered = (byte[])bytes.Clone();
        tampered[15] ^= 1;
        Assert.False(new BfdAuthenticator(new BfdAuthConfig(BfdAuthType.MeticulousKeyedSha1, 7, Key), 0).Verify(tampered, section, 3));
        Assert.False(new BfdAuthenticator(new BfdAuthConfig(BfdAuthType.MeticulousKeyedSha1, 7, "other"u8.ToArray()), 0).Verify(bytes, section, 3));
        Assert.False(new BfdAuthenticator(new BfdAuthConfig(BfdAuthType.MeticulousKeyedSha1, 8, Key), 0).Verify(bytes, section, 3));
        Assert.False(new BfdAuthenticator(new BfdAuthConfig(BfdAuthType.KeyedSha1, 7, Key), 0).Verify(bytes, section, 3));
    }

    [Theory]
    [InlineData(BfdAuthType.MeticulousKeyedSha1, 0, false)] // replay of the same sequence
    [InlineData(BfdAuthType.MeticulousKeyedSha1, 1, true)]
    [InlineData(BfdAuthType.MeticulousKeyedSha1, 9, true)]  // 3 × DetectMult
    [InlineData(BfdAuthType.MeticulousKeyedSha1, 10, false)]
    [InlineData(BfdAuthType.KeyedSha1, 0, true)]            // keyed accepts the same number
    [InlineData(BfdAuthType.KeyedSha1, 9, true)]
    [InlineData(BfdAuthType.KeyedSha1, 10, false)]
    [InlineData(BfdAuthType.KeyedSha1, -1, false)]
    public void Enforces_sequence_window(BfdAuthType type, int advance, bool accepted)
    {
        // §6.7.3/§6.7.4 with Detect Mult 3.
        var sender = new BfdAuthenticator(new BfdAuthConfig(type, 1, Key), 0xFFFFFFF0);
        var receiver = new BfdAuthenticator(new BfdAuthConfig(type, 1, Key), 0);
        var first = Sign(sender, 0);
        BfdCodec.TryDecode(first, out _, out var firstSection);
        Assert.True(receiver.Verify(first, firstSection, 3));

        var probeSender = new BfdAuthenticator(new BfdAuthConfig(type, 1, Key), unchecked(firstSection.Sequence + (uint)advance - 1));
        var probe = Sign(probeSender, 0);
        BfdCodec.TryDecode(probe, out _, out var probeSection);
        Assert.Equal(accepted, receiver.Verify(probe, probeSection, 3));
    }

    [Fact]
    public void Simple_password_round_trips_and_rejects_wrong_password()
    {
        var config = new BfdAuthConfig(BfdAuthType.SimplePassword, 2, "pass"u8.ToArray());
        var bytes = Sign(new BfdAuthenticator(config, 0), 0);
        Assert.Equal(24 + 3 + 4, bytes.Length);
        Assert.Equal("01070270617373", Convert.ToHexString(bytes, 24, 7));
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out _, out var section));
        Assert.True(new BfdAuthenticator(config, 0).Verify(bytes, section, 3));
        Assert.False(new BfdAuthenticator(config with { Key = "pasX"u8.ToArray() }, 0).Verify(bytes, section, 3));
    }

    [Theory]
    [InlineData("0400")]        // SHA1 with length 0
    [InlineData("041B07")]      // SHA1 with length 27
    [InlineData("0218")]        // MD5 length 24 but packet too short for it
    [InlineData("0903")]        // unknown type
    [InlineData("0103")]        // simple password of 0 octets
    public void Rejects_malformed_auth_sections(string sectionHex)
    {
        var section = Convert.FromHexString(sectionHex);
        var bytes = new byte[24 + Math.Max(section.Length, 3)];
        BfdCodec.Encode(Body, bytes);
        bytes[1] |= (byte)BfdFlags.AuthenticationPresent;
        section.CopyTo(bytes, 24);
        bytes[3] = (byte)bytes.Length;
        Assert.Equal(BfdDecodeStatus.BadAuthSection, BfdCodec.TryDecode(bytes, out _, out _));
    }

    private static byte[] Sign(BfdAuthenticator auth, int _)
    {
        var buffer = new byte[BfdCodec.MaxLength];
        BfdCodec.Encode(Body, buffer);
        int length = auth.Append(buffer);
        return buffer[..length];
    }
}
