using System.Net;
using System.Threading.Channels;
using StackBgp.Linux.Nht;
using Xunit;

namespace StackBgp.Linux.Tests;

public sealed class NextHopTrackerTests : IDisposable
{
    private readonly LabNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    private readonly Dictionary<IPAddress, NextHopResolution> _latest = [];
    private readonly List<NextHopResolution> _seen = [];

    /// <summary>Reads changes until the latest outcome for the next hop matches (deadline 10 s).</summary>
    private async Task<NextHopResolution> NextAsync(ChannelReader<NextHopResolution> reader, string nextHop, Func<NextHopResolution, bool> match, string what)
    {
        var key = IPAddress.Parse(nextHop);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (!(_latest.TryGetValue(key, out NextHopResolution? now) && match(now)))
            {
                NextHopResolution r = await reader.ReadAsync(deadline.Token);
                _seen.Add(r);
                _latest[new IPAddress(r.NextHop.GetAddressBytes())] = r;
            }

            return _latest[key];
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"expected {nextHop} {what}; saw: {string.Join("; ", _seen)}");
        }
    }

    private async Task<NextHopResolution> Track(NextHopTracker nht, string nextHop)
    {
        NextHopResolution r = await nht.TrackAsync(IPAddress.Parse(nextHop));
        _latest[IPAddress.Parse(nextHop)] = r;
        return r;
    }

    [Fact]
    public async Task Reachability_follows_routes_being_added_and_removed()
    {
        await using var nht = new NextHopTracker(new NextHopTrackerOptions { NetNamespace = _ns.Name });
        await nht.StartAsync();

        NextHopResolution connected = await Track(nht, "10.77.0.2");
        Assert.True(connected.Reachable);
        Assert.Equal(_ns.IfIndex("va"), connected.IfIndex);
        Assert.Equal("va", connected.IfName);

        NextHopResolution remote = await Track(nht, "10.88.1.1");
        Assert.False(remote.Reachable);
        Assert.Contains("ENETUNREACH", remote.Reason, StringComparison.Ordinal);

        _ns.Exec("route add 10.88.0.0/16 via 10.77.0.2 metric 50 proto ospf");
        NextHopResolution up = await NextAsync(nht.Changes, "10.88.1.1", r => r.Reachable, "reachable via the new route");
        Assert.Equal(50, up.Metric);
        Assert.Equal(IPNetwork.Parse("10.88.0.0/16"), up.ResolvedBy!.Prefix);
        Assert.Equal("va", up.IfName);

        _ns.Exec("route add blackhole 10.88.1.0/24");
        NextHopResolution black = await NextAsync(nht.Changes, "10.88.1.1", r => !r.Reachable, "unreachable behind a blackhole");
        Assert.Contains("blackhole", black.Reason, StringComparison.Ordinal);

        _ns.Exec("route del blackhole 10.88.1.0/24");
        _ = await NextAsync(nht.Changes, "10.88.1.1", r => r.Reachable, "reachable again");
        _ns.Exec("route del 10.88.0.0/16");
        _ = await NextAsync(nht.Changes, "10.88.1.1", r => !r.Reachable, "unreachable once the route is gone");
    }

    [Fact]
    public async Task The_default_route_resolves_only_with_resolve_via_default()
    {
        _ns.Exec("route add default via 10.77.0.2");
        _ns.Exec("-6 route add default via 2001:db8:77::2");
        await using var nht = new NextHopTracker(new NextHopTrackerOptions { NetNamespace = _ns.Name });
        await nht.StartAsync();

        NextHopResolution v4 = await Track(nht, "198.51.100.1");
        NextHopResolution v6 = await Track(nht, "2001:db8:ffff::1");
        Assert.False(v4.Reachable);
        Assert.False(v6.Reachable);
        Assert.Contains("default", v4.Reason, StringComparison.Ordinal);

        nht.SetResolveViaDefault(true);
        _ = await NextAsync(nht.Changes, "198.51.100.1", r => r.Reachable, "reachable via default");
        _ = await NextAsync(nht.Changes, "2001:db8:ffff::1", r => r.Reachable, "reachable via default");
    }

    [Fact]
    public async Task A_next_hop_becomes_unreachable_when_its_link_goes_down_and_comes_back()
    {
        await using var nht = new NextHopTracker(new NextHopTrackerOptions { NetNamespace = _ns.Name });
        await nht.StartAsync();
        int va = _ns.IfIndex("va");
        var linkLocal = new IPAddress(IPAddress.Parse("fe80::2").GetAddressBytes(), va);

        Assert.True((await Track(nht, "10.77.0.2")).Reachable);
        Assert.True((await Track(nht, "2001:db8:77::2")).Reachable);
        NextHopResolution ll = await nht.TrackAsync(linkLocal);
        Assert.True(ll.Reachable, ll.Reason);
        Assert.Equal(va, ll.IfIndex);

        _ns.Exec("link set va down");
        _ = await NextAsync(nht.Changes, "10.77.0.2", r => !r.Reachable, "unreachable with va down");
        _ = await NextAsync(nht.Changes, "2001:db8:77::2", r => !r.Reachable, "unreachable with va down");

        _ns.Exec("link set va up");
        NextHopResolution back = await NextAsync(nht.Changes, "10.77.0.2", r => r.Reachable, "reachable with va up");
        Assert.Equal(va, back.IfIndex);
    }
}
