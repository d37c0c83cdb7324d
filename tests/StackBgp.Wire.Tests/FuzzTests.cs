using System.Collections.Immutable;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Wire.Tests;

/// <summary>
/// Random and mutated input never makes the codec throw: every outcome is a decoded value or the
/// codec's own <see cref="WireError"/>. Fixed seeds, so a failure is reproducible; a failing input is
/// printed as hex to become a unit test.
/// </summary>
public class FuzzTests
{
    private readonly ITestOutputHelper _out;

    public FuzzTests(ITestOutputHelper output) => _out = output;

    private static readonly DecodeContext[] Contexts =
    {
        new() { FourOctetAs = true, IsInternal = true },
        new() { FourOctetAs = false },
        new()
        {
            FourOctetAs = true, MaxMessageLength = 65535,
            AddPathReceive = ImmutableArray.Create(AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast),
            ExtendedNextHop = ImmutableArray.Create(AddressFamily.Ipv4Unicast),
        },
        new() { FourOctetAs = true, IsConfederationPeer = true, RequiredFirstAs = 65001 },
    };

    private static EncodeContext EncodeFor(DecodeContext d) =>
        new() { FourOctetAs = d.FourOctetAs, MaxMessageLength = 65535, AddPathSend = d.AddPathReceive };

    /// <summary>Everything a session would do with the bytes; throws only on a codec bug.</summary>
    private static void Exercise(byte[] message, DecodeContext ctx, DecodedUpdate scratch)
    {
        if (message.Length >= 19) BgpFraming.CheckHeader(message.AsSpan(0, 19), ctx.MaxMessageLength, out _, out _);
        var body = message.AsSpan(Math.Min(19, message.Length));
        foreach (var type in new[] { BgpMessageType.Open, BgpMessageType.Update, BgpMessageType.Notification, BgpMessageType.Keepalive, BgpMessageType.RouteRefresh, (BgpMessageType)9 })
            MessageCodec.TryDecode(type, body, ctx, out _, out _);
        UpdateDecoder.Decode(body, ctx, scratch);
        if (scratch.IsSessionReset) _ = scratch.Notification;

        if (MessageCodec.TryDecodeMessage(message, ctx, out var m, out var err) && m is not null)
        {
            // Whatever decoded (even with RFC 7606 discards) must re-encode, and that must be stable.
            var e = EncodeFor(ctx);
            byte[] again = MessageCodec.Encode(m, e);
            if (!MessageCodec.TryDecodeMessage(again, ctx with { MaxMessageLength = 65535 }, out var m2, out var err2))
                throw new InvalidOperationException($"re-encoded message does not decode: {err2} (first decode: {err})");
            // (Not with enforce-first-as: an attribute block without AS_PATH re-encodes with an empty one,
            // which that check rightly refuses.)
            if (ctx.RequiredFirstAs == 0 && err2 is not null && err2.Value.Action >= ErrorAction.TreatAsWithdraw && (err is null || err.Value.Action < ErrorAction.TreatAsWithdraw))
                throw new InvalidOperationException($"re-encoding made a clean message malformed: {err2}");
            if (err is null && !m.Equals(m2)) throw new InvalidOperationException($"decode∘encode∘decode differs:\n {m}\n {m2}");
        }
    }

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>
        {
            Hex.Message(BgpMessageType.Update, GoldenUpdateTests.AllAttributesUpdateBody),
            Hex.Message(BgpMessageType.Update, "0000 0039 900e002e000201202001 0db8000000000000000000000001fe800000000000000000000000000001004020010db800000001 40010100 400200"),
            Hex.Message(BgpMessageType.Update, "0000 0035 40010100 4002060202fde95ba0 4003040a000001 c00706 5ba00a000001 c0110a02020000fde9fa56ea01 c01208fa56ea010a000001 180a0100"),
            Hex.Message(BgpMessageType.Open, "04 fde9 00b4 0a000001 10 0206 010400010001 0206 41040000fde9"),
            Hex.Message(BgpMessageType.Notification, "06 02 0b 6d61696e74656e616e6365"),
            Hex.Message(BgpMessageType.RouteRefresh, "0002 01 01"),
        };
        foreach (var f in Directory.GetFiles(CapturedVectorTests.CapturedDirectory(), "*.hex"))
            seeds.AddRange(CapturedVectorTests.Load(f).Select(c => c.Bytes));
        return seeds;
    }

    private void Run(int iterations, int seed, Func<Random, byte[]> make)
    {
        var rnd = new Random(seed);
        var scratch = new DecodedUpdate();
        for (int i = 0; i < iterations; i++)
        {
            byte[] input = make(rnd);
            foreach (var ctx in Contexts)
            {
                try
                {
                    Exercise(input, ctx, scratch);
                }
                catch (Exception ex)
                {
                    _out.WriteLine($"seed {seed} iteration {i} input {Hex.Of(input)}");
                    throw new InvalidOperationException($"codec threw on fuzz input {Hex.Of(input)} (seed {seed}, iteration {i})", ex);
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Random_bytes(int seed) => Run(5000, seed, rnd =>
    {
        var b = new byte[rnd.Next(0, 200)];
        rnd.NextBytes(b);
        // Half of them get a valid header so the body decoders see them.
        if (b.Length >= 19 && rnd.Next(2) == 0)
        {
            b.AsSpan(0, 16).Fill(0xFF);
            b[16] = (byte)(b.Length >> 8);
            b[17] = (byte)b.Length;
            b[18] = (byte)rnd.Next(1, 6);
        }
        return b;
    });

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Mutated_valid_messages(int seed)
    {
        var seeds = Seeds();
        Run(8000, seed, rnd =>
        {
            var m = seeds[rnd.Next(seeds.Count)].ToList();
            int mutations = rnd.Next(1, 4);
            for (int k = 0; k < mutations && m.Count > 19; k++)
            {
                int pos = rnd.Next(19, m.Count);
                switch (rnd.Next(6))
                {
                    case 0: m[pos] = (byte)rnd.Next(256); break;                        // random octet
                    case 1: m[pos] ^= (byte)(1 << rnd.Next(8)); break;                 // bit flip
                    case 2: m.RemoveRange(pos, rnd.Next(1, Math.Min(8, m.Count - pos) + 1)); break; // cut
                    case 3: m.InsertRange(pos, Enumerable.Range(0, rnd.Next(1, 6)).Select(_ => (byte)rnd.Next(256))); break;
                    case 4: m[pos] = rnd.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;    // boundary values
                    case 5: m[pos] = (byte)(m[pos] + (rnd.Next(2) == 0 ? 1 : -1)); break; // off by one (lengths)
                }
            }
            // Usually keep the header length consistent so the body decoders are reached.
            if (m.Count >= 19 && rnd.Next(4) != 0)
            {
                m[16] = (byte)(m.Count >> 8);
                m[17] = (byte)m.Count;
            }
            return m.ToArray();
        });
    }
}
