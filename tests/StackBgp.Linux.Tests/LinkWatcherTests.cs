using System.Net;
using System.Threading.Channels;
using StackBgp.Linux.Links;
using Xunit;

namespace StackBgp.Linux.Tests;

public sealed class LinkWatcherTests : IDisposable
{
    private readonly LabNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    private readonly List<InterfaceEvent> _history = [];
    private readonly HashSet<InterfaceEvent> _consumed = new(ReferenceEqualityComparer.Instance);

    /// <summary>The first not yet consumed event (read so far or arriving within 10 s) that
    /// matches; events are kept, so waiting for one never loses another.</summary>
    private async Task<T> NextAsync<T>(ChannelReader<InterfaceEvent> reader, Func<T, bool> match, string what)
        where T : InterfaceEvent
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            for (int i = 0; ; i++)
            {
                if (i == _history.Count)
                {
                    _history.Add(await reader.ReadAsync(deadline.Token));
                }

                if (_history[i] is T t && !_consumed.Contains(t) && match(t))
                {
                    _ = _consumed.Add(t);
                    return t;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"expected {what}; saw: {string.Join("; ", _history)}");
        }
    }

    [Fact]
    public async Task Initial_state_arrives_as_events_and_in_the_snapshot()
    {
        await using var watcher = new LinkWatcher(_ns.Name);
        await watcher.StartAsync();

        _ = await NextAsync<LinkUp>(watcher.Events, e => e.IfName == "lo", "lo up");
        _ = await NextAsync<AddressAdded>(watcher.Events, e => e.Address.Equals(IPAddress.Parse("10.77.0.1")) && e.PrefixLength == 24 && e.IfName == "va", "10.77.0.1/24 on va");

        InterfaceState va = watcher.Find("va")!;
        Assert.True(va.IsUp);
        Assert.Contains(va.Addresses, a => a.Address.Equals(IPAddress.Parse("2001:db8:77::1")) && a.PrefixLength == 64);
    }

    [Fact]
    public async Task Address_added_to_and_removed_from_lo_are_seen()
    {
        await using var watcher = new LinkWatcher(_ns.Name);
        await watcher.StartAsync();

        _ns.Exec("addr add 192.0.2.10/32 dev lo");
        AddressAdded added = await NextAsync<AddressAdded>(watcher.Events, e => e.Address.Equals(IPAddress.Parse("192.0.2.10")), "VIP added on lo");
        Assert.Equal("lo", added.IfName);
        Assert.Equal(32, added.PrefixLength);
        Assert.Contains(watcher.Find("lo")!.Addresses, a => a.Address.Equals(IPAddress.Parse("192.0.2.10")));

        _ns.Exec("-6 addr add 2001:db8:aa::10/128 dev lo");
        _ = await NextAsync<AddressAdded>(watcher.Events, e => e.Address.Equals(IPAddress.Parse("2001:db8:aa::10")), "IPv6 VIP added on lo");

        _ns.Exec("addr del 192.0.2.10/32 dev lo");
        AddressRemoved removed = await NextAsync<AddressRemoved>(watcher.Events, e => e.Address.Equals(IPAddress.Parse("192.0.2.10")), "VIP removed from lo");
        Assert.Equal(added.IfIndex, removed.IfIndex);
        Assert.DoesNotContain(watcher.Find("lo")!.Addresses, a => a.Address.Equals(IPAddress.Parse("192.0.2.10")));
    }

    [Fact]
    public async Task Connected_prefixes_follow_the_kernel_including_dad_and_link_state()
    {
        await using var watcher = new LinkWatcher(_ns.Name);
        await watcher.StartAsync();
        var tracker = new ConnectedPrefixTracker();
        var changes = new List<ConnectedPrefixChange>();

        async Task UntilAsync(Func<bool> condition, string what)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!condition())
            {
                try
                {
                    changes.AddRange(tracker.Apply(await watcher.Events.ReadAsync(deadline.Token)));
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"expected {what}; announced now: {string.Join(", ", tracker.Current.Select(c => c.Prefix + "@" + c.IfName))}");
                }
            }
        }

        bool Has(string prefix, string dev) => tracker.Current.Any(c => c.Prefix.Equals(IPNetwork.Parse(prefix)) && c.IfName == dev);

        await UntilAsync(() => Has("10.77.0.0/24", "va") && Has("2001:db8:77::/64", "va"), "va's prefixes at start");
        Assert.DoesNotContain(tracker.Current, c => c.IfName == "lo"); // only 127.0.0.1 and ::1 there

        // With DAD (no "nodad"), the IPv6 address is tentative first: announced only after DAD.
        _ns.Exec("-6 addr add 2001:db8:99::1/64 dev va");
        await UntilAsync(() => Has("2001:db8:99::/64", "va"), "2001:db8:99::/64 after DAD");
        Assert.Contains(changes, c => c.Added && c.Connected.Prefix.Equals(IPNetwork.Parse("2001:db8:99::/64")));

        _ns.Exec("link set va down");
        await UntilAsync(() => !Has("10.77.0.0/24", "va"), "va's prefixes withdrawn on link down");
        _ns.Exec("link set va up");
        await UntilAsync(() => Has("10.77.0.0/24", "va"), "va's prefixes back on link up");
    }

    [Fact]
    public async Task Veth_link_down_and_up_events()
    {
        await using var watcher = new LinkWatcher(_ns.Name);
        await watcher.StartAsync();
        int vb = _ns.IfIndex("vb");

        _ns.Exec("link set vb down");
        LinkDown down = await NextAsync<LinkDown>(watcher.Events, e => e.IfName == "vb", "vb down");
        Assert.Equal(vb, down.IfIndex);
        Assert.False(down.Flags.HasFlag(InterfaceFlags.Up));
        _ = await NextAsync<LinkDown>(watcher.Events, e => e.IfName == "va", "va down too (its peer lost carrier)");
        Assert.False(watcher.Find("va")!.IsUp);

        _ns.Exec("link set vb up");
        LinkUp up = await NextAsync<LinkUp>(watcher.Events, e => e.IfName == "vb", "vb up");
        Assert.Equal(LinkOperState.Up, up.OperState);
        _ = await NextAsync<LinkUp>(watcher.Events, e => e.IfName == "va", "va up again");

        _ns.Exec("link del vb");
        _ = await NextAsync<LinkDown>(watcher.Events, e => e.IfName == "vb" && e.Removed, "vb removed");
        Assert.Null(watcher.Find("vb"));
    }
}
