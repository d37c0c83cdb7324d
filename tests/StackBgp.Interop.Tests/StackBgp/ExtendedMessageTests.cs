using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 7: extended messages (RFC 8654). A route whose path attributes alone exceed 4096 octets
/// (360 large communities, 4320 octets) can only travel in an UPDATE longer than 4096 octets: with FRR
/// (which offers the capability) it crosses both ways; with BIRD without the capability stackbgpd keeps
/// within 4096 octets (the big route is not sent, the session and the other routes stay), and with BIRD's
/// <c>enable extended messages</c> it is sent.
/// </summary>
public sealed class ExtendedMessageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private const int Count = 360;
    private const string StackBig = "192.0.2.0/24";
    private const string StackSmall = "203.0.113.0/24";
    private const string PeerBig = "198.51.100.0/24";

    private static string LargeCommunities(int asn, int from, int count) =>
        string.Join(' ', Enumerable.Range(from, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{asn}:1:{i}")));

    private static string Stack() =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname stackbgp
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor 10.0.0.2 remote-as 65002
             neighbor 10.0.0.2 timers connect 2
             address-family ipv4 unicast
              network {StackBig} route-map BIG
              network {StackSmall}
              neighbor 10.0.0.2 activate
             exit-address-family
            exit
            route-map BIG permit 10
             set large-community {LargeCommunities(65001, 1, Count)}
            exit
            """) + "\n";

    /// <summary>FRR's config lines are limited in length: the 360 large communities are added 12 at a time by a chain of entries.</summary>
    private static string Frr()
    {
        var rm = new StringBuilder();
        for (int i = 0; i < Count / 12; i++)
        {
            rm.Append(CultureInfo.InvariantCulture, $"route-map BIG permit {(i + 1) * 10}\n");
            rm.Append(CultureInfo.InvariantCulture, $" set large-community {LargeCommunities(65002, (i * 12) + 1, 12)} additive\n");
            if (i < (Count / 12) - 1)
            {
                rm.Append(" on-match next\n");
            }

            rm.Append("exit\n");
        }

        return string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname peer
            log stdout informational
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor 10.0.0.1 remote-as 65001
             neighbor 10.0.0.1 timers connect 2
             address-family ipv4 unicast
              network {PeerBig} route-map BIG
              neighbor 10.0.0.1 activate
             exit-address-family
            exit

            """) + rm + "!\n";
    }

    private static string Bird(bool extendedMessages) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            router id 10.0.0.2;
            protocol device {}
            protocol bgp stack {
              local 10.0.0.2 as 65002;
              neighbor 10.0.0.1 as 65001;
              connect retry time 2;
              {{(extendedMessages ? "enable extended messages on;" : "enable extended messages off;")}}
              ipv4 { import all; export none; };
            }
            """) + "\n";

    [Fact]
    public void Updates_longer_than_4096_octets_cross_both_ways_with_frr()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack(), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(b, Frr(), log: output.WriteLine);
        output.WriteLine($"extended messages with {frr.Version}");
        PeeringTests.WaitStack(stack, "10.0.0.2");
        frr.WaitEstablished("10.0.0.1", Converge);
        JsonNode caps = frr.BgpNeighbors()["10.0.0.1"]!["neighborCapabilities"]!;
        Assert.True(caps["extendedMessage"]?.GetValue<string>() == "advertisedAndReceived", $"FRR: extended message capability both ways; seen {caps.ToJsonString()}");

        // FRR → stackbgpd: all 360 large communities of one route (4320 octets of attribute: one UPDATE > 4096)
        JsonNode detail = Poll.Until(() => stack.CliJson($"show bgp ipv4 unicast {PeerBig} json"), d => d["paths"] is JsonArray { Count: > 0 }, Converge,
            $"stackbgpd detail for {PeerBig}");
        string lc = detail["paths"]![0]!["largeCommunity"]?["string"]?.GetValue<string>() ?? "";
        int got = lc.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.True(got == Count, $"stackbgpd has all {Count} large communities of {PeerBig}; seen {got}: {detail.ToJsonString()[..Math.Min(600, detail.ToJsonString().Length)]}");

        // stackbgpd → FRR: the same the other way, and FRR counts the big message among its received updates
        JsonNode fd = Poll.Until(() => frr.VtyshJson($"show bgp ipv4 unicast {StackBig} json"), d => d["paths"] is JsonArray { Count: > 0 }, Converge,
            $"FRR detail for {StackBig}");
        string flc = fd["paths"]![0]!["largeCommunity"]?["string"]?.GetValue<string>() ?? "";
        int fgot = flc.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.True(fgot == Count, $"FRR has all {Count} large communities of {StackBig}; seen {fgot}");
        Poll.Until(() => frr.Paths(StackSmall), p => p.Count > 0, Converge, $"FRR path for {StackSmall}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_the_capability_stackbgpd_stays_within_4096_octets(bool birdExtended)
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack(), output.WriteLine);
        using BirdInstance bird = BirdInstance.Start(b, Bird(birdExtended), output.WriteLine);
        output.WriteLine($"{bird.Version}, enable extended messages {(birdExtended ? "on" : "off")}");
        PeeringTests.WaitStack(stack, "10.0.0.2");
        bird.WaitEstablished("stack", Converge);
        Poll.Until(() => bird.Route(StackSmall), r => r.Length > 0, Converge, $"BIRD route {StackSmall}");
        if (birdExtended)
        {
            string r = Poll.Until(() => bird.Route(StackBig), x => x.Length > 0, Converge, $"BIRD route {StackBig} (extended messages negotiated)");
            int n = r.Split("(65001, 1, ", StringSplitOptions.None).Length - 1;
            Assert.True(n == Count, $"BIRD has all {Count} large communities of {StackBig}; seen {n}");
        }
        else
        {
            // the big route cannot fit in 4096 octets: not sent, said in the log; the session and the small route stay
            Poll.Until(() => stack.Output.Contains("4096", StringComparison.Ordinal), Converge,
                () => $"a stackbgpd log line that {StackBig} does not fit in a 4096-octet UPDATE for 10.0.0.2; log:\n{stack.Output}");
            output.WriteLine("stackbgpd: " + stack.Output.Split('\n').First(l => l.Contains("4096", StringComparison.Ordinal)));
            Assert.Equal("", bird.Route(StackBig));
            Assert.Equal("Established", bird.ProtocolInfo("stack"));
            Assert.Equal("Established", stack.NeighborState("10.0.0.2"));
            stack.Process.EnsureRunning();
        }
    }
}
