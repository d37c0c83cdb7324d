using System.Buffers;
using System.Collections.Immutable;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Wire.Tests;

/// <summary>
/// No allocation per prefix on the receive path: decoding an UPDATE into a reused
/// <see cref="DecodedUpdate"/> allocates the attribute set and nothing that grows with the prefixes.
/// </summary>
public class AllocationTests
{
    private readonly ITestOutputHelper _out;

    public AllocationTests(ITestOutputHelper output) => _out = output;

    private static byte[] UpdateBody(AddressFamily family, int prefixes)
    {
        var attrs = new PathAttributes
        {
            AsPath = AsPath.FromSequence(65001, 65002),
            NextHop = family == AddressFamily.Ipv4Unicast ? NextHop.Parse("10.0.0.1") : NextHop.Parse("2001:db8::1", "fe80::1"),
            Med = 10,
            Communities = ImmutableArray.Create(Community.Create(65001, 1), Community.NoExport),
        };
        var nlri = Enumerable.Range(0, prefixes).Select(i => family == AddressFamily.Ipv4Unicast
            ? new Nlri(Prefix.FromV4(0x0A000000u | ((uint)i << 8), 24))
            : new Nlri(Prefix.FromV6(0x20010db800000000UL | (uint)i, 0, 64))).ToArray();
        var w = new ArrayBufferWriter<byte>();
        Assert.Equal(1, UpdatePacker.WriteAnnouncements(w, family, attrs, nlri, new EncodeContext { FourOctetAs = true, MaxMessageLength = 65535 }));
        return w.WrittenSpan[19..].ToArray();
    }

    private static long Measure(byte[] body, DecodeContext ctx, DecodedUpdate result, int expected)
    {
        UpdateDecoder.Decode(body, ctx, result); // warm: JIT, list capacity
        Assert.Equal(expected, result.Groups[0].Announced.Count);
        long before = GC.GetAllocatedBytesForCurrentThread();
        UpdateDecoder.Decode(body, ctx, result);
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, result.Groups[0].Announced.Count);
        Assert.Equal(ErrorAction.None, result.Action);
        return used;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Second_decode_of_1000_prefixes_allocates_a_small_constant(int afi)
    {
        var family = afi == 1 ? AddressFamily.Ipv4Unicast : AddressFamily.Ipv6Unicast;
        var ctx = new DecodeContext { FourOctetAs = true, MaxMessageLength = 65535 };
        var result = new DecodedUpdate();
        long small = Measure(UpdateBody(family, 10), ctx, result, 10);
        long large = Measure(UpdateBody(family, 1000), ctx, result, 1000);
        _out.WriteLine($"{family}: second decode allocated {small} B for 10 prefixes, {large} B for 1000");
        // The attribute set, its AS path and arrays: well under 2 KB, and the same for 10 or 1000 prefixes.
        Assert.True(large < 2048, $"decode of 1000 prefixes allocated {large} bytes");
        Assert.True(Math.Abs(large - small) <= 64, $"allocation grows with prefixes: 10 -> {small} B, 1000 -> {large} B");
    }

    [Fact]
    public void A_full_table_of_a_million_prefixes_decodes_without_per_prefix_allocation()
    {
        const int total = 1_000_000;
        var attrs = new PathAttributes { AsPath = AsPath.FromSequence(65001, 65002, 65003), NextHop = NextHop.Parse("10.0.0.1"), Med = 0 };
        var nlri = new Nlri[total];
        for (int i = 0; i < total; i++) nlri[i] = new Nlri(Prefix.FromV4((uint)i << 8, 24));
        var w = new ArrayBufferWriter<byte>();
        int messages = UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, attrs, nlri, new EncodeContext { FourOctetAs = true });
        byte[] stream = w.WrittenSpan.ToArray();

        var ctx = new DecodeContext { FourOctetAs = true };
        var result = new DecodedUpdate();
        UpdateDecoder.Decode(stream.AsSpan(19, 4096 - 19), ctx, result); // warm up and size the lists
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int prefixes = 0, count = 0;
        ReadOnlySpan<byte> s = stream;
        while (BgpFraming.TryReadMessage(s, 4096, out _, out int n, out _))
        {
            UpdateDecoder.Decode(s[19..n], ctx, result);
            prefixes += result.Groups[0].Announced.Count;
            s = s[n..];
            count++;
        }
        sw.Stop();
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        _out.WriteLine($"{total} prefixes in {messages} UPDATEs decoded in {sw.ElapsedMilliseconds} ms, {used} bytes allocated ({used / messages} per UPDATE, {(double)used / total:F2} per prefix)");
        Assert.Equal(total, prefixes);
        Assert.Equal(messages, count);
        Assert.True(used / messages < 1024, $"{used / messages} bytes per UPDATE");
    }
}
