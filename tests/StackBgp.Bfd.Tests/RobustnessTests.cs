using System.Net;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

public class RobustnessTests
{
    [Fact]
    public void Decoder_never_throws_on_random_or_mutated_input()
    {
        var random = new Random(5880);
        var valid = Convert.FromHexString("20C4033411223344556677880000C3500000C35000000000051C07000102030542EA95E26A92259EFB85D52EC04941B026494A25");
        var buffer = new byte[80];
        int ok = 0;
        for (int i = 0; i < 200_000; i++)
        {
            int length = random.Next(0, buffer.Length);
            if (i % 2 == 0)
            {
                random.NextBytes(buffer.AsSpan(0, length));
            }
            else
            {
                length = valid.Length;
                valid.CopyTo(buffer, 0);
                buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
            }
            if (BfdCodec.TryDecode(buffer.AsSpan(0, length), out var packet, out var auth) == BfdDecodeStatus.Ok)
            {
                ok++;
                Assert.NotEqual(0u, packet.MyDiscriminator);
                Assert.NotEqual(0, packet.DetectMultiplier);
                if (packet.AuthenticationPresent) Assert.True(auth.Offset + auth.Length <= length);
            }
        }
        Assert.True(ok > 0, "some mutated packets stay valid");
    }

    [Theory]
    [InlineData(5, 300, 3, "transmit-interval")]
    [InlineData(300, 70000, 3, "receive-interval")]
    [InlineData(300, 300, 0, "detect-multiplier")]
    public void Config_validation_names_the_bad_value(int txMs, int rxMs, int mult, string named)
    {
        var config = new BfdPeerConfig(IPAddress.Parse("192.0.2.1"))
        {
            DesiredMinTx = TimeSpan.FromMilliseconds(txMs),
            RequiredMinRx = TimeSpan.FromMilliseconds(rxMs),
            DetectMultiplier = (byte)mult,
        };
        var e = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_validation_rejects_mixed_families_and_interface_on_multihop()
    {
        Assert.Throws<ArgumentException>(new BfdPeerConfig(IPAddress.Parse("192.0.2.1")) { LocalAddress = IPAddress.Parse("2001:db8::1") }.Validate);
        Assert.Throws<ArgumentException>(new BfdPeerConfig(IPAddress.Parse("192.0.2.1")) { Multihop = true, Interface = "eth0" }.Validate);
        new BfdPeerConfig(IPAddress.Parse("192.0.2.1")) { Multihop = true }.Validate();
    }
}
