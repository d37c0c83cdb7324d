using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Core;
using Xunit;
using static StackBgp.Core.Tests.TwoRoutersTests;

namespace StackBgp.Core.Tests;

/// <summary>
/// Issue 4 point 5 at the level of the router instance (config → RIB → show): static originations,
/// RFC 8212 in `show bgp neighbors`, and maximum-prefix restart.
/// </summary>
public sealed class RoutingCoreTests
{
    [Fact]
    public async Task Ip_routes_are_originated_only_with_redistribute_static_and_through_its_route_map()
    {
        var config = Parse("""
            router bgp 65001
             bgp router-id 10.0.0.1
             address-family ipv4 unicast
              redistribute static route-map STATIC
             exit-address-family
             address-family ipv6 unicast
             exit-address-family
            ip route 198.51.100.0/24 blackhole
            ip route 203.0.113.0/24 blackhole
            ipv6 route 2001:db8:9::/48 blackhole
            ip prefix-list ONLY198 seq 5 permit 198.51.100.0/24
            route-map STATIC permit 10
             match ip address prefix-list ONLY198
             set metric 77
            """);
        var r = new Router(config, NullLoggerFactory.Instance, TimeProvider.System, new RouterOptions { Kernel = false, ListenPort = 0 });
        await r.StartAsync(CancellationToken.None);
        try
        {
            string json = await Until(r, "show bgp ipv4 unicast json", s => s.Contains("198.51.100.0/24"), "198.51.100.0/24 redistributed from ip route");
            var routes = JsonNode.Parse(json)!["routes"]!.AsObject();
            Assert.False(routes.ContainsKey("203.0.113.0/24"), "the route-map denies 203.0.113.0/24: " + json);
            var path = routes["198.51.100.0/24"]![0]!;
            Assert.Equal(77, (int)path["metric"]!);
            Assert.Equal("incomplete", ((string?)path["origin"])?.ToLowerInvariant());
            Assert.Equal(32768, (int)path["weight"]!);
            // No `redistribute static` under IPv6: the IPv6 static route stays out of BGP.
            string v6 = (await r.ExecuteAsync("show bgp ipv6 unicast json", CancellationToken.None)).Output;
            Assert.DoesNotContain("2001:db8:9::/48", v6);
        }
        finally
        {
            await r.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("traditional", "", false)]
    [InlineData("traditional", "bgp deterministic-med", true)]
    [InlineData("datacenter", "", true)]                          // FRR 8.4: on by default with the datacenter profile
    [InlineData("datacenter", "no bgp deterministic-med", false)]
    public async Task Deterministic_med_follows_the_config_and_the_profile_default(string profile, string line, bool expected)
    {
        var config = Parse($"""
            frr defaults {profile}
            router bgp 65001
             bgp router-id 10.0.0.1
             {line}
             address-family ipv4 unicast
              network 10.1.0.0/24
             exit-address-family
            """);
        var r = new Router(config, NullLoggerFactory.Instance, TimeProvider.System, new RouterOptions { Kernel = false, ListenPort = 0 });
        await r.StartAsync(CancellationToken.None);
        try
        {
            // With deterministic-med every group winner is marked "bestpath-from-AS" (FRR's output).
            string json = await Until(r, "show bgp ipv4 unicast 10.1.0.0/24 json", s => s.Contains("\"paths\""), "10.1.0.0/24 originated");
            Assert.Equal(expected, json.Contains("bestpathFromAs", StringComparison.Ordinal));
        }
        finally
        {
            await r.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Rfc8212_shows_in_neighbor_output_and_counts_the_discarded_prefixes()
    {
        int p = AllocatePort();
        // ra keeps the RFC 8212 default and has only an outbound policy: it discards what rb sends.
        var a = Parse($"""
            router bgp 65001
             bgp router-id 10.0.0.1
             neighbor 127.0.0.3 remote-as 65002
             neighbor 127.0.0.3 port {p}
             neighbor 127.0.0.3 update-source 127.0.0.2
             neighbor 127.0.0.3 timers connect 1
             address-family ipv4 unicast
              network 10.1.0.0/24
              neighbor 127.0.0.3 route-map NH out
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.1
            """);
        var b = Parse($"""
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
             neighbor 127.0.0.2 remote-as 65001
             neighbor 127.0.0.2 port {p}
             neighbor 127.0.0.2 update-source 127.0.0.3
             neighbor 127.0.0.2 timers connect 1
             address-family ipv4 unicast
              network 10.2.0.0/24
              network 10.3.0.0/24
              neighbor 127.0.0.2 route-map NH out
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.2
            """);
        var ra = new Router(a, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.2")] });
        var rb = new Router(b, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.3")] });
        await ra.StartAsync(CancellationToken.None);
        await rb.StartAsync(CancellationToken.None);
        try
        {
            string json = await Until(ra, "show bgp neighbors 127.0.0.3 json", s => JsonNode.Parse(s)?["127.0.0.3"]?["prefixesDeniedByRfc8212"]?.GetValue<int>() == 2,
                "2 prefixes from rb counted as discarded by RFC 8212");
            var n = JsonNode.Parse(json)!["127.0.0.3"]!;
            Assert.Equal("Inbound updates discarded due to missing policy", (string?)n["addressFamilyInfo"]!["ipv4Unicast"]!["inboundEbgpRequiresPolicy"]);
            Assert.Null(n["addressFamilyInfo"]!["ipv4Unicast"]!["outboundEbgpRequiresPolicy"]);
            Assert.Equal(0, (int)n["addressFamilyInfo"]!["ipv4Unicast"]!["acceptedPrefixCounter"]!);
            string text = (await ra.ExecuteAsync("show bgp neighbors 127.0.0.3", CancellationToken.None)).Output;
            Assert.Contains("Inbound updates discarded due to missing policy", text);
            // The outbound side has a policy: rb gets ra's route.
            await Until(rb, "show bgp ipv4 unicast 10.1.0.0/24 json", s => s.Contains("65001"), "10.1.0.0/24 on rb (ra's outbound policy exists)");
            string table = (await ra.ExecuteAsync("show bgp ipv4 unicast json", CancellationToken.None)).Output;
            Assert.DoesNotContain("10.2.0.0/24", table);

            // clear bgp … soft in|out is served from retained state: the session stays up.
            foreach (string clear in new[] { "clear bgp 127.0.0.3 soft out", "clear bgp ipv4 unicast 127.0.0.3 soft in", "clear ip bgp 127.0.0.3 soft" })
            {
                var res = await ra.ExecuteAsync(clear, CancellationToken.None);
                Assert.True(res.Error is null, $"`{clear}`: {res.Error}");
            }
            json = (await ra.ExecuteAsync("show bgp neighbors 127.0.0.3 json", CancellationToken.None)).Output;
            Assert.Equal(1, (int)JsonNode.Parse(json)!["127.0.0.3"]!["connectionsEstablished"]!);
            Assert.Equal("Established", (string?)JsonNode.Parse(json)!["127.0.0.3"]!["bgpState"]);
            await Until(rb, "show bgp ipv4 unicast 10.1.0.0/24 json", s => s.Contains("65001"), "10.1.0.0/24 still on rb after soft out");
            Assert.Contains("no such neighbor", (await ra.ExecuteAsync("clear bgp 192.0.2.99 soft in", CancellationToken.None)).Error);
        }
        finally
        {
            await rb.StopAsync(CancellationToken.None);
            await ra.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Maximum_prefix_restart_brings_the_session_back_after_the_configured_minutes()
    {
        int p = AllocatePort();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // ra (fake clock, passive) allows 1 prefix and restarts after 1 minute; rb (real clock) sends 2.
        var a = Parse($"""
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             neighbor 127.0.0.3 remote-as 65002
             neighbor 127.0.0.3 port {p}
             neighbor 127.0.0.3 update-source 127.0.0.2
             neighbor 127.0.0.3 passive
             address-family ipv4 unicast
              neighbor 127.0.0.3 maximum-prefix 1 restart 1
             exit-address-family
            """);
        var b = Parse($"""
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
             neighbor 127.0.0.2 remote-as 65001
             neighbor 127.0.0.2 port {p}
             neighbor 127.0.0.2 update-source 127.0.0.3
             neighbor 127.0.0.2 timers connect 1
             address-family ipv4 unicast
              network 10.2.0.0/24
              network 10.3.0.0/24
              neighbor 127.0.0.2 route-map NH out
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.2
            """);
        var ra = new Router(a, NullLoggerFactory.Instance, clock,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.2")] });
        var rb = new Router(b, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.3")] });
        await ra.StartAsync(CancellationToken.None);
        await rb.StartAsync(CancellationToken.None);
        try
        {
            static int Count(string s, string key) => JsonNode.Parse(s)?["127.0.0.3"]?[key]?.GetValue<int>() ?? -1;
            string json = await Until(ra, "show bgp neighbors 127.0.0.3 json", s => Count(s, "connectionsDropped") >= 1,
                "ra to drop the session when rb's second prefix exceeds maximum-prefix 1");
            Assert.Equal(1, Count(json, "connectionsEstablished"));
            Assert.Contains("Maximum", JsonNode.Parse(json)!["127.0.0.3"]!["lastResetDueTo"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

            // Without the minute passing, the session stays down although rb keeps trying.
            clock.Advance(TimeSpan.FromSeconds(59));
            json = (await ra.ExecuteAsync("show bgp neighbors 127.0.0.3 json", CancellationToken.None)).Output;
            Assert.Equal(1, Count(json, "connectionsEstablished"));
            Assert.NotEqual("Established", JsonNode.Parse(json)!["127.0.0.3"]!["bgpState"]!.GetValue<string>());

            clock.Advance(TimeSpan.FromSeconds(1));
            await Until(ra, "show bgp neighbors 127.0.0.3 json", s => Count(s, "connectionsEstablished") >= 2,
                "the session to come back once the 1-minute restart timer fired");
        }
        finally
        {
            await rb.StopAsync(CancellationToken.None);
            await ra.StopAsync(CancellationToken.None);
        }
    }
}
