using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Linux.Fib;
using StackBgp.Linux.Routes;
using Xunit;

namespace StackBgp.Linux.Tests;

public sealed class FibProgrammerTests : IDisposable
{
    private readonly LabNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    private static KernelRoute Route(string prefix, params string[] gateways) =>
        new(IPNetwork.Parse(prefix), gateways.Select(g => new KernelNextHop(IPAddress.Parse(g), 0)).ToArray(), RouteTable.Main, 0, 20, null);

    private static string[] Gateways(JsonElement route) =>
        route.TryGetProperty("nexthops", out JsonElement nhs)
            ? nhs.EnumerateArray().Select(n => n.GetProperty("gateway").GetString()!).Order().ToArray()
            : [route.GetProperty("gateway").GetString()!];

    private FibProgrammer Create(FibOptions? options = null) =>
        new(new FibOptions
        {
            NetNamespace = _ns.Name,
            StaleGraceTime = options?.StaleGraceTime ?? TimeSpan.FromSeconds(60),
            RemoveRoutesOnStop = options?.RemoveRoutesOnStop ?? false,
            TimeProvider = options?.TimeProvider ?? TimeProvider.System,
            UseNexthopObjects = options?.UseNexthopObjects ?? true,
        });

    [Fact]
    public async Task Apply_installs_replaces_and_removes_and_an_identical_route_needs_no_kernel_request()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();

        FibApplyResult r1 = await fib.ApplyAsync([
            RouteChange.Install(Route("10.20.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.21.0.0/24", "10.77.0.2", "10.77.0.3")),
            RouteChange.Install(Route("2001:db8:21::/48", "2001:db8:77::2", "2001:db8:77::3"))]);
        Assert.True(r1.Succeeded);
        Assert.Equal(3, r1.KernelRequests);
        Assert.Equal(["10.77.0.2", "10.77.0.3"], Gateways(Assert.Single(_ns.Routes("10.21.0.0/24 proto bgp"))));
        Assert.Equal(["2001:db8:77::2", "2001:db8:77::3"], Gateways(Assert.Single(_ns.Routes6("2001:db8:21::/48 proto bgp"))));

        FibApplyResult again = await fib.ApplyAsync([RouteChange.Install(Route("10.21.0.0/24", "10.77.0.3", "10.77.0.2"))]);
        Assert.Equal(0, again.KernelRequests);
        Assert.Equal(1, again.Unchanged);

        FibApplyResult r2 = await fib.ApplyAsync([
            RouteChange.Install(Route("10.21.0.0/24", "10.77.0.2")),
            RouteChange.Remove(IPNetwork.Parse("10.20.0.0/24")),
            RouteChange.Remove(IPNetwork.Parse("10.29.0.0/24"))]);
        Assert.True(r2.Succeeded);
        Assert.Equal(["10.77.0.2"], Gateways(Assert.Single(_ns.Routes("10.21.0.0/24"))));
        Assert.Empty(_ns.Routes("10.20.0.0/24"));

        IReadOnlyList<FibEntry> entries = await fib.GetRoutesAsync();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(FibEntryState.Installed, e.State));
    }

    [Fact]
    public async Task A_refused_route_is_reported_with_its_index_and_the_others_are_installed()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        FibApplyResult r = await fib.ApplyAsync([
            RouteChange.Install(Route("10.30.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.31.0.0/24", "192.0.2.1")),
            RouteChange.Install(Route("10.32.0.0/24", "10.77.0.2"))]);

        RouteError e = Assert.Single(r.Errors);
        Assert.Equal(1, e.Index);
        Assert.Equal(IPNetwork.Parse("10.31.0.0/24"), e.Route.Prefix);
        Assert.Equal("ENETUNREACH", e.ErrorName);
        Assert.Equal(2, _ns.Routes("proto bgp").Count);
        Assert.Contains(await fib.GetRoutesAsync(), x => x.State == FibEntryState.Failed && x.Route.Prefix.Equals(e.Route.Prefix));
    }

    [Fact]
    public async Task Metric_change_installs_the_new_route_and_removes_the_old_one()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        _ = await fib.ApplyAsync([RouteChange.Install(Route("10.33.0.0/24", "10.77.0.2"))]);
        FibApplyResult r = await fib.ApplyAsync([RouteChange.Install(Route("10.33.0.0/24", "10.77.0.2") with { Metric = 50 })]);
        Assert.True(r.Succeeded);
        JsonElement shown = Assert.Single(_ns.Routes("10.33.0.0/24"));
        Assert.Equal(50, shown.GetProperty("metric").GetInt32());
    }

    [Fact]
    public async Task Restart_reuses_routes_already_right_and_sweeps_stale_ones_after_the_grace_time()
    {
        _ns.Exec("route add 10.40.0.0/24 via 10.77.0.2 proto 186 metric 20");
        _ns.Exec("route add 10.41.0.0/24 via 10.77.0.2 proto 186 metric 20");
        _ns.Exec("route add 10.42.0.0/24 via 10.77.0.2 proto 186 metric 20");
        _ns.Exec("-6 route add 2001:db8:42::/48 via 2001:db8:77::2 proto 186 metric 20");
        _ns.Exec("route add 10.43.0.0/24 via 10.77.0.2 proto static metric 20");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using FibProgrammer fib = Create(new FibOptions { TimeProvider = time, StaleGraceTime = TimeSpan.FromSeconds(30) });
        await fib.StartAsync();

        Assert.Equal(4, (await fib.GetRoutesAsync()).Count(e => e.State == FibEntryState.Stale));
        FibApplyResult r = await fib.ApplyAsync([
            RouteChange.Install(Route("10.40.0.0/24", "10.77.0.2")),   // identical: reused
            RouteChange.Install(Route("10.41.0.0/24", "10.77.0.3"))]); // differs: replaced
        Assert.Equal(1, r.Unchanged);
        Assert.Equal(1, r.KernelRequests);
        Assert.Single(_ns.Routes("10.42.0.0/24"));   // still forwarding during the grace time
        Assert.Single(_ns.Routes6("2001:db8:42::/48"));

        time.Advance(TimeSpan.FromSeconds(31));
        await Poll.UntilAsync(
            () => _ns.Routes("10.42.0.0/24").Count == 0 && _ns.Routes6("2001:db8:42::/48").Count == 0,
            () => "stale routes swept; seen " + string.Join(", ", _ns.Routes("proto bgp").Select(x => x.GetProperty("dst").GetString())));
        Assert.Equal(["10.77.0.2"], Gateways(Assert.Single(_ns.Routes("10.40.0.0/24"))));
        Assert.Equal(["10.77.0.3"], Gateways(Assert.Single(_ns.Routes("10.41.0.0/24"))));
        Assert.Single(_ns.Routes("10.43.0.0/24")); // not our protocol: never touched
    }

    [Fact]
    public async Task Stop_keeps_routes_by_default_and_removes_them_when_configured()
    {
        await using (FibProgrammer keep = Create())
        {
            await keep.StartAsync();
            _ = await keep.ApplyAsync([RouteChange.Install(Route("10.50.0.0/24", "10.77.0.2"))]);
        }

        Assert.Single(_ns.Routes("10.50.0.0/24 proto bgp"));

        await using (FibProgrammer remove = Create(new FibOptions { RemoveRoutesOnStop = true }))
        {
            await remove.StartAsync();
            FibApplyResult r = await remove.ApplyAsync([RouteChange.Install(Route("10.50.0.0/24", "10.77.0.2")), RouteChange.Install(Route("10.51.0.0/24", "10.77.0.2"))]);
            Assert.Equal(1, r.Unchanged);
        }

        Assert.Empty(_ns.Routes("proto bgp"));
    }

    [Fact]
    public async Task A_route_deleted_by_someone_else_is_reinstalled()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        _ = await fib.ApplyAsync([
            RouteChange.Install(Route("10.60.0.0/24", "10.77.0.2", "10.77.0.3")),
            RouteChange.Install(Route("2001:db8:60::/48", "2001:db8:77::2"))]);

        _ns.Exec("route del 10.60.0.0/24");
        _ns.Exec("-6 route del 2001:db8:60::/48");

        await Poll.UntilAsync(
            () => _ns.Routes("10.60.0.0/24 proto bgp").Count == 1 && _ns.Routes6("2001:db8:60::/48 proto bgp").Count == 1,
            () => "both routes reinstalled");
        Assert.Equal(["10.77.0.2", "10.77.0.3"], Gateways(_ns.Routes("10.60.0.0/24")[0]));
        var reinstalled = new List<KernelRoute>();
        while (fib.Events.TryRead(out FibEvent? e))
        {
            if (e is FibRouteReinstalled ri)
            {
                reinstalled.Add(ri.Route);
            }
        }

        Assert.Equal(2, reinstalled.Count);
        Assert.Equal(2, fib.Counters.Reinstalled);
    }

    [Fact]
    public async Task Routes_flushed_by_an_interface_going_down_come_back_when_it_is_up_again()
    {
        // Otherwise IPv6 drops va's global address on down and the next hop stays unresolvable.
        LabNamespace.Run("ip", $"netns exec {_ns.Name} sysctl -qw net.ipv6.conf.va.keep_addr_on_down=1");
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        _ = await fib.ApplyAsync([
            RouteChange.Install(Route("10.70.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("2001:db8:70::/48", "2001:db8:77::2"))]);

        _ns.Exec("link set va down");
        await Poll.UntilAsync(
            () => _ns.Routes("10.70.0.0/24").Count == 0 && _ns.Routes6("2001:db8:70::/48").Count == 0,
            () => "the kernel flushed both routes with their interface");
        _ns.Exec("link set va up");
        await Poll.UntilAsync(
            () => _ns.Routes("10.70.0.0/24 proto bgp").Count == 1 && _ns.Routes6("2001:db8:70::/48 proto bgp").Count == 1,
            () => "routes reinstalled after link up; FIB says " + string.Join("; ", fib.GetRoutesAsync().GetAwaiter().GetResult().Select(e => e.Route + " " + e.State + " " + e.LastError))
                + "; kernel v4: " + string.Join(", ", _ns.Routes().Select(r => r.ToString())) + "; v6: " + string.Join(", ", _ns.Routes6().Select(r => r.ToString())));
        Assert.All(await fib.GetRoutesAsync(), e => Assert.Equal(FibEntryState.Installed, e.State));
    }

    private List<JsonElement> OurNexthops() =>
        _ns.Json("nexthop show").EnumerateArray().Where(n => n.TryGetProperty("protocol", out var p) && p.ToString() is "bgp" or "186").ToList();

    private static uint NhId(JsonElement route) => route.TryGetProperty("nhid", out JsonElement id) ? id.GetUInt32() : 0;

    [Fact]
    public async Task Single_gateway_routes_share_one_nexthop_object_per_gateway_and_ecmp_ones_stay_inline()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        FibApplyResult r = await fib.ApplyAsync([
            RouteChange.Install(Route("10.80.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.81.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.82.0.0/24", "10.77.0.3")),
            RouteChange.Install(Route("10.83.0.0/24", "10.77.0.2", "10.77.0.3")),
            RouteChange.Install(Route("2001:db8:80::/48", "2001:db8:77::2"))]);
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));

        List<JsonElement> objects = OurNexthops();
        Assert.Equal(3, objects.Count); // 10.77.0.2, 10.77.0.3, 2001:db8:77::2
        uint a = NhId(_ns.Routes("10.80.0.0/24")[0]), b = NhId(_ns.Routes("10.81.0.0/24")[0]);
        Assert.NotEqual(0u, a);
        Assert.Equal(a, b);
        Assert.NotEqual(a, NhId(_ns.Routes("10.82.0.0/24")[0]));
        Assert.NotEqual(0u, NhId(_ns.Routes6("2001:db8:80::/48")[0]));
        Assert.Equal(0u, NhId(_ns.Routes("10.83.0.0/24")[0]));   // ECMP: inline RTA_MULTIPATH
        Assert.Equal(["10.77.0.2"], Gateways(_ns.Routes("10.80.0.0/24")[0]));

        // Someone deletes the object: its routes went with it, and come back.
        _ns.Exec($"nexthop del id {a}");
        await Poll.UntilAsync(
            () => _ns.Routes("10.80.0.0/24 proto bgp").Count == 1 && _ns.Routes("10.81.0.0/24 proto bgp").Count == 1,
            () => "routes of the deleted nexthop object reinstalled; kernel has " + string.Join(", ", _ns.Routes("proto bgp").Select(x => x.ToString())));
        Assert.All(await fib.GetRoutesAsync(), e => Assert.Equal(FibEntryState.Installed, e.State));

        // Routes gone: the object goes at the next resync/sweep, not with a live route.
        _ = await fib.ApplyAsync([RouteChange.Remove(IPNetwork.Parse("10.82.0.0/24"))]);
        Assert.Contains(OurNexthops(), n => n.GetProperty("gateway").GetString() == "10.77.0.3"); // still used by nothing, kept until pruned
        _ns.Exec("link set va down");
        _ns.Exec("link set va up");
        await Poll.UntilAsync(
            () => _ns.Routes("10.80.0.0/24 proto bgp").Count == 1 && _ns.Routes("10.81.0.0/24 proto bgp").Count == 1
                && !OurNexthops().Any(n => n.GetProperty("gateway").GetString() == "10.77.0.3"),
            () => "after a link flap: routes back, the unused object pruned; objects " + string.Join(", ", OurNexthops().Select(x => x.ToString())));
    }

    [Fact]
    public async Task Without_kernel_nexthops_routes_carry_their_gateway_inline()
    {
        await using FibProgrammer fib = Create(new FibOptions { UseNexthopObjects = false });
        await fib.StartAsync();
        FibApplyResult r = await fib.ApplyAsync([RouteChange.Install(Route("10.87.0.0/24", "10.77.0.2"))]);
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        JsonElement route = Assert.Single(_ns.Routes("10.87.0.0/24 proto bgp"));
        Assert.Equal(0u, NhId(route));
        Assert.Equal(["10.77.0.2"], Gateways(route));
        Assert.Empty(OurNexthops());
    }

    [Fact]
    public async Task A_nexthop_object_no_route_uses_is_deleted_after_the_keep_time_and_one_in_use_stays()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using FibProgrammer fib = Create(new FibOptions { TimeProvider = time });
        await fib.StartAsync();
        _ = await fib.ApplyAsync([
            RouteChange.Install(Route("10.88.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.89.0.0/24", "10.77.0.3"))]);
        Assert.Equal(2, OurNexthops().Count);

        _ = await fib.ApplyAsync([RouteChange.Remove(IPNetwork.Parse("10.89.0.0/24"))]);
        time.Advance(TimeSpan.FromSeconds(179));
        _ = await fib.GetRoutesAsync(); // the command loop has run whatever the timer posted
        Assert.Equal(2, OurNexthops().Count); // kept for a while: the peer may come back

        time.Advance(TimeSpan.FromSeconds(2));
        await Poll.UntilAsync(
            () => OurNexthops().Count == 1,
            () => "the object of 10.77.0.3 deleted after the keep time; objects " + string.Join(", ", OurNexthops().Select(x => x.ToString())));
        Assert.Equal("10.77.0.2", OurNexthops()[0].GetProperty("gateway").GetString());
        Assert.Single(_ns.Routes("10.88.0.0/24 proto bgp"));
    }

    [Fact]
    public async Task A_restarted_programmer_reuses_the_nexthop_objects_its_routes_name()
    {
        await using (FibProgrammer first = Create())
        {
            await first.StartAsync();
            _ = await first.ApplyAsync([RouteChange.Install(Route("10.85.0.0/24", "10.77.0.2"))]);
        }

        uint before = NhId(Assert.Single(_ns.Routes("10.85.0.0/24 proto bgp")));
        Assert.NotEqual(0u, before);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using FibProgrammer second = Create(new FibOptions { TimeProvider = time, StaleGraceTime = TimeSpan.FromSeconds(30) });
        await second.StartAsync();
        FibApplyResult r = await second.ApplyAsync([
            RouteChange.Install(Route("10.85.0.0/24", "10.77.0.2")),
            RouteChange.Install(Route("10.86.0.0/24", "10.77.0.2"))]);
        Assert.Equal(1, r.Unchanged);
        Assert.Equal(before, NhId(Assert.Single(_ns.Routes("10.86.0.0/24 proto bgp"))));
        Assert.Single(OurNexthops());
    }

    [Fact]
    public async Task A_refused_route_is_retried_and_installed_once_its_next_hop_resolves()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        FibApplyResult r = await fib.ApplyAsync([RouteChange.Install(Route("10.90.0.0/24", "10.66.0.2"))]);
        Assert.Equal("ENETUNREACH", Assert.Single(r.Errors).ErrorName);

        _ns.Exec("addr add 10.66.0.1/24 dev va");
        await Poll.UntilAsync(() => _ns.Routes("10.90.0.0/24 proto bgp").Count == 1, () => "route installed by a retry");
        Assert.Equal(FibEntryState.Installed, Assert.Single(await fib.GetRoutesAsync()).State);
    }

    [Fact]
    public async Task A_route_given_by_interface_name_follows_the_interface_when_it_is_re_created()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        var route = new KernelRoute(IPNetwork.Parse("10.95.0.0/24"), [new KernelNextHop(IPAddress.Parse("10.77.0.2"), 0, "va")], RouteTable.Main, 0, 20, null);
        Assert.True((await fib.ApplyAsync([RouteChange.Install(route)])).Succeeded);
        int oldIndex = _ns.IfIndex("va");

        _ns.Exec("link del va");
        _ns.Exec("link add va type veth peer name vb");
        _ns.Exec("addr add 10.77.0.1/24 dev va");
        _ns.Exec("link set vb up");
        _ns.Exec("link set va up");
        Assert.NotEqual(oldIndex, _ns.IfIndex("va"));

        await Poll.UntilAsync(() => _ns.Routes("10.95.0.0/24 proto bgp dev va").Count == 1, () => "route back on the new va");
    }

    [Fact]
    public async Task Ecmp_next_hop_sets_shrink_and_grow_without_spurious_reinstalls()
    {
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        string[] v6 = ["2001:db8:77::2", "2001:db8:77::3", "2001:db8:77::4"];
        string[] v4 = ["10.77.0.2", "10.77.0.3", "10.77.0.4"];
        foreach (int n in new[] { 3, 2, 1, 3, 1 })
        {
            FibApplyResult r = await fib.ApplyAsync([
                RouteChange.Install(Route("2001:db8:96::/48", v6[..n])),
                RouteChange.Install(Route("10.96.0.0/24", v4[..n]))]);
            Assert.True(r.Succeeded);
            Assert.Equal(v6[..n], Gateways(Assert.Single(_ns.Routes6("2001:db8:96::/48"))));
            Assert.Equal(v4[..n], Gateways(Assert.Single(_ns.Routes("10.96.0.0/24"))));
        }

        // Our own changes come back as notifications from our own socket: filtered, never "reinstalled".
        _ = await fib.GetRoutesAsync();
        while (fib.Events.TryRead(out FibEvent? e))
        {
            Assert.IsNotType<FibRouteReinstalled>(e);
        }
    }

    [Fact]
    public async Task A_route_flushed_with_its_source_address_comes_back_with_the_address()
    {
        _ns.Exec("addr add 192.0.2.10/32 dev lo");
        await using FibProgrammer fib = Create();
        await fib.StartAsync();
        KernelRoute route = Route("10.97.0.0/24", "10.77.0.2") with { PreferredSource = IPAddress.Parse("192.0.2.10") };
        Assert.True((await fib.ApplyAsync([RouteChange.Install(route)])).Succeeded);

        // The kernel deletes the route without a notification when its src address goes away.
        _ns.Exec("addr del 192.0.2.10/32 dev lo");
        await Poll.UntilAsync(
            () => _ns.Routes("10.97.0.0/24").Count == 0
                && fib.GetRoutesAsync().GetAwaiter().GetResult().Single().State == FibEntryState.Failed,
            () => "route flushed by the kernel and noticed as not installable");

        _ns.Exec("addr add 192.0.2.10/32 dev lo");
        await Poll.UntilAsync(() => _ns.Routes("10.97.0.0/24 proto bgp").Count == 1, () => "route back with its source address");
        Assert.Equal("192.0.2.10", _ns.Routes("10.97.0.0/24")[0].GetProperty("prefsrc").GetString());
    }
}
