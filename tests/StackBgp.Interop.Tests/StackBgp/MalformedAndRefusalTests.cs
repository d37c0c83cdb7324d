using System.Net;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 3 point 8, error handling seen from outside: a connection from an address that is no neighbor is
/// refused; a malformed attribute is treat-as-withdraw with the session kept (RFC 7606 §7.4, MED of the wrong
/// length); a broken message header ends the session with a NOTIFICATION (RFC 4271 §6.1).
/// </summary>
public sealed class MalformedAndRefusalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private const string Config = """
        hostname stackbgp
        router bgp 65001
         bgp router-id 10.0.0.1
         no bgp ebgp-requires-policy
         no bgp default ipv4-unicast
         neighbor 10.0.0.2 remote-as 65002
         neighbor 10.0.0.2 passive
         neighbor 10.0.0.2 timers 60 180
         address-family ipv4 unicast
          neighbor 10.0.0.2 activate
         exit-address-family
        exit

        """;

    [Fact]
    public void Connection_from_an_unconfigured_address_is_refused()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth v = Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        b.AddAddress(v.IfB, "10.0.0.3/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Config, output.WriteLine);

        RawBgpSpeaker? raw = null;
        try
        {
            raw = RawBgpSpeaker.Connect(b, "10.0.0.1", "10.0.0.3");
            raw.Send(RawBgpSpeaker.Open(65003, 180, IPAddress.Parse("10.0.0.3")));
        }
        catch (LabException e)
        {
            output.WriteLine("connection refused at TCP level: " + e.Message);
        }

        if (raw is not null)
        {
            using (raw)
            {
                Poll.Until(() => raw.Closed, Wait, () => $"stackbgpd to close the connection from 10.0.0.3 (no such neighbor); events:\n{raw.Events}\nstackbgpd:\n{stack.Output}");
                Assert.DoesNotContain(raw.Received, m => m[18] == 1); // never an OPEN for a stranger
            }
        }

        string neighbors = stack.Cli("show bgp neighbors json");
        Assert.DoesNotContain("10.0.0.3", neighbors, StringComparison.Ordinal);
        Assert.NotEqual("Established", stack.NeighborState("10.0.0.2"));
    }

    [Fact]
    public void Malformed_med_is_treat_as_withdraw_and_a_bad_header_gets_a_notification()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Config, output.WriteLine);
        Poll.Until(() => stack.NeighborState("10.0.0.2"), s => s is "Active" or "Connect", Wait, "stackbgpd neighbor 10.0.0.2 waiting (passive)");
        using RawBgpSpeaker raw = RawBgpSpeaker.Connect(b, "10.0.0.1", "10.0.0.2");

        raw.Send(RawBgpSpeaker.Open(65002, 180, IPAddress.Parse("10.0.0.2")));
        raw.WaitFor(1, Wait);
        raw.Send(RawBgpSpeaker.Keepalive());
        raw.WaitFor(4, Wait);
        stack.WaitEstablished("10.0.0.2", Wait);

        IPAddress nh = IPAddress.Parse("10.0.0.2");
        raw.Send(RawBgpSpeaker.UpdateIpv4([65002], nh, ["198.51.100.0/24", "203.0.113.0/24"]));
        Poll.Until(() => stack.Paths("198.51.100.0/24").Count == 1 && stack.Paths("203.0.113.0/24").Count == 1, Wait,
            () => $"stackbgpd to learn both prefixes; seen {stack.CliJson("show bgp ipv4 unicast json").ToJsonString()}");

        // MED (type 4, optional non-transitive) with length 3 instead of 4: RFC 7606 §7.4 → treat-as-withdraw
        byte[] badMed = [0x80, 4, 3, 0, 0, 1];
        raw.Send(RawBgpSpeaker.UpdateIpv4([65002], nh, ["198.51.100.0/24"], badMed));
        Poll.Until(() => stack.Paths("198.51.100.0/24").Count == 0, Wait,
            () => $"stackbgpd to treat 198.51.100.0/24 as withdrawn after a malformed MED; seen {stack.Paths("198.51.100.0/24").ToJsonString()}\n{stack.Output}");
        Assert.Equal("Established", stack.NeighborState("10.0.0.2"));
        Assert.Single(stack.Paths("203.0.113.0/24"));
        Assert.DoesNotContain(raw.Received, m => m[18] == 3);
        Assert.False(raw.Closed, "the session must survive a treat-as-withdraw error; events: " + raw.Events);

        // a marker that is not all ones: RFC 4271 §6.1 → NOTIFICATION Message Header Error / Connection Not Synchronized
        byte[] bad = RawBgpSpeaker.Keepalive();
        bad[5] = 0;
        raw.Send(bad);
        byte[] notification = raw.WaitFor(3, Wait);
        Assert.Equal(1, notification[19]);
        Assert.Equal(1, notification[20]);
        Poll.Until(() => raw.Closed, Wait, () => $"stackbgpd to close after the NOTIFICATION; events: {raw.Events}");
        Poll.Until(() => stack.Paths("203.0.113.0/24").Count == 0, Wait, () => "stackbgpd to drop the routes of the reset session");
        Assert.NotEqual("Established", stack.NeighborState("10.0.0.2"));
    }
}
