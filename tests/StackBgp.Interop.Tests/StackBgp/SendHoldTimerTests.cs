using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 7: the send hold timer (RFC 9687) against a peer that stops reading but keeps sending
/// KEEPALIVEs (so stackbgpd's own hold timer never fires). stackbgpd has 4000 routes; the peer asks for them
/// again and again (ROUTE-REFRESH) until the TCP buffers are full, and after SendHoldTime stackbgpd drops the
/// session itself. The RFC's default (max(8 min, 2 × hold time)) is covered by the Session unit tests; here
/// `neighbor X timers send-hold 30` keeps the test under a minute.
/// </summary>
public sealed class SendHoldTimerTests(ITestOutputHelper output)
{
    private const int Routes = 4000;

    private static string Config()
    {
        var sb = new StringBuilder("""
            hostname stackbgp
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor 10.0.0.2 remote-as 65002
             neighbor 10.0.0.2 passive
             neighbor 10.0.0.2 timers 3 9
             neighbor 10.0.0.2 timers send-hold 30
             address-family ipv4 unicast
              neighbor 10.0.0.2 activate

            """);
        for (int i = 0; i < Routes; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  network 10.{100 + (i / 256)}.{i % 256}.0/24\n");
        }

        sb.Append(" exit-address-family\nexit\n");
        return sb.ToString();
    }

    [Fact]
    public void A_peer_that_stops_reading_is_dropped_after_the_send_hold_time()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Config(), output.WriteLine);
        Poll.Until(() => stack.NeighborState("10.0.0.2"), s => s is "Active" or "Connect", TimeSpan.FromSeconds(20), "stackbgpd neighbor 10.0.0.2 waiting (passive)");

        using RawBgpSpeaker raw = RawBgpSpeaker.Connect(b, "10.0.0.1", "10.0.0.2", 179, receiveBuffer: 4096);
        raw.Send(RawBgpSpeaker.OpenWithRouteRefresh(65002, 9, IPAddress.Parse("10.0.0.2")));
        raw.WaitFor(1, TimeSpan.FromSeconds(20));
        raw.Send(RawBgpSpeaker.Keepalive());
        stack.WaitEstablished("10.0.0.2", TimeSpan.FromSeconds(20));
        raw.SendKeepalivesEvery(TimeSpan.FromSeconds(2));
        Poll.Until(() => raw.Received.Count(m => m[18] == 2) >= 4, TimeSpan.FromSeconds(30), () => $"UPDATEs from stackbgpd; events:\n{raw.Events}");

        // the peer hangs on receive, then asks for the whole table many times: stackbgpd's sends block
        raw.StopReading();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 400; i++)
        {
            raw.Send(RawBgpSpeaker.RouteRefresh());
        }

        // RFC 9687: the session ends once stackbgpd could not send for SendHoldTime (30 s); KEEPALIVEs kept coming all along
        Poll.Until(() => stack.Output.Contains("send hold timer expired", StringComparison.OrdinalIgnoreCase), TimeSpan.FromMinutes(3),
            () => $"stackbgpd to drop 10.0.0.2 for its send hold timer (RFC 9687); state {stack.NeighborState("10.0.0.2")}; log tail:\n{Tail(stack.Output)}");
        TimeSpan elapsed = clock.Elapsed;
        string line = stack.Output.Split('\n').First(l => l.Contains("send hold timer expired", StringComparison.OrdinalIgnoreCase));
        output.WriteLine($"stackbgpd ({elapsed.TotalSeconds:0} s after the peer stopped reading): {line}");
        Assert.True(elapsed >= TimeSpan.FromSeconds(29), $"not before the configured 30 s SendHoldTime; took {elapsed}");
        Poll.Until(() => stack.NeighborState("10.0.0.2") != "Established", TimeSpan.FromSeconds(20), () => "the session down after the send hold timer");
    }

    private static string Tail(string log)
    {
        string[] lines = log.Split('\n');
        return string.Join('\n', lines[Math.Max(0, lines.Length - 30)..]);
    }
}
