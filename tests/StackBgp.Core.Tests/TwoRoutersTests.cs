using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Config;
using StackBgp.Core;
using Xunit;

namespace StackBgp.Core.Tests;

/// <summary>
/// Two complete router instances (config → sessions → RIB → show) peering over TCP on loopback
/// addresses, without the kernel role. This is "two stackbgpd instances peer with each other" at the
/// level of the instance; the interop suite does the same with the real executables in namespaces.
/// A 127/8 next hop is martian (RFC 7606 treats the route as withdrawn, as FRR does), so each side's
/// outbound route-map sets a third-party next hop from the documentation range.
/// </summary>
public sealed class TwoRoutersTests
{
    private static int _nextPort = 20179 + (Environment.ProcessId % 1000) * 10;

    /// <summary>A fresh loopback port for a pair of routers (shared by every test class of this project).</summary>
    internal static int AllocatePort() => Interlocked.Increment(ref _nextPort);

    internal static StackBgpConfig Parse(string text)
    {
        var r = ConfigParser.Parse(text, "test.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        return r.Config!;
    }

    private static (Router A, Router B) Pair(string extraA = "", string extraB = "", int? port = null, string globalA = "")
    {
        int p = port ?? Interlocked.Increment(ref _nextPort);
        var a = Parse($"""
            hostname ra
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             neighbor 127.0.0.3 remote-as 65002
             neighbor 127.0.0.3 port {p}
             neighbor 127.0.0.3 update-source 127.0.0.2
             neighbor 127.0.0.3 timers connect 1
             address-family ipv4 unicast
              network 10.1.0.0/24
              neighbor 127.0.0.3 route-map NH out
            {extraA}
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.1
            {globalA}
            """);
        var b = Parse($"""
            hostname rb
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
             neighbor 127.0.0.2 remote-as 65001
             neighbor 127.0.0.2 port {p}
             neighbor 127.0.0.2 update-source 127.0.0.3
             neighbor 127.0.0.2 timers connect 1
             address-family ipv4 unicast
              network 10.2.0.0/24
              neighbor 127.0.0.2 route-map NH out
            {extraB}
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.2
            """);
        var ra = new Router(a, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.2")] });
        var rb = new Router(b, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.3")] });
        return (ra, rb);
    }

    internal static async Task<string> Until(Router r, string command, Func<string, bool> ok, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var res = await r.ExecuteAsync(command, CancellationToken.None);
            last = res.Output + res.Error;
            if (ok(last)) return last;
            await Task.Yield();
            Thread.Yield();
        }
        string context = (await r.ExecuteAsync("show bgp ipv4 unicast", CancellationToken.None)).Output
            + (await r.ExecuteAsync("show bgp summary", CancellationToken.None)).Output + (await r.ExecuteAsync("show bgp neighbors json", CancellationToken.None)).Output;
        Assert.Fail($"`{command}`: expected {expected}; last output:\n{last}\n--- table and neighbors:\n{context}");
        return last;
    }

    [Fact]
    public async Task Routes_flow_both_ways_and_a_stop_withdraws_at_once()
    {
        var (a, b) = Pair();
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            string sum = await Until(a, "show bgp summary json", s => s.Contains("\"Established\""), "the session to 127.0.0.3 Established");
            var json = JsonNode.Parse(sum)!;
            Assert.Equal("10.0.0.1", (string?)json["ipv4Unicast"]!["routerId"]);
            Assert.Equal(65002, (int)json["ipv4Unicast"]!["peers"]!["127.0.0.3"]!["remoteAs"]!);

            string route = await Until(b, "show bgp ipv4 unicast 10.1.0.0/24 json", s => s.Contains("65001"), "10.1.0.0/24 from AS 65001 on rb");
            Assert.Contains("192.0.2.1", route);
            await Until(a, "show bgp ipv4 unicast 10.2.0.0/24 json", s => s.Contains("65002"), "10.2.0.0/24 from AS 65002 on ra");
            string text = (await b.ExecuteAsync("sh bgp ipv4 uni", CancellationToken.None)).Output;
            Assert.Contains("10.1.0.0/24", text);

            // Cease/Administrative Shutdown: b must drop a's routes now, not after the 180 s hold time.
            await a.StopAsync(CancellationToken.None);
            await Until(b, "show bgp ipv4 unicast 10.1.0.0/24 json", s => !s.Contains("65001"), "10.1.0.0/24 withdrawn after ra stopped");
            string nb = (await b.ExecuteAsync("show bgp neighbors 127.0.0.2", CancellationToken.None)).Output;
            Assert.Contains("Administrative Shutdown", nb, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task Show_memory_reports_the_process_the_collector_and_the_rib()
    {
        var (a, b) = Pair();
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await Until(b, "show bgp ipv4 unicast 10.1.0.0/24 json", s => s.Contains("65001"), "10.1.0.0/24 from AS 65001 on rb");
            var json = JsonNode.Parse((await b.ExecuteAsync("show memory json", CancellationToken.None)).Output)!;
            Assert.Equal(2, (int)json["ipv4Prefixes"]!); // its own 10.2.0.0/24 and ra's 10.1.0.0/24
            Assert.Equal(0, (int)json["ipv6Prefixes"]!);
            Assert.Equal(2, (int)json["paths"]!);
            Assert.Equal(2, (int)json["attributeSets"]!);
            long rss = (long)json["residentBytes"]!, peak = (long)json["peakResidentBytes"]!;
            Assert.True(rss > 0 && peak >= rss, $"resident {rss} and peak {peak} bytes from /proc/self/status");
            Assert.True((long)json["gcCommittedBytes"]! >= (long)json["gcHeapBytes"]!);
            Assert.Equal(2 * 16 * sizeof(uint), (long)json["prefixIndexBytes"]!); // the IPv4 and IPv6 indexes at their initial 16 slots
            string text = (await b.ExecuteAsync("show memory", CancellationToken.None)).Output;
            Assert.Contains("2 IPv4 and 0 IPv6 prefixes, 2 paths, 2 distinct attribute sets", text);
            Assert.Contains("MiB resident", text);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task Outbound_prefix_list_filters_what_is_announced()
    {
        var (a, b) = Pair(extraA: """
              network 10.1.1.1/32
              neighbor 127.0.0.3 prefix-list only-host-prefixes out
            """, globalA: "ip prefix-list only-host-prefixes permit 0.0.0.0/0 ge 32");
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await Until(b, "show bgp ipv4 unicast json", s => s.Contains("10.1.1.1/32"), "the host prefix 10.1.1.1/32 received by rb");
            string table = (await b.ExecuteAsync("show bgp ipv4 unicast json", CancellationToken.None)).Output;
            Assert.DoesNotContain("10.1.0.0/24", table);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Unknown_commands_and_bad_prefixes_get_clear_errors()
    {
        var (a, _) = Pair();
        await a.StartAsync(CancellationToken.None);
        try
        {
            var r = await a.ExecuteAsync("show bgp frobnicate now", CancellationToken.None);
            Assert.NotNull(r.Error);
            r = await a.ExecuteAsync("show bgp ipv4 unicast 10.1.2.300/24", CancellationToken.None);
            Assert.Contains("malformed", r.Error);
            r = await a.ExecuteAsync("show bgp neighbors 192.0.2.99", CancellationToken.None);
            Assert.Contains("no such neighbor", r.Error);
        }
        finally
        {
            await a.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_listen_range_accepts_a_dynamic_neighbor_with_its_peer_group_settings()
    {
        int p = Interlocked.Increment(ref _nextPort);
        var a = Parse($"""
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             neighbor 127.0.0.3 remote-as 65002
             neighbor 127.0.0.3 port {p}
             neighbor 127.0.0.3 update-source 127.0.0.2
             neighbor 127.0.0.3 timers connect 1
            """);
        var b = Parse("""
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
             neighbor racks peer-group
             neighbor racks remote-as 65001
             bgp listen range 127.0.0.0/24 peer-group racks
            """);
        var ra = new Router(a, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = 0 });
        var rb = new Router(b, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.3")] });
        await rb.StartAsync(CancellationToken.None);
        await ra.StartAsync(CancellationToken.None);
        try
        {
            string sum = await Until(rb, "show bgp summary json", s => s.Contains("\"Established\""), "the dynamic neighbor 127.0.0.2 Established on rb");
            Assert.Contains("127.0.0.2", sum);
        }
        finally
        {
            await ra.StopAsync(CancellationToken.None);
            await rb.StopAsync(CancellationToken.None);
        }
    }
}
