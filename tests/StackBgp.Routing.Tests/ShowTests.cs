using System.Collections.Immutable;
using System.Text.Json;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

public class ShowTests
{
    private static RibActor Leaf(out RecordingSender out1)
    {
        var rib = T.Actor(T.Options() with { MaxPaths = ImmutableDictionary<AddressFamily, MaxPaths>.Empty.Add(AddressFamily.Ipv4Unicast, new MaxPaths(4, 4)) });
        out1 = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, new RecordingSender(), routerId: "1.1.1.1")),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65001, new RecordingSender(), routerId: "1.1.1.2")),
            new RibCommand.PeerUp(T.Peer(3, "10.0.0.3", T.LocalAs, out1)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.10/32"));
        rib.Execute(T.Announce(2, T.Attrs("192.0.2.2", 65001), "203.0.113.10/32"));
        rib.Execute(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("10.1.1.0/24"))));
        return rib;
    }

    [Fact]
    public void Table_text_has_frr_columns_and_status_codes()
    {
        var rib = Leaf(out _);
        var text = BgpShow.FormatTable(rib.Read(a => a.SnapshotTable(AddressFamily.Ipv4Unicast)));
        Assert.Contains("BGP table version is", text);
        Assert.Contains("local router ID is 10.0.0.1", text);
        Assert.Contains("   Network          Next Hop            Metric LocPrf Weight Path\n", text);
        Assert.Contains("*> 10.1.1.0/24      0.0.0.0                  0         32768 i\n", text);
        // Newest path first (FRR's list order); the older one stays best ("Older Path").
        Assert.Contains("*= 203.0.113.10/32  192.0.2.2                              0 65001 i\n*>                  192.0.2.1                              0 65001 i\n", text);
        Assert.Contains("Displayed  2 routes and 3 total paths", text);
    }

    [Fact]
    public void Prefix_detail_marks_best_multipath_and_says_why()
    {
        var rib = Leaf(out _);
        var route = rib.Route("203.0.113.10/32")!;
        var text = BgpShow.FormatRoute(route);
        Assert.Contains("BGP routing table entry for 203.0.113.10/32", text);
        Assert.Contains("Paths: (2 available, best #2, table default)", text);
        Assert.Contains("Advertised to non peer-group peers:\n  192.0.2.1 192.0.2.2 10.0.0.3\n", text);
        Assert.Contains("    192.0.2.1 from 192.0.2.1 (1.1.1.1)\n", text);
        Assert.Contains("Origin IGP, valid, external, multipath, bestpath-from-AS 65001, best (Older Path)", text);
        Assert.Contains("Origin IGP, valid, external, multipath\n", text);
        Assert.Contains("      Last update: ", text);
    }

    [Fact]
    public void Json_is_frr_shaped()
    {
        var rib = Leaf(out _);
        using var table = JsonDocument.Parse(BgpShow.TableJson(rib.Read(a => a.SnapshotTable(AddressFamily.Ipv4Unicast))));
        var paths = table.RootElement.GetProperty("routes").GetProperty("203.0.113.10/32");
        Assert.Equal(2, paths.GetArrayLength());
        Assert.Equal(2, table.RootElement.GetProperty("totalRoutes").GetInt32());
        var best = paths.EnumerateArray().Single(p => p.TryGetProperty("bestpath", out _));
        Assert.Equal("Older Path", best.GetProperty("selectionReason").GetString());
        Assert.True(best.GetProperty("multipath").GetBoolean());
        Assert.Equal("65001", best.GetProperty("path").GetString());
        Assert.Equal("192.0.2.1", best.GetProperty("nexthops")[0].GetProperty("ip").GetString());

        using var detail = JsonDocument.Parse(BgpShow.RouteJson(rib.Route("10.1.1.0/24")!));
        var p0 = detail.RootElement.GetProperty("paths")[0];
        Assert.Equal("Local", p0.GetProperty("aspath").GetProperty("string").GetString());
        Assert.Equal(32768, p0.GetProperty("weight").GetInt32());
        Assert.Equal("First path received", p0.GetProperty("bestpath").GetProperty("selectionReason").GetString());
        Assert.True(detail.RootElement.GetProperty("advertisedTo").TryGetProperty("10.0.0.3", out _));
    }

    [Fact]
    public void Advertised_and_received_routes_use_the_table_layout()
    {
        var rib = Leaf(out _);
        var adv = rib.Read(a => a.SnapshotAdvertised(3, AddressFamily.Ipv4Unicast));
        Assert.Equal(2, adv.Routes.Length);
        var text = BgpShow.FormatTable(adv);
        Assert.Contains("203.0.113.10/32  192.0.2.1", text);
        var rcv = rib.Read(a => a.SnapshotReceived(2, AddressFamily.Ipv4Unicast));
        Assert.Single(rcv.Routes);
    }
}
