using System.Net;
using System.Text.Json;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;
using Xunit;

namespace StackBgp.Linux.Tests;

public sealed class RouteClientTests : IDisposable
{
    private readonly LabNamespace _ns = new();
    private readonly NetlinkRouteClient _client;

    public RouteClientTests() => _client = NetlinkRouteClient.Open(_ns.Name);

    public void Dispose()
    {
        _client.Dispose();
        _ns.Dispose();
    }

    private static KernelRoute Route(string prefix, params KernelNextHop[] nextHops) =>
        new(IPNetwork.Parse(prefix), nextHops, RouteTable.Main, RouteProtocol.Bgp, 20, null);

    private static KernelNextHop Via(string gateway, string? dev = null, int weight = 1) =>
        new(IPAddress.Parse(gateway), 0, dev, weight);

    private static string[] Gateways(JsonElement route) =>
        route.TryGetProperty("nexthops", out JsonElement nhs)
            ? nhs.EnumerateArray().Select(n => n.GetProperty("gateway").GetString()!).Order().ToArray()
            : [route.GetProperty("gateway").GetString()!];

    [Fact]
    public async Task Single_route_is_added_with_protocol_metric_and_src_then_replaced_then_deleted()
    {
        KernelRoute r = Route("10.1.0.0/24", Via("10.77.0.2")) with { PreferredSource = IPAddress.Parse("10.77.0.1") };
        await _client.ReplaceRouteAsync(r);

        JsonElement shown = Assert.Single(_ns.Routes("10.1.0.0/24"));
        Assert.Equal("bgp", shown.GetProperty("protocol").GetString());
        Assert.Equal(20, shown.GetProperty("metric").GetInt32());
        Assert.Equal("10.77.0.1", shown.GetProperty("prefsrc").GetString());
        Assert.Equal(["10.77.0.2"], Gateways(shown));

        await _client.ReplaceRouteAsync(Route("10.1.0.0/24", Via("10.77.0.3")));
        Assert.Equal(["10.77.0.3"], Gateways(Assert.Single(_ns.Routes("10.1.0.0/24"))));

        await _client.DeleteRouteAsync(Route("10.1.0.0/24"));
        Assert.Empty(_ns.Routes("10.1.0.0/24"));
    }

    [Fact]
    public async Task Ecmp_route_has_all_next_hops_with_weights_and_replace_removes_exactly_one()
    {
        await _client.ReplaceRouteAsync(Route("10.2.0.0/16", Via("10.77.0.2", "va"), Via("10.77.0.3", "va", 3), Via("10.77.0.4", "va")));
        JsonElement shown = Assert.Single(_ns.Routes("10.2.0.0/16"));
        Assert.Equal(["10.77.0.2", "10.77.0.3", "10.77.0.4"], Gateways(shown));
        Assert.Equal(3, shown.GetProperty("nexthops").EnumerateArray().Single(n => n.GetProperty("gateway").GetString() == "10.77.0.3").GetProperty("weight").GetInt32());

        await _client.ReplaceRouteAsync(Route("10.2.0.0/16", Via("10.77.0.2", "va"), Via("10.77.0.4", "va")));
        Assert.Equal(["10.77.0.2", "10.77.0.4"], Gateways(Assert.Single(_ns.Routes("10.2.0.0/16"))));
    }

    [Fact]
    public async Task Ipv6_single_and_ecmp_routes_round_trip_through_a_dump()
    {
        KernelRoute single = Route("2001:db8:1::/48", Via("2001:db8:77::2"));
        KernelRoute ecmp = Route("2001:db8:2::/48", Via("2001:db8:77::2", "va"), Via("2001:db8:77::3", "va"));
        IReadOnlyList<RouteError> errors = await _client.ReplaceRoutesAsync([single, ecmp]);
        Assert.Empty(errors);

        Assert.Equal(["2001:db8:77::2", "2001:db8:77::3"], Gateways(Assert.Single(_ns.Routes6("2001:db8:2::/48"))));
        List<KernelRoute> dumped = await _client.DumpRoutesAsync(new RouteDumpFilter(Protocol: RouteProtocol.Bgp));
        Assert.Equal(2, dumped.Count);
        Assert.Contains(dumped, d => d.SameForwarding(single));
        Assert.Contains(dumped, d => d.SameForwarding(ecmp));
        Assert.All(dumped, d => Assert.All(d.NextHops, nh => Assert.Equal("va", nh.IfName)));

        await _client.DeleteRouteAsync(ecmp);
        Assert.Empty(_ns.Routes6("2001:db8:2::/48"));
    }

    [Fact]
    public async Task Ipv4_route_via_ipv6_link_local_next_hop()
    {
        int va = _ns.IfIndex("va");
        KernelRoute r = Route("10.3.0.0/24", new KernelNextHop(IPAddress.Parse("fe80::1"), va));
        await _client.ReplaceRouteAsync(r);

        JsonElement shown = Assert.Single(_ns.Routes("10.3.0.0/24"));
        Assert.Equal("inet6", shown.GetProperty("via").GetProperty("family").GetString());
        Assert.Equal("fe80::1", shown.GetProperty("via").GetProperty("host").GetString());
        Assert.Equal("va", shown.GetProperty("dev").GetString());

        KernelRoute dumped = Assert.Single(await _client.DumpRoutesAsync(new RouteDumpFilter(Protocol: RouteProtocol.Bgp)));
        Assert.True(dumped.SameForwarding(r), $"dumped {dumped} differs from {r}");
    }

    [Fact]
    public async Task Ecmp_ipv4_route_via_two_ipv6_link_local_next_hops_given_by_scope_id()
    {
        int va = _ns.IfIndex("va");
        var a = new IPAddress(IPAddress.Parse("fe80::a").GetAddressBytes(), va);
        var b = new IPAddress(IPAddress.Parse("fe80::b").GetAddressBytes(), va);
        await _client.ReplaceRouteAsync(Route("10.4.0.0/24", new KernelNextHop(a, 0), new KernelNextHop(b, 0)));

        JsonElement shown = Assert.Single(_ns.Routes("10.4.0.0/24"));
        string[] hosts = shown.GetProperty("nexthops").EnumerateArray().Select(n => n.GetProperty("via").GetProperty("host").GetString()!).Order().ToArray();
        Assert.Equal(["fe80::a", "fe80::b"], hosts);
    }

    [Fact]
    public async Task Dev_only_and_blackhole_routes()
    {
        await _client.ReplaceRouteAsync(Route("10.5.0.0/24", new KernelNextHop(null, 0, "vb")));
        await _client.ReplaceRouteAsync(KernelRoute.Blackhole(IPNetwork.Parse("10.6.0.0/24")));
        await _client.ReplaceRouteAsync(KernelRoute.Blackhole(IPNetwork.Parse("2001:db8:6::/48")));

        JsonElement dev = Assert.Single(_ns.Routes("10.5.0.0/24"));
        Assert.Equal("vb", dev.GetProperty("dev").GetString());
        Assert.Equal("link", dev.GetProperty("scope").GetString());
        Assert.Equal("blackhole", Assert.Single(_ns.Routes("10.6.0.0/24")).GetProperty("type").GetString());
        Assert.Equal("blackhole", Assert.Single(_ns.Routes6("2001:db8:6::/48")).GetProperty("type").GetString());

        List<KernelRoute> dumped = await _client.DumpRoutesAsync(new RouteDumpFilter(Protocol: RouteProtocol.Bgp));
        Assert.Equal(2, dumped.Count(d => d.Type == KernelRouteType.Blackhole));
    }

    [Fact]
    public async Task Route_in_another_table_with_table_id_above_255()
    {
        KernelRoute r = Route("10.7.0.0/24", Via("10.77.0.2")) with { Table = 1000 };
        await _client.ReplaceRouteAsync(r);
        Assert.Single(_ns.Routes("table 1000 10.7.0.0/24"));
        Assert.Empty(_ns.Routes("10.7.0.0/24"));
        Assert.Single(await _client.DumpRoutesAsync(new RouteDumpFilter(Table: 1000)));
    }

    [Fact]
    public async Task Delete_of_a_missing_route_is_success_for_both_families()
    {
        IReadOnlyList<RouteError> errors = await _client.DeleteRoutesAsync([Route("10.8.0.0/24"), Route("2001:db8:8::/48")]);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Add_of_an_existing_route_reports_EEXIST()
    {
        KernelRoute r = Route("10.9.0.0/24", Via("10.77.0.2"));
        Assert.Empty(await _client.ExecuteAsync([RouteOperation.Add(r)]));
        RouteError e = Assert.Single(await _client.ExecuteAsync([RouteOperation.Add(r)]));
        Assert.Equal("EEXIST", e.ErrorName);
    }

    [Fact]
    public async Task Batch_of_10000_routes_with_one_failing_names_that_route_and_installs_the_others()
    {
        var ops = new List<RouteOperation>();
        for (int i = 0; i < 10_000; i++)
        {
            var prefix = new IPNetwork(new IPAddress([100, (byte)(64 + (i >> 8)), (byte)i, 0]), 24);
            ops.Add(RouteOperation.Replace(new KernelRoute(prefix, [Via("10.77.0.2")], RouteTable.Main, RouteProtocol.Bgp, 20, null)));
        }

        // 10.99.0.1 is not on any connected subnet: the kernel refuses this one route.
        KernelRoute bad = Route("100.100.0.0/24", Via("10.99.0.1"));
        ops.Insert(4321, RouteOperation.Replace(bad));

        IReadOnlyList<RouteError> errors = await _client.ExecuteAsync(ops);

        RouteError e = Assert.Single(errors);
        Assert.Equal(4321, e.Index);
        Assert.Same(bad, e.Route);
        Assert.Equal("ENETUNREACH", e.ErrorName);
        Assert.Contains("100.100.0.0/24", e.ToString(), StringComparison.Ordinal);
        Assert.Equal(10_000, _ns.Routes("proto bgp").Count);
    }

    [Fact]
    public async Task Unknown_interface_name_fails_only_that_route()
    {
        IReadOnlyList<RouteError> errors = await _client.ReplaceRoutesAsync(
            [Route("10.10.0.0/24", Via("10.77.0.2", "nosuchdev")), Route("10.11.0.0/24", Via("10.77.0.2", "va"))]);
        RouteError e = Assert.Single(errors);
        Assert.Equal(Errno.ENODEV, e.ErrorNumber);
        Assert.Single(_ns.Routes("10.11.0.0/24"));
    }

    [Fact]
    public async Task Lookup_finds_the_fib_entry_and_reports_unreachable()
    {
        await _client.ReplaceRouteAsync(Route("10.12.0.0/16", Via("10.77.0.3")));
        RouteLookupResult hit = await _client.LookupAsync(IPAddress.Parse("10.12.5.5"));
        Assert.NotNull(hit.Route);
        Assert.Equal(IPNetwork.Parse("10.12.0.0/16"), hit.Route!.Prefix);
        Assert.Equal(20, hit.Route.Metric);

        RouteLookupResult miss = await _client.LookupAsync(IPAddress.Parse("192.0.2.1"));
        Assert.Null(miss.Route);
        Assert.Equal("ENETUNREACH", miss.ErrorName);
    }
}
