using System.Net;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.SelfTests;

/// <summary>The raw speaker against FRR: a hand-built session, one UPDATE, then a broken header.</summary>
public sealed class RawSpeakerSelfTests(ITestOutputHelper output)
{
    [Fact]
    public void Raw_speaker_establishes_with_frr_announces_a_route_and_gets_a_notification_for_a_bad_marker()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.4.1/24", "10.0.4.2/24");
        using FrrInstance frr = FrrInstance.Start(a, """
            frr defaults datacenter
            router bgp 65001
             bgp router-id 10.0.4.1
             no bgp ebgp-requires-policy
             neighbor 10.0.4.2 remote-as 4200000010
             neighbor 10.0.4.2 passive
            exit
            """ + "\n", log: output.WriteLine);
        // FRR closes connections that arrive while the neighbor is still Idle.
        Poll.Until(() => frr.NeighborState("10.0.4.2"), s => s == "Active", TimeSpan.FromSeconds(20), "FRR neighbor 10.0.4.2 Active (passive)");
        using RawBgpSpeaker raw = RawBgpSpeaker.Connect(b, "10.0.4.1", "10.0.4.2");

        raw.Send(RawBgpSpeaker.Open(4200000010, 30, IPAddress.Parse("10.0.4.2")));
        byte[] open = raw.WaitFor(1, TimeSpan.FromSeconds(10));
        Assert.Equal(4, open[19]); // BGP version
        raw.Send(RawBgpSpeaker.Keepalive());
        raw.WaitFor(4, TimeSpan.FromSeconds(10));
        frr.WaitEstablished("10.0.4.2", TimeSpan.FromSeconds(20));

        raw.Send(RawBgpSpeaker.UpdateIpv4([4200000010], IPAddress.Parse("10.0.4.2"), ["198.51.100.0/24", "203.0.113.128/25"]));
        Poll.Until(() => frr.Paths("203.0.113.128/25").Count == 1, TimeSpan.FromSeconds(10),
            () => $"FRR to learn 203.0.113.128/25 from the raw speaker; FRR has {frr.BgpRoutes().ToJsonString()}");
        Assert.Equal("4200000010", frr.Paths("198.51.100.0/24")[0]!["path"]!.GetValue<string>());

        // A header whose marker is not all ones: RFC 4271 §6.1 Connection Not Synchronized (1/1).
        byte[] bad = RawBgpSpeaker.Keepalive();
        bad[3] = 0;
        raw.Send(bad);
        byte[] notification = raw.WaitFor(3, TimeSpan.FromSeconds(10));
        Assert.Equal(1, notification[19]);
        Assert.Equal(1, notification[20]);
        Poll.Until(() => raw.Closed, TimeSpan.FromSeconds(10), () => $"FRR to close the connection; events: {raw.Events}");
    }
}
