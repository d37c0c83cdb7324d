using System.Net;
using StackBgp.Linux.Links;
using StackBgp.Linux.Neighbors;
using Xunit;

namespace StackBgp.Linux.Tests;

/// <summary>Two namespaces joined by a veth pair (va in A, vb in B), IPv6 DAD off so link-local
/// addresses are usable at once.</summary>
public sealed class NeighborTests : IDisposable
{
    private readonly LabNamespace _a = new(withVeth: false);
    private readonly LabNamespace _b = new(withVeth: false);

    public NeighborTests()
    {
        foreach (LabNamespace ns in new[] { _a, _b })
        {
            LabNamespace.Run("ip", $"netns exec {ns.Name} sysctl -qw net.ipv6.conf.default.accept_dad=0");
        }

        LabNamespace.Ip($"link add va netns {_a.Name} type veth peer name vb netns {_b.Name}");
        _a.Exec("link set va up");
        _b.Exec("link set vb up");
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static (string LinkLocal, string Mac) Identity(LabNamespace ns, string dev)
    {
        var addr = ns.Json($"-6 addr show dev {dev} scope link")[0];
        string ll = addr.GetProperty("addr_info").EnumerateArray().First().GetProperty("local").GetString()!;
        string mac = ns.Json($"link show dev {dev}")[0].GetProperty("address").GetString()!;
        return (ll, mac);
    }

    [Fact]
    public async Task The_peers_link_local_address_is_found_in_the_neighbor_table()
    {
        await using var watcher = new NeighborWatcher(_a.Name);
        await watcher.StartAsync();
        int va = _a.IfIndex("va");
        Task<IPAddress> found = watcher.WaitForLinkLocalNeighborAsync(va);
        Assert.False(found.IsCompleted);

        (string peerLl, string peerMac) = Identity(_b, "vb");
        LabNamespace.Run("ip", $"netns exec {_a.Name} ping -6 -c 1 -W 5 {peerLl}%va");

        IPAddress peer = await found.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Parse(peerLl), new IPAddress(peer.GetAddressBytes()));
        Assert.Equal(va, (int)peer.ScopeId);
        Assert.Contains(watcher.Neighbors, n => n.IfIndex == va && n.LinkLayerAddress == peerMac);
    }

    [Fact]
    public async Task Router_advertisements_make_each_end_learn_the_others_link_local_address()
    {
        var linksA = (await ListLinks(_a.Name)).Single(l => l.Name == "va");
        var linksB = (await ListLinks(_b.Name)).Single(l => l.Name == "vb");
        await using var neighborsA = new NeighborWatcher(_a.Name);
        await neighborsA.StartAsync();

        await using var raA = new RouterAdvertisements("va", linksA.IfIndex, linksA.LinkLayerAddress, new RouterAdvertisementOptions { NetNamespace = _a.Name });
        await using var raB = new RouterAdvertisements("vb", linksB.IfIndex, linksB.LinkLayerAddress, new RouterAdvertisementOptions { NetNamespace = _b.Name });
        raA.Start();
        raB.Start();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        RouterAdvertisementReceived heardByA = await raA.Received.ReadAsync(deadline.Token);
        RouterAdvertisementReceived heardByB = await raB.Received.ReadAsync(deadline.Token);

        (string llB, string macB) = Identity(_b, "vb");
        (string llA, _) = Identity(_a, "va");
        Assert.Equal(IPAddress.Parse(llB), new IPAddress(heardByA.Source.GetAddressBytes()));
        Assert.Equal(linksA.IfIndex, (int)heardByA.Source.ScopeId);
        Assert.Equal(macB, heardByA.SourceLinkLayerAddress);
        Assert.Equal(TimeSpan.Zero, heardByA.RouterLifetime);
        Assert.Equal(IPAddress.Parse(llA), new IPAddress(heardByB.Source.GetAddressBytes()));
        Assert.Equal(heardByA.Source, raA.PeerLinkLocal);

        // The kernel learned B as a router neighbor from its advertisement, as zebra relies on.
        IPAddress viaNeighbors = await neighborsA.WaitForLinkLocalNeighborAsync(linksA.IfIndex).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Parse(llB), new IPAddress(viaNeighbors.GetAddressBytes()));
        Assert.Contains(neighborsA.Neighbors, n => n.IfIndex == linksA.IfIndex && n.IsRouter);

        // No default route: router lifetime 0.
        Assert.Empty(_a.Routes6("default"));
    }

    [Fact]
    public void Advertisement_encoding_round_trips()
    {
        byte[] ra = RouterAdvertisements.BuildAdvertisement(TimeSpan.FromSeconds(1800), [0x02, 0, 0x5e, 0x10, 0, 1]);
        Assert.Equal(24, ra.Length);
        Assert.Equal(134, ra[0]);
        Assert.True(RouterAdvertisements.TryParseAdvertisement(ra, out TimeSpan lifetime, out string? sll));
        Assert.Equal(TimeSpan.FromSeconds(1800), lifetime);
        Assert.Equal("02:00:5e:10:00:01", sll);

        ra[17] = 0; // option length 0 → invalid (RFC 4861 §6.1.2)
        Assert.False(RouterAdvertisements.TryParseAdvertisement(ra, out _, out _));
    }

    private static async Task<List<LinkInfo>> ListLinks(string ns)
    {
        using var client = NetlinkRouteClient.Open(ns);
        return await client.DumpLinksAsync();
    }
}
