using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Config.Tests;

public class RhospConfigTests
{
    private static StackBgpConfig ParseOk(string text)
    {
        var r = ConfigParser.Parse(text, "frr.conf");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors));
        Assert.NotNull(r.Config);
        return r.Config!;
    }

    [Fact]
    public void Rhosp_render_parses_with_zero_errors_and_no_unsupported_commands()
    {
        var r = ConfigParser.Parse(RhospConfigs.Render, "frr.conf");
        Assert.Empty(r.UnsupportedCommands);
        Assert.Empty(r.Errors);
        Assert.Empty(r.Warnings);
        Assert.NotNull(r.Config);
    }

    [Fact]
    public void Rhosp_render_model_is_what_the_file_says()
    {
        var c = ParseOk(RhospConfigs.Render);
        Assert.Equal("8.1", c.FrrVersion);
        Assert.Equal(FrrDefaultsProfile.Traditional, c.Defaults);
        Assert.Equal("cmp-1-0", c.Hostname);
        var b = c.Bgp!;
        Assert.Equal(64999u, b.Asn);
        Assert.Equal(IPAddress.Parse("99.99.1.2"), b.RouterId);
        Assert.True(b.LogNeighborChanges);
        Assert.True(b.GracefulShutdown);
        Assert.False(b.DefaultIpv4Unicast);
        Assert.False(b.EbgpRequiresPolicy);
        var g = Assert.Single(b.PeerGroups);
        Assert.Equal("uplink", g.Id);
        Assert.Equal(new RemoteAsSpec(RemoteAsKind.Internal), g.RemoteAs);
        Assert.Equal(1, g.TtlSecurityHops);
        Assert.Equal(["enp2s0", "enp3s0"], b.Neighbors.Select(n => n.Id));
        Assert.All(b.Neighbors, n => Assert.Equal(NeighborKind.Interface, n.Kind));

        foreach (var e in b.EffectiveNeighbors(c.TimerDefaults))
        {
            Assert.True(e.IsInternal(64999));
            Assert.True(e.Bfd);
            Assert.Equal("tripleo", e.BfdProfile);
            Assert.Equal(1, e.TtlSecurityHops);
            Assert.Equal(60, e.KeepAlive);
            Assert.Equal(180, e.Hold);
            Assert.Equal(120, e.ConnectRetry);
            Assert.Equal(0, e.AdvertisementInterval);
            Assert.True(e.CapabilityExtendedNexthop);
            Assert.Equal([AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast], e.ActiveFamilies);
            var v4 = e.Families[AddressFamily.Ipv4Unicast];
            Assert.Equal("only-host-prefixes", v4.PrefixListOut);
            Assert.Equal(new AllowAsInSpec(1, true), v4.AllowAsIn);
            var v6 = e.Families[AddressFamily.Ipv6Unicast];
            Assert.Equal("only-host-prefixes", v6.PrefixListOut);
            Assert.Null(v6.AllowAsIn);
        }
        Assert.Equal([new Redistribution(RouteSourceProtocol.Connected, null, null)], b.Af(AddressFamily.Ipv4Unicast).Redistributions);
        Assert.Equal([new Redistribution(RouteSourceProtocol.Connected, null, null)], b.Af(AddressFamily.Ipv6Unicast).Redistributions);

        var hostV4 = c.Policy.FindPrefixList(Afi.Ipv4, "only-host-prefixes")!;
        Assert.Equal(new PrefixListEntry(5, PolicyAction.Permit, Prefix.Parse("0.0.0.0/0"), 32, null), Assert.Single(hostV4.Entries));
        Assert.NotNull(c.Policy.FindPrefixList(Afi.Ipv6, "only-default"));
        var rm = c.Policy.FindRouteMap("rm-only-default")!;
        Assert.Equal([10, 11], rm.Entries.Select(e => e.Seq));
        Assert.Equal(new MatchPrefixList(Afi.Ipv4, "only-default"), Assert.Single(rm.Entries[0].Matches));
        Assert.Equal(new SetSrc(IPAddress.Parse("99.99.1.2")), Assert.Single(rm.Entries[0].Sets));
        Assert.Equal(new SetSrc(IPAddress.Parse("f00d:f00d:f00d:f00d:f00d:f00d:f00d:12")), Assert.Single(rm.Entries[1].Sets));
        Assert.Equal("rm-only-default", c.FibRouteMap(Afi.Ipv4));
        Assert.Equal("rm-only-default", c.FibRouteMap(Afi.Ipv6));
        Assert.True(c.IpNhtResolveViaDefault);
        var prof = Assert.Single(c.Bfd.Profiles);
        Assert.Equal(new BfdProfile("tripleo", new BfdSettings { DetectMultiplier = 3, TransmitInterval = 300, ReceiveInterval = 300 }), prof);
    }

    [Fact]
    public void Numbered_variant_parses_and_inherits_from_the_group()
    {
        var c = ParseOk(RhospConfigs.Numbered);
        var b = c.Bgp!;
        Assert.Equal(["100.64.1.1", "100.65.1.1"], b.Neighbors.Select(n => n.Id));
        var e = b.Effective(b.Neighbors[0], c.TimerDefaults);
        Assert.Equal(NeighborKind.Address, e.Kind);
        Assert.Equal("uplink", e.PeerGroup);
        Assert.Equal(IPAddress.Parse("100.64.1.1"), e.Address);
        Assert.False(e.CapabilityExtendedNexthop);
        Assert.True(e.Families[AddressFamily.Ipv6Unicast].Activated);
    }

    [Fact]
    public void External_md5_timers_and_rhoso_bfd_variant_parses()
    {
        var c = ParseOk(RhospConfigs.Variants);
        var e = c.Bgp!.EffectiveNeighbors(c.TimerDefaults)[0];
        Assert.Equal(RemoteAsKind.External, e.RemoteAs!.Kind);
        Assert.False(e.IsInternal(64999));
        Assert.Equal("s3cr3t-Key", e.Password?.Value);
        Assert.Equal((1, 3), (e.KeepAlive, e.Hold));
        Assert.Equal(5, e.ConnectRetry);
        Assert.Equal(new BfdSettings { DetectMultiplier = 10, TransmitInterval = 500, ReceiveInterval = 500 }, c.Bfd.Profiles[0].Settings);
    }

    [Fact]
    public void Evpn_variant_yields_exactly_the_evpn_error()
    {
        var r = ConfigParser.Parse(RhospConfigs.WithEvpn, "frr.conf");
        var err = Assert.Single(r.Errors);
        Assert.Equal("not supported yet: EVPN (address-family l2vpn evpn)", err.Message);
        Assert.Equal("address-family l2vpn evpn", err.Command);
        Assert.Equal("frr.conf", err.File);
        Assert.Equal(RhospConfigs.WithEvpn.Split('\n').ToList().FindIndex(l => l.Contains("l2vpn", StringComparison.Ordinal)) + 1, err.Line);
        Assert.Equal(["address-family l2vpn evpn"], r.UnsupportedCommands);
        Assert.Null(r.Config);
    }

    [Theory]
    [InlineData(nameof(RhospConfigs.Render))]
    [InlineData(nameof(RhospConfigs.Numbered))]
    [InlineData(nameof(RhospConfigs.Variants))]
    public void Rhosp_configs_round_trip_through_the_printer(string which)
    {
        string text = which switch
        {
            nameof(RhospConfigs.Render) => RhospConfigs.Render,
            nameof(RhospConfigs.Numbered) => RhospConfigs.Numbered,
            _ => RhospConfigs.Variants,
        };
        var c1 = ParseOk(text);
        string p1 = ConfigPrinter.Print(c1);
        var c2 = ParseOk(p1);
        Assert.Equal(c1, c2);
        Assert.Equal(p1, ConfigPrinter.Print(c2));
    }

    [Fact]
    public void Datacenter_defaults_set_fast_timers()
    {
        var c = ParseOk(RhospConfigs.Render.Replace("frr defaults traditional", "frr defaults datacenter", StringComparison.Ordinal));
        var e = c.Bgp!.EffectiveNeighbors(c.TimerDefaults)[0];
        Assert.Equal((3, 9, 10), (e.KeepAlive, e.Hold, e.ConnectRetry));
    }

    [Fact]
    public void Printer_redacts_secrets_on_request()
    {
        var c = ParseOk(RhospConfigs.Variants);
        Assert.Contains("neighbor uplink password s3cr3t-Key", ConfigPrinter.Print(c), StringComparison.Ordinal);
        string red = ConfigPrinter.Print(c, redactSecrets: true);
        Assert.DoesNotContain("s3cr3t", red, StringComparison.Ordinal);
        Assert.Contains("neighbor uplink password <redacted>", red, StringComparison.Ordinal);
    }
}
