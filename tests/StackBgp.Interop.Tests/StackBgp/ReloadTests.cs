using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Reload in place (SIGHUP) against FRR 8.4: an outbound policy change is applied without a session reset,
/// a removed neighbor is told (Cease) and goes, and putting it back brings the session up again.
/// BFD and unnumbered reloads are in <see cref="BfdTests"/> and <see cref="UnnumberedTests"/>.
/// </summary>
public sealed class ReloadTests(ITestOutputHelper output)
{
    private const string Leaf = "10.0.0.1";
    private const string Node = "10.0.0.2";
    private const string NodeNet1 = "10.200.1.0/24";
    private const string NodeNet2 = "10.200.2.0/24";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private static string StackConfig(bool withNeighbor, string outPolicy = "") =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname node
            router bgp 65010
             bgp router-id {Node}
             no bgp ebgp-requires-policy
             no bgp network import-check
            {(withNeighbor ? $" neighbor {Leaf} remote-as 65000\n neighbor {Leaf} timers connect 1\n" : "")} address-family ipv4 unicast
              network {NodeNet1}
              network {NodeNet2}
            {(withNeighbor ? $"  neighbor {Leaf} activate\n" : "")}{outPolicy} exit-address-family
            exit
            ip prefix-list only-net1 seq 5 permit {NodeNet1}
            """) + "\n";

    private const string FrrConfig = $"""
        frr defaults traditional
        hostname leaf
        log stdout informational
        router bgp 65000
         bgp router-id {Leaf}
         no bgp ebgp-requires-policy
         neighbor {Node} remote-as 65010
         neighbor {Node} timers connect 1
        !

        """;

    [Fact]
    public void A_reload_applies_an_outbound_prefix_list_without_a_reset_removes_and_re_adds_a_neighbor()
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        Veth.Numbered(leaf, node, Leaf + "/30", Node + "/30");
        using FrrInstance frr = FrrInstance.Start(leaf, FrrConfig, log: output.WriteLine);
        using StackBgpInstance stack = StackBgpInstance.Start(node, StackConfig(withNeighbor: true), output.WriteLine);
        frr.WaitEstablished(Node, Converge);
        Poll.Until(() => frr.Paths(NodeNet1).Count == 1 && frr.Paths(NodeNet2).Count == 1, Converge,
            () => $"FRR to learn {NodeNet1} and {NodeNet2}; seen {frr.BgpRoutes().ToJsonString()}");
        int established = Established(frr);

        // outbound prefix-list added: the route it denies is withdrawn, the session stays
        stack.Reload(StackConfig(withNeighbor: true, outPolicy: $"  neighbor {Leaf} prefix-list only-net1 out\n"));
        Poll.Until(() => frr.Paths(NodeNet2).Count == 0, Converge,
            () => $"FRR to lose {NodeNet2} after the outbound prefix-list was added; seen {frr.BgpRoutes().ToJsonString()}\n{stack.Output}");
        Assert.Single(frr.Paths(NodeNet1));
        Assert.Equal(established, Established(frr));
        Assert.Equal("Established", frr.NeighborState(Node));

        // neighbor removed: told with a Cease, gone on both sides
        long notifications = frr.BgpNeighbors()[Node]?["messageStats"]?["notificationsRecv"]?.GetValue<long>() ?? 0;
        stack.Reload(StackConfig(withNeighbor: false));
        Poll.Until(() => stack.NeighborState(Leaf) == "absent" && frr.NeighborState(Node) != "Established", Converge,
            () => $"the session to end after the neighbor was removed; stackbgpd {stack.NeighborState(Leaf)}, FRR {frr.NeighborState(Node)}");
        Assert.True((frr.BgpNeighbors()[Node]?["messageStats"]?["notificationsRecv"]?.GetValue<long>() ?? 0) > notifications,
            "FRR received a NOTIFICATION (Cease) for the removed neighbor");
        Poll.Until(() => frr.Paths(NodeNet1).Count == 0, Converge, () => $"FRR to drop {NodeNet1}; seen {frr.BgpRoutes().ToJsonString()}");

        // and back
        stack.Reload(StackConfig(withNeighbor: true));
        frr.WaitEstablished(Node, Converge);
        Poll.Until(() => frr.Paths(NodeNet1).Count == 1 && frr.Paths(NodeNet2).Count == 1, Converge,
            () => $"FRR to learn both networks again; seen {frr.BgpRoutes().ToJsonString()}");
    }

    private static int Established(FrrInstance frr) =>
        frr.BgpNeighbors()[Node]?["connectionsEstablished"]?.GetValue<int>() ?? throw new InvalidOperationException(frr.BgpNeighbors().ToJsonString());
}
