using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 4 point 6: stackbgpd as an RFC 4456 route reflector (AS 65000, <c>bgp cluster-id</c>) between a GoBGP
/// client and a BIRD client, with two FRR non-clients. Every speaker sits in its own namespace on its own
/// /30 to the reflector: R = 1 GoBGP, 2 BIRD, 3 FRR non-client 1, 4 FRR non-client 2; reflector 10.0.R.1,
/// speaker 10.0.R.2. The clients and non-clients reach each other's next hops through a route via the
/// reflector (a static route in BIRD, kernel routes for FRR; GoBGP does not check next hops), because a
/// reflector leaves the next hop unchanged.
/// </summary>
public sealed class RouteReflectorTests(ITestOutputHelper output)
{
    private const string ClusterId = "10.255.255.254";
    private const string RrId = "10.255.0.1";
    private const string GoBgpNet = "198.51.100.0/24";
    private const string BirdNet = "203.0.113.0/24";
    private const string FrrNet = "192.0.2.0/24";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private static string Rr(int r) => string.Create(CultureInfo.InvariantCulture, $"10.0.{r}.1");

    private static string Spk(int r) => string.Create(CultureInfo.InvariantCulture, $"10.0.{r}.2");

    private static string StackRrConfig() => $"""
        hostname rr
        router bgp 65000
         bgp router-id {RrId}
         bgp cluster-id {ClusterId}
         no bgp default ipv4-unicast
         neighbor {Spk(1)} remote-as internal
         neighbor {Spk(1)} timers connect 1
         neighbor {Spk(2)} remote-as internal
         neighbor {Spk(2)} timers connect 1
         neighbor {Spk(3)} remote-as internal
         neighbor {Spk(3)} timers connect 1
         neighbor {Spk(4)} remote-as internal
         neighbor {Spk(4)} timers connect 1
         address-family ipv4 unicast
          neighbor {Spk(1)} activate
          neighbor {Spk(1)} route-reflector-client
          neighbor {Spk(2)} activate
          neighbor {Spk(2)} route-reflector-client
          neighbor {Spk(3)} activate
          neighbor {Spk(4)} activate
         exit-address-family
        exit

        """;

    private static string GoBgpConfig() => $"""
        [global.config]
          as = 65000
          router-id = "{Spk(1)}"
          port = 179
        [[neighbors]]
          [neighbors.config]
            neighbor-address = "{Rr(1)}"
            peer-as = 65000
          [neighbors.timers.config]
            connect-retry = 1
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "ipv4-unicast"

        """;

    // multihop (BIRD's iBGP default) resolves next hops recursively through the static 10.0.0.0/16 route.
    private static string BirdConfig() => $$"""
        router id {{Spk(2)}};
        protocol device {}
        protocol static viarr { ipv4; route 10.0.0.0/16 via {{Rr(2)}}; }
        protocol static announced { ipv4; route {{BirdNet}} blackhole; }
        protocol bgp reflector {
          local {{Spk(2)}} as 65000;
          neighbor {{Rr(2)}} as 65000;
          connect retry time 1;
          ipv4 { import all; export where proto = "announced"; };
        }

        """;

    private static string FrrConfig(int r, bool announce) => string.Create(CultureInfo.InvariantCulture, $"""
        frr defaults traditional
        hostname nonclient-{r}
        log stdout informational
        router bgp 65000
         bgp router-id {Spk(r)}
         no bgp default ipv4-unicast
         no bgp network import-check
         neighbor {Rr(r)} remote-as internal
         neighbor {Rr(r)} timers connect 1
         address-family ipv4 unicast
          {(announce ? "network " + FrrNet : "")}
          neighbor {Rr(r)} activate
         exit-address-family
        exit

        """);

    [Fact]
    public void Stackbgp_reflects_between_gobgp_and_bird_clients_and_follows_rfc4456_for_non_clients()
    {
        var owned = new List<IDisposable>();
        try
        {
            NetNs rr = NetNs.Create();
            owned.Add(rr);
            var ns = new NetNs[5];
            for (int r = 1; r <= 4; r++)
            {
                ns[r] = NetNs.Create();
                owned.Add(ns[r]);
                Veth.Numbered(rr, ns[r], Rr(r) + "/30", Spk(r) + "/30");
            }

            // FRR's zebra resolves next hops through kernel routes.
            ns[3].Ip("route", "add", "10.0.0.0/16", "via", Rr(3));
            ns[4].Ip("route", "add", "10.0.0.0/16", "via", Rr(4));

            var stack = StackBgpInstance.Start(rr, StackRrConfig(), output.WriteLine);
            owned.Add(stack);
            var gobgp = GoBgpInstance.Start(ns[1], GoBgpConfig(), log: output.WriteLine);
            owned.Add(gobgp);
            var bird = BirdInstance.Start(ns[2], BirdConfig(), output.WriteLine);
            owned.Add(bird);
            var frr1 = FrrInstance.Start(ns[3], FrrConfig(3, announce: true), log: output.WriteLine);
            owned.Add(frr1);
            var frr2 = FrrInstance.Start(ns[4], FrrConfig(4, announce: false), log: output.WriteLine);
            owned.Add(frr2);

            for (int r = 1; r <= 4; r++)
            {
                PeeringTests.WaitStack(stack, Spk(r));
            }

            gobgp.AddRoute(GoBgpNet, "nexthop", Spk(1));

            // GoBGP client → BIRD client: ORIGINATOR_ID = GoBGP's router id, CLUSTER_LIST = [cluster-id], next hop unchanged.
            string b = Poll.Until(() => bird.Route(GoBgpNet), s => s.Length > 0, Converge,
                $"BIRD client to get GoBGP's {GoBgpNet} reflected; stackbgpd: {stack.Paths(GoBgpNet).ToJsonString()}");
            output.WriteLine("BIRD:\n" + b);
            Assert.Contains("BGP.originator_id: " + Spk(1), b, StringComparison.Ordinal);
            Assert.Contains("BGP.cluster_list: " + ClusterId, b, StringComparison.Ordinal);
            Assert.DoesNotContain("BGP.cluster_list: " + ClusterId + " ", b, StringComparison.Ordinal); // exactly one entry
            Assert.Contains("BGP.next_hop: " + Spk(1), b, StringComparison.Ordinal);
            Assert.DoesNotContain("unreachable", b, StringComparison.Ordinal); // resolved: usable route

            // ... and to the FRR non-clients (client routes go to everyone).
            foreach (var f in new[] { frr1, frr2 })
            {
                JsonNode p = Poll.Until(() => FrrPath(f, GoBgpNet), x => x is not null, Converge,
                    $"FRR non-client in {f.Ns.Name} to get GoBGP's {GoBgpNet}")!;
                AssertFrrReflected(p, Spk(1), Spk(1));
            }

            // BIRD client → GoBGP client.
            JsonArray g = Poll.Until(() => gobgp.Paths(BirdNet), x => x.Count > 0, Converge,
                $"GoBGP client to get BIRD's {BirdNet} reflected; stackbgpd: {stack.Paths(BirdNet).ToJsonString()}");
            output.WriteLine("GoBGP: " + g.ToJsonString());
            AssertGoBgpReflected(g, originator: Spk(2), nextHop: Spk(2));

            // Non-client FRR 1 → both clients (reflected), but not to the other non-client FRR 2 (RFC 4456 §6).
            JsonArray gf = Poll.Until(() => gobgp.Paths(FrrNet), x => x.Count > 0, Converge,
                $"GoBGP client to get non-client FRR's {FrrNet}");
            AssertGoBgpReflected(gf, originator: Spk(3), nextHop: Spk(3));
            string bf = Poll.Until(() => bird.Route(FrrNet), s => s.Length > 0, Converge, $"BIRD client to get non-client FRR's {FrrNet}");
            Assert.Contains("BGP.originator_id: " + Spk(3), bf, StringComparison.Ordinal);
            Assert.Contains("BGP.cluster_list: " + ClusterId, bf, StringComparison.Ordinal);
            Assert.Contains("BGP.next_hop: " + Spk(3), bf, StringComparison.Ordinal);

            // The reflector has it; FRR 2 must not. Client routes reached FRR 2 above, so its session carries
            // routes: the absence is the rule, not a dead session. Check the reflector's advertised routes too.
            JsonNode adv = stack.CliJson($"show bgp ipv4 unicast neighbors {Spk(4)} advertised-routes json");
            output.WriteLine("advertised to FRR 2: " + adv.ToJsonString());
            Assert.Contains(GoBgpNet, adv.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain(FrrNet, adv.ToJsonString(), StringComparison.Ordinal);
            Assert.Empty(frr2.Paths(FrrNet));

            // The reflector's own view: the client route with the client's path marked as such.
            Assert.NotEmpty(stack.Paths(GoBgpNet));

            // A withdraw at the GoBGP client reaches the BIRD client and the non-clients.
            gobgp.DeleteRoute(GoBgpNet);
            Poll.Until(() => bird.Route(GoBgpNet).Length == 0, Converge,
                () => $"BIRD to drop {GoBgpNet} after GoBGP withdrew it; seen:\n{bird.Route(GoBgpNet)}");
            Poll.Until(() => frr1.Paths(GoBgpNet).Count == 0 && frr2.Paths(GoBgpNet).Count == 0, Converge,
                () => $"FRR non-clients to drop {GoBgpNet}; seen: {frr1.Paths(GoBgpNet).ToJsonString()} {frr2.Paths(GoBgpNet).ToJsonString()}");
            Assert.Empty(stack.Paths(GoBgpNet));
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }

    private static void AssertGoBgpReflected(JsonArray paths, string originator, string nextHop)
    {
        string seen = paths.ToJsonString();
        JsonArray attrs = paths[0]!["attrs"]!.AsArray();
        JsonNode? Attr(int type) => attrs.FirstOrDefault(a => a?["type"]?.GetValue<int>() == type);
        Assert.True(Attr(9)?["value"]?.GetValue<string>() == originator, $"GoBGP ORIGINATOR_ID {originator}; seen: {seen}");
        JsonArray? clusters = Attr(10)?["value"] as JsonArray;
        Assert.True(clusters is { Count: 1 } && clusters[0]!.GetValue<string>() == ClusterId, $"GoBGP CLUSTER_LIST [{ClusterId}]; seen: {seen}");
        Assert.True(Attr(3)?["nexthop"]?.GetValue<string>() == nextHop, $"GoBGP next hop {nextHop} (unchanged); seen: {seen}");
    }

    private static void AssertFrrReflected(JsonNode path, string originator, string nextHop)
    {
        string seen = path.ToJsonString();
        Assert.True(path["originatorId"]?.GetValue<string>() == originator, $"FRR originatorId {originator}; seen: {seen}");
        JsonArray? list = path["clusterList"]?["list"] as JsonArray;
        Assert.True(list is { Count: 1 } && list[0]!.GetValue<string>() == ClusterId, $"FRR clusterList [{ClusterId}]; seen: {seen}");
        Assert.True(path["nexthops"]?.AsArray().Any(h => h?["ip"]?.GetValue<string>() == nextHop) == true, $"FRR next hop {nextHop}; seen: {seen}");
        Assert.True(path["valid"]?.GetValue<bool>() == true, $"FRR path valid (next hop resolved); seen: {seen}");
    }

    private static JsonNode? FrrPath(FrrInstance f, string prefix) =>
        f.Paths(prefix).Count == 0 ? null : f.VtyshJson($"show bgp ipv4 unicast {prefix} json")["paths"]?.AsArray().FirstOrDefault();
}
