using System.Net;
using StackBgp.Linux.Links;
using Xunit;

namespace StackBgp.Linux.Tests;

public sealed class ConnectedRoutesTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.5.5.5", true)]
    [InlineData("169.254.10.1", true)]
    [InlineData("224.0.0.5", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fe80::1", true)]
    [InlineData("febf::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.0.2.10", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("fec0::1", false)]
    public void Zebra_exclusions(string address, bool excluded) =>
        Assert.Equal(excluded, ConnectedRoutes.IsExcluded(IPAddress.Parse(address)));

    [Fact]
    public void Tentative_and_dad_failed_ipv6_addresses_are_excluded() =>
        Assert.All([AddressFlags.Tentative, AddressFlags.DadFailed, AddressFlags.Tentative | AddressFlags.Permanent],
            f => Assert.True(ConnectedRoutes.IsExcluded(IPAddress.Parse("2001:db8::1"), f)));

    [Theory]
    [InlineData("10.0.0.1", 24, "10.0.0.0/24")]
    [InlineData("192.0.2.10", 32, "192.0.2.10/32")]
    [InlineData("10.1.2.3", 13, "10.0.0.0/13")]
    [InlineData("2001:db8:1:2::5", 64, "2001:db8:1:2::/64")]
    [InlineData("2001:db8::5", 128, "2001:db8::5/128")]
    public void Connected_prefix_of_an_address(string address, int length, string prefix) =>
        Assert.Equal(IPNetwork.Parse(prefix), ConnectedRoutes.PrefixOf(IPAddress.Parse(address), length));

    [Fact]
    public void Tracker_announces_while_the_link_is_up_and_an_eligible_address_gives_the_prefix()
    {
        var t = new ConnectedPrefixTracker();
        Assert.Empty(t.Apply(new LinkUp(1, "lo", LinkOperState.Unknown, InterfaceFlags.Up | InterfaceFlags.Running)));
        Assert.Empty(t.Apply(Added(1, "lo", "127.0.0.1", 8)));
        Assert.Empty(t.Apply(Added(1, "lo", "::1", 128)));

        ConnectedPrefixChange vip = Assert.Single(t.Apply(Added(1, "lo", "192.0.2.10", 32)));
        Assert.True(vip.Added);
        Assert.Equal(IPNetwork.Parse("192.0.2.10/32"), vip.Connected.Prefix);
        Assert.Equal("lo", vip.Connected.IfName);

        // Two addresses of one subnet on eth0: one prefix, withdrawn only when both are gone.
        Assert.Empty(t.Apply(new LinkDown(2, "eth0", LinkOperState.Down, InterfaceFlags.None)));
        Assert.Empty(t.Apply(Added(2, "eth0", "10.0.0.1", 24)));
        Assert.Empty(t.Apply(Added(2, "eth0", "10.0.0.2", 24)));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/24"), Assert.Single(t.Apply(new LinkUp(2, "eth0", LinkOperState.Up, InterfaceFlags.Up | InterfaceFlags.Running))).Connected.Prefix);
        Assert.Empty(t.Apply(Removed(2, "eth0", "10.0.0.1", 24)));
        Assert.False(Assert.Single(t.Apply(new LinkDown(2, "eth0", LinkOperState.Down, InterfaceFlags.Up))).Added);
        Assert.True(Assert.Single(t.Apply(new LinkUp(2, "eth0", LinkOperState.Up, InterfaceFlags.Up | InterfaceFlags.Running))).Added);

        // IPv6: only once duplicate address detection is over.
        Assert.Empty(t.Apply(Added(2, "eth0", "2001:db8::1", 64, AddressFlags.Tentative)));
        Assert.Empty(t.Apply(Added(2, "eth0", "fe80::1", 64)));
        Assert.Equal(IPNetwork.Parse("2001:db8::/64"),
            Assert.Single(t.Apply(new AddressChanged(2, "eth0", IPAddress.Parse("2001:db8::1"), 64, 0, AddressFlags.Permanent))).Connected.Prefix);

        Assert.Equal(3, t.Current.Count);
        Assert.False(Assert.Single(t.Apply(Removed(1, "lo", "192.0.2.10", 32))).Added);
        Assert.Equal(2, t.Apply(new LinkDown(2, "eth0", LinkOperState.NotPresent, InterfaceFlags.None, Removed: true)).Count(c => !c.Added));
        Assert.Empty(t.Current);
    }

    private static AddressAdded Added(int index, string name, string address, int length, AddressFlags flags = AddressFlags.Permanent) =>
        new(index, name, IPAddress.Parse(address), length, 0, flags);

    private static AddressRemoved Removed(int index, string name, string address, int length) =>
        new(index, name, IPAddress.Parse(address), length, 0, AddressFlags.Permanent);
}
