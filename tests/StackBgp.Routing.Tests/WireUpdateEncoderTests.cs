using StackBgp.Wire;
using Xunit;
using static StackBgp.Routing.Tests.T;

namespace StackBgp.Routing.Tests;

/// <summary>
/// RFC 8654: path attributes that cannot fit in a 4096-octet UPDATE (peer without extended messages) are
/// never a failure of the export: those prefixes are withdrawn and reported; with 65535 octets they go out.
/// </summary>
public class WireUpdateEncoderTests
{
    private static PathAttributes Big() => Attrs("10.0.0.1", 65001) with
    {
        LargeCommunities = [.. Enumerable.Range(1, 360).Select(i => new LargeCommunity(65001, 1, (uint)i))],
    };

    [Fact]
    public void Attributes_over_4096_octets_are_withdrawn_and_reported_without_extended_messages()
    {
        var reported = new List<(AddressFamily Family, Nlri First, int Count, string Why)>();
        var encoder = new WireUpdateEncoder { NotEncodable = (f, n, c, why) => reported.Add((f, n, c, why)) };
        var output = new List<ReadOnlyMemory<byte>>();
        Nlri[] prefixes = [new(P("192.0.2.0/24")), new(P("198.51.100.0/24"))];

        encoder.EncodeAnnounce(AddressFamily.Ipv4Unicast, Big(), prefixes, new EncodeContext { FourOctetAs = true }, output);

        var r = Assert.Single(reported);
        Assert.Equal(P("192.0.2.0/24"), r.First.Prefix);
        Assert.Equal(2, r.Count);
        Assert.Contains("4096", r.Why, StringComparison.Ordinal);
        byte[] m = Assert.Single(output).ToArray();
        Assert.Equal(2, m[18]); // an UPDATE
        int withdrawnLength = (m[19] << 8) | m[20];
        Assert.Equal(8, withdrawnLength); // two /24s in Withdrawn Routes
        Assert.Equal(0, (m[21 + withdrawnLength] << 8) | m[22 + withdrawnLength]); // no path attributes
    }

    [Fact]
    public void Attributes_over_4096_octets_go_out_in_one_extended_message()
    {
        var reported = 0;
        var encoder = new WireUpdateEncoder { NotEncodable = (_, _, _, _) => reported++ };
        var output = new List<ReadOnlyMemory<byte>>();
        encoder.EncodeAnnounce(AddressFamily.Ipv4Unicast, Big(), [new(P("192.0.2.0/24"))],
            new EncodeContext { FourOctetAs = true, MaxMessageLength = DecodeContext.ExtendedMaxLength }, output);
        Assert.Equal(0, reported);
        byte[] m = Assert.Single(output).ToArray();
        Assert.True(m.Length > 4096, $"one UPDATE longer than 4096 octets; got {m.Length}");
        Assert.Equal(m.Length, (m[16] << 8) | m[17]);
    }
}
