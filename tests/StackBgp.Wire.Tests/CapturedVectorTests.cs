using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Wire.Tests;

/// <summary>
/// Replays every <c>Vectors/captured/*.hex</c> file (messages captured from FRR, BIRD and GoBGP by
/// lab/capture/capture.sh; one message per line incl. the marker, '#' lines are comments and the
/// comment before a message names "sender -> receiver TYPE"). Each message must decode without any
/// error using the context negotiated from the OPENs in the same file, and re-encode to identical
/// bytes, or — where the peer's encoding is valid but not ours (attribute order, Extended Length on
/// short attributes, one capability per parameter, community order) — decode∘encode∘decode must be
/// stable.
/// </summary>
public partial class CapturedVectorTests
{
    private readonly ITestOutputHelper _out;

    public CapturedVectorTests(ITestOutputHelper output) => _out = output;

    internal static string CapturedDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "StackBgp.Wire.Tests", "Vectors", "captured");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/StackBgp.Wire.Tests/Vectors/captured not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(CapturedDirectory(), "*.hex").OrderBy(x => x, StringComparer.Ordinal)) d.Add(Path.GetFileName(f));
        return d;
    }

    [Fact]
    public void There_are_captures()
    {
        Assert.NotEmpty(Files());
    }

    internal sealed record Captured(int Line, string Sender, string Receiver, byte[] Bytes);

    [GeneratedRegex(@"^#\s*(\S+)\s*->\s*(\S+)")]
    private static partial Regex DirectionLine();

    internal static List<Captured> Load(string path)
    {
        var list = new List<Captured>();
        string sender = "?", receiver = "?";
        int line = 0;
        foreach (string raw in File.ReadLines(path))
        {
            line++;
            string s = raw.Trim();
            if (s.Length == 0) continue;
            if (s.StartsWith('#'))
            {
                var m = DirectionLine().Match(s);
                if (m.Success)
                {
                    sender = m.Groups[1].Value;
                    receiver = m.Groups[2].Value;
                }
                continue;
            }
            list.Add(new Captured(line, sender, receiver, Convert.FromHexString(s)));
        }
        return list;
    }

    /// <summary>What a sender said in its OPENs in the file (capabilities united over its sessions).</summary>
    internal sealed class Speaker
    {
        public List<Capability> Capabilities { get; } = new();
        public uint Asn { get; set; }
        public bool FourOctet => Capabilities.OfType<FourOctetAsCapability>().Any();
        public bool Has<T>() => Capabilities.OfType<T>().Any();
    }

    private static Dictionary<string, Speaker> Speakers(List<Captured> messages)
    {
        var speakers = new Dictionary<string, Speaker>();
        foreach (var m in messages.Where(m => m.Bytes.Length > 18 && m.Bytes[18] == (byte)BgpMessageType.Open))
        {
            Assert.True(MessageCodec.TryDecodeMessage(m.Bytes, default, out var msg, out var err), $"line {m.Line}: {err}");
            var open = (OpenMessage)msg!;
            // Every capability the real daemons send that we model must parse as its own type.
            foreach (var u in open.Capabilities.OfType<UnknownCapability>())
                Assert.False(Enum.IsDefined(u.Code), $"line {m.Line}: capability {u.Code} did not parse: {Hex.Of(u.Value.AsSpan())}");
            if (!speakers.TryGetValue(m.Sender, out var s)) speakers[m.Sender] = s = new Speaker();
            s.Capabilities.AddRange(open.Capabilities);
            s.Asn = open.Asn;
        }
        return speakers;
    }

    internal static (DecodeContext, EncodeContext) Contexts(Dictionary<string, Speaker> speakers, string sender, string receiver)
    {
        var s = speakers.GetValueOrDefault(sender) ?? new Speaker();
        var r = speakers.GetValueOrDefault(receiver) ?? new Speaker();
        bool four = s.FourOctet && r.FourOctet;
        bool ext = s.Has<ExtendedMessageCapability>() && r.Has<ExtendedMessageCapability>();
        var addPath = s.Capabilities.OfType<AddPathCapability>().SelectMany(a => a.Entries).Where(e => (e.Mode & AddPathMode.Send) != 0)
            .Select(e => e.Family)
            .Where(f => r.Capabilities.OfType<AddPathCapability>().SelectMany(a => a.Entries).Any(e => e.Family == f && (e.Mode & AddPathMode.Receive) != 0))
            .Distinct().ToImmutableArray();
        var enh = s.Capabilities.OfType<ExtendedNextHopCapability>().SelectMany(x => x.Entries).Select(e => e.Family)
            .Where(f => r.Capabilities.OfType<ExtendedNextHopCapability>().SelectMany(x => x.Entries).Any(e => e.Family == f))
            .Distinct().ToImmutableArray();
        var d = new DecodeContext
        {
            FourOctetAs = four,
            MaxMessageLength = ext ? DecodeContext.ExtendedMaxLength : DecodeContext.StandardMaxLength,
            AddPathReceive = addPath,
            ExtendedNextHop = enh,
            IsInternal = s.Asn == r.Asn,
        };
        var e = new EncodeContext { FourOctetAs = four, MaxMessageLength = d.MaxMessageLength, AddPathSend = addPath };
        return (d, e);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Captured_messages_decode_cleanly_and_reencode(string file)
    {
        var messages = Load(Path.Combine(CapturedDirectory(), file));
        Assert.NotEmpty(messages);
        var speakers = Speakers(messages);
        int identical = 0, stable = 0;
        var notes = new List<string>();
        foreach (var m in messages)
        {
            var (d, e) = Contexts(speakers, m.Sender, m.Receiver);
            Assert.True(MessageCodec.TryDecodeMessage(m.Bytes, d, out var msg, out var err), $"{file} line {m.Line}: {err}");
            Assert.True(err is null, $"{file} line {m.Line}: unexpected RFC 7606 outcome {err}");
            byte[] again = MessageCodec.Encode(msg!, e);
            if (again.AsSpan().SequenceEqual(m.Bytes))
            {
                identical++;
                continue;
            }
            Assert.True(MessageCodec.TryDecodeMessage(again, d, out var msg2, out var err2), $"{file} line {m.Line}: re-encoded message does not decode: {err2}");
            Assert.Equal(msg, msg2);
            Assert.Equal(Hex.Of(again), Hex.Of(MessageCodec.Encode(msg2!, e)));
            stable++;
            if (notes.Count < 3) notes.Add($"line {m.Line} {msg!.Type}: peer {Hex.Of(m.Bytes)}\n      ours {Hex.Of(again)}");
        }
        _out.WriteLine($"{file}: {messages.Count} messages, {identical} byte-identical, {stable} canonicalized but stable");
        foreach (var n in notes) _out.WriteLine("  " + n);
    }
}
