using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Config;
using StackBgp.Core;
using Xunit;

namespace StackBgp.Core.Tests;

/// <summary>
/// Graceful restart between two router instances over loopback TCP (no kernel): the restarting speaker's R/F
/// bits and deferred End-of-RIB, RFC 8538 Hard Reset on an administrative stop, and GR state in show.
/// </summary>
public sealed class GracefulRestartRouterTests
{
    private static int _nextPort = 23179 + (Environment.ProcessId % 1000) * 10;

    private static StackBgpConfig Parse(string text)
    {
        var r = ConfigParser.Parse(text, "test.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        return r.Config!;
    }

    private static (Router A, Router B) Pair(string grA, string grB, bool aRestarting, string neighborA = "")
    {
        var (a, b, _) = PairWithRestart(grA, grB, aRestarting, neighborA, stateDirectory: null);
        return (a, b);
    }

    /// <summary>Like <see cref="Pair"/>, plus a factory for a new ra (same config and ports) to start after ra stopped;
    /// with a state directory ra decides "restarting" from the graceful-stop marker there.</summary>
    private static (Router A, Router B, Func<Router> NewA) PairWithRestart(string grA, string grB, bool aRestarting, string neighborA, string? stateDirectory)
    {
        int p = Interlocked.Increment(ref _nextPort);
        var a = Parse($"""
            hostname ra
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
            {grA}
             neighbor 127.0.0.5 remote-as 65002
             neighbor 127.0.0.5 port {p}
             neighbor 127.0.0.5 update-source 127.0.0.4
             neighbor 127.0.0.5 timers connect 1
            {neighborA}
             address-family ipv4 unicast
              network 10.1.0.0/24
              neighbor 127.0.0.5 route-map NH out
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.1
            """);
        var b = Parse($"""
            hostname rb
            router bgp 65002
             bgp router-id 10.0.0.2
             no bgp ebgp-requires-policy
            {grB}
             neighbor 127.0.0.4 remote-as 65001
             neighbor 127.0.0.4 port {p}
             neighbor 127.0.0.4 update-source 127.0.0.5
             neighbor 127.0.0.4 timers connect 1
             address-family ipv4 unicast
              network 10.2.0.0/24
              neighbor 127.0.0.4 route-map NH out
             exit-address-family
            route-map NH permit 10
             set ip next-hop 192.0.2.2
            """);
        var optionsA = new RouterOptions
        {
            Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.4")],
            GracefulRestartRestarting = stateDirectory is null ? aRestarting : null, StateDirectory = stateDirectory,
        };
        Router NewA() => new(a, NullLoggerFactory.Instance, TimeProvider.System, optionsA);
        var rb = new Router(b, NullLoggerFactory.Instance, TimeProvider.System,
            new RouterOptions { Kernel = false, ListenPort = p, ListenAddresses = [IPAddress.Parse("127.0.0.5")] });
        return (NewA(), rb, NewA);
    }

    private static async Task<JsonNode> UntilJson(Router r, string command, Func<JsonNode, bool> ok, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var res = await r.ExecuteAsync(command, CancellationToken.None);
            last = res.Output + res.Error;
            if (res.Output.Length > 0 && JsonNode.Parse(res.Output) is { } j && ok(j)) return j;
            await Task.Yield();
            Thread.Yield();
        }
        Assert.Fail($"`{command}`: expected {expected}; last output:\n{last}");
        return null!;
    }

    [Fact]
    public async Task Restarting_speaker_sends_r_and_f_bits_defers_until_end_of_rib_then_clears_the_r_bit()
    {
        var (a, b) = Pair(" bgp graceful-restart\n bgp graceful-restart select-defer-time 60", "", aRestarting: true);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            // b (helper) sees a's R bit and F bit in the OPEN of this first session after a's restart
            var nb = await UntilJson(b, "show bgp neighbors json", j => (string?)j["127.0.0.4"]?["bgpState"] == "Established", "rb Established with ra");
            var gr = nb["127.0.0.4"]!["gracefulRestartInfo"]!;
            Assert.True((bool)gr["rBit"]!, gr.ToJsonString());
            Assert.True((bool)gr["nBit"]!, gr.ToJsonString());
            Assert.Equal("Restart", (string?)gr["remoteGrMode"]);
            Assert.True((bool)gr["ipv4Unicast"]!["fBit"]!, gr.ToJsonString());

            // a converges on b's End-of-RIB (not after select-defer-time 60 s): routes flow, R bit cleared
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb after ra's deferral");
            var na = await UntilJson(a, "show bgp neighbors json", j => (bool?)j["127.0.0.5"]?["gracefulRestartInfo"]?["localRestarting"] == false, "ra no longer restarting");
            Assert.True((bool)na["127.0.0.5"]!["gracefulRestartInfo"]!["endOfRibRecv"]!["ipv4Unicast"]!);
            Assert.True((bool)na["127.0.0.5"]!["gracefulRestartInfo"]!["endOfRibSend"]!["ipv4Unicast"]!);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_the_n_bit_a_stop_for_good_is_a_hard_reset_and_the_helper_drops_the_routes_at_once()
    {
        var (a, b) = Pair(" bgp graceful-restart", " bgp graceful-restart", aRestarting: false);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb");
            var nb = await UntilJson(b, "show bgp neighbors json", j => j["127.0.0.4"]?["gracefulRestartInfo"] is not null, "GR info");
            Assert.False((bool)nb["127.0.0.4"]!["gracefulRestartInfo"]!["rBit"]!); // not restarting
            // SIGINT: Cease/Administrative Shutdown even with graceful restart negotiated, sent as a Hard Reset
            await a.StopAsync(RouterStopMode.Withdraw, CancellationToken.None);
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is null, "10.1.0.0/24 removed at once (Hard Reset), not kept stale");
            string text = (await b.ExecuteAsync("show bgp neighbors 127.0.0.4", CancellationToken.None)).Output;
            Assert.Contains("Hard Reset", text, StringComparison.Ordinal);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(" bgp graceful-restart")] // N bit negotiated: without the skip this would be a Hard Reset
    [InlineData("")] // rb helper only (FRR's default)
    public async Task A_planned_stop_closes_without_notification_and_the_helper_keeps_the_routes_stale(string grB)
    {
        var (a, b) = Pair(" bgp graceful-restart", grB, aRestarting: false);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb");
            await UntilJson(a, "show bgp neighbors json", j => j["127.0.0.5"]?["gracefulRestartInfo"]?["remoteGrMode"] is not null, "ra sees rb's GR capability");
            // SIGTERM: ra announced graceful restart with families and rb announced the capability
            await a.StopAsync(CancellationToken.None);
            var routes = await UntilJson(b, "show bgp ipv4 unicast json",
                j => j["routes"]?["10.1.0.0/24"]?[0]?["stale"] is JsonValue v && v.GetValue<bool>(), "10.1.0.0/24 kept at rb, marked stale");
            Assert.Single(routes["routes"]!["10.1.0.0/24"]!.AsArray());
            string text = (await b.ExecuteAsync("show bgp neighbors 127.0.0.4", CancellationToken.None)).Output;
            Assert.DoesNotContain("Hard Reset", text, StringComparison.Ordinal);
            Assert.DoesNotContain("NOTIFICATION", text, StringComparison.Ordinal);
            Assert.Contains("Stale routes kept: 1", text, StringComparison.Ordinal);
        }
        finally
        {
            await b.StopAsync(RouterStopMode.Withdraw, CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_that_kept_no_routes_restarts_as_restarting_speaker_after_a_graceful_stop_and_only_once()
    {
        // ra only originates (no kernel routes to find at start): the marker of its graceful stop is what tells
        // the next start that its peers still hold its routes, so that it sends the R bit and defers.
        string dir = Directory.CreateTempSubdirectory("sbgp-gr-").FullName;
        var (a, b, newA) = PairWithRestart(" bgp graceful-restart", " bgp graceful-restart", aRestarting: false, "", dir);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        Router? a2 = null, a3 = null;
        try
        {
            var first = await UntilJson(b, "show bgp neighbors json", j => j["127.0.0.4"]?["gracefulRestartInfo"]?["rBit"] is not null, "ra's GR capability at rb");
            Assert.False((bool)first["127.0.0.4"]!["gracefulRestartInfo"]!["rBit"]!); // a cold start: no marker
            // both ends Established on one session with graceful restart negotiated (a connection collision
            // early on can leave the show output ahead of the session that survives)
            await UntilJson(a, "show bgp neighbors json",
                j => (string?)j["127.0.0.5"]?["bgpState"] == "Established" && j["127.0.0.5"]?["gracefulRestartInfo"]?["remoteGrMode"] is not null,
                "ra Established with rb's GR capability");
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb");
            await a.StopAsync(CancellationToken.None); // SIGTERM: graceful stop, marker written
            await a.DisposeAsync();
            Assert.True(File.Exists(Path.Combine(dir, "graceful-restart")), "the graceful stop leaves its marker");

            a2 = newA();
            await a2.StartAsync(CancellationToken.None);
            var again = await UntilJson(b, "show bgp neighbors json",
                j => (string?)j["127.0.0.4"]?["bgpState"] == "Established" && (bool?)j["127.0.0.4"]?["gracefulRestartInfo"]?["rBit"] == true,
                "rb sees the R bit of the restarted ra");
            Assert.False(File.Exists(Path.Combine(dir, "graceful-restart")), "the marker is good for one start");
            await a2.StopAsync(RouterStopMode.Withdraw, CancellationToken.None); // SIGINT: stop for good, no marker
            await a2.DisposeAsync();
            Assert.False(File.Exists(Path.Combine(dir, "graceful-restart")), "a stop for good leaves no marker");

            a3 = newA();
            await a3.StartAsync(CancellationToken.None);
            await UntilJson(b, "show bgp neighbors json",
                j => (string?)j["127.0.0.4"]?["bgpState"] == "Established" && (bool?)j["127.0.0.4"]?["gracefulRestartInfo"]?["rBit"] == false,
                "a cold start again after a stop for good: no R bit");
        }
        finally
        {
            await b.StopAsync(RouterStopMode.Withdraw, CancellationToken.None);
            if (a3 is not null) await a3.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_expired_graceful_stop_marker_is_ignored_and_removed()
    {
        string dir = Directory.CreateTempSubdirectory("sbgp-gr-").FullName;
        // the peers' restart time ran out an hour ago: they dropped our routes, this is a cold start
        File.WriteAllText(Path.Combine(dir, "graceful-restart"), (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (a, b, _) = PairWithRestart(" bgp graceful-restart", " bgp graceful-restart", aRestarting: false, "", dir);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await UntilJson(b, "show bgp neighbors json",
                j => (string?)j["127.0.0.4"]?["bgpState"] == "Established" && (bool?)j["127.0.0.4"]?["gracefulRestartInfo"]?["rBit"] == false,
                "no R bit after an expired marker");
            Assert.False(File.Exists(Path.Combine(dir, "graceful-restart")));
        }
        finally
        {
            await b.StopAsync(RouterStopMode.Withdraw, CancellationToken.None);
            await a.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_planned_stop_sends_cease_administrative_shutdown_to_a_peer_without_graceful_restart()
    {
        var (a, b) = Pair(" bgp graceful-restart", " bgp graceful-restart-disable", aRestarting: false);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb");
            await a.StopAsync(CancellationToken.None);
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is null, "10.1.0.0/24 withdrawn at once (rb announced no graceful restart)");
            string text = (await b.ExecuteAsync("show bgp neighbors 127.0.0.4", CancellationToken.None)).Output;
            Assert.Contains("Administrative Shutdown", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Hard Reset", text, StringComparison.Ordinal);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_planned_stop_of_a_helper_only_speaker_sends_a_hard_reset()
    {
        // ra only helper (no 'bgp graceful-restart'): it does not preserve forwarding, so it may not pretend to restart
        var (a, b) = Pair("", " bgp graceful-restart", aRestarting: false);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is not null, "ra's route at rb");
            await UntilJson(b, "show bgp neighbors json", j => j["127.0.0.4"]?["gracefulRestartInfo"]?["nBit"] is JsonValue v && v.GetValue<bool>(), "N bit negotiated");
            await a.StopAsync(CancellationToken.None);
            await UntilJson(b, "show bgp ipv4 unicast json", j => j["routes"]?["10.1.0.0/24"] is null, "10.1.0.0/24 withdrawn at once (ra is helper only)");
            string text = (await b.ExecuteAsync("show bgp neighbors 127.0.0.4", CancellationToken.None)).Output;
            Assert.Contains("Hard Reset", text, StringComparison.Ordinal);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("", "Restart", "Restart")]
    [InlineData(" neighbor 127.0.0.5 graceful-restart-helper", "Helper", "Helper")]
    [InlineData(" neighbor 127.0.0.5 graceful-restart-disable", "Disable", "Disable")]
    public async Task Per_neighbor_mode_decides_what_is_announced(string neighborA, string localMode, string seenByPeer)
    {
        var (a, b) = Pair(" bgp graceful-restart", "", aRestarting: false, neighborA: neighborA);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            // (the session publishes Established a moment before its negotiation: wait for both)
            var nb = await UntilJson(b, "show bgp neighbors json", j => (string?)j["127.0.0.4"]?["bgpState"] == "Established"
                && (string?)j["127.0.0.4"]?["gracefulRestartInfo"]?["remoteGrMode"] != "Unknown", "rb Established with ra");
            Assert.Equal(seenByPeer, (string?)nb["127.0.0.4"]!["gracefulRestartInfo"]!["remoteGrMode"]);
            var na = await UntilJson(a, "show bgp neighbors json", j => (string?)j["127.0.0.5"]?["bgpState"] == "Established"
                && (string?)j["127.0.0.5"]?["gracefulRestartInfo"]?["remoteGrMode"] != "Unknown", "ra Established with rb");
            Assert.Equal(localMode, (string?)na["127.0.0.5"]!["gracefulRestartInfo"]!["localGrMode"]);
            // rb is helper only (the default): ra sees its capability without families
            Assert.Equal("Helper", (string?)na["127.0.0.5"]!["gracefulRestartInfo"]!["remoteGrMode"]);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public void Select_defer_time_is_parsed_printed_and_range_checked()
    {
        var c = Parse("router bgp 65001\n bgp graceful-restart select-defer-time 45\n");
        Assert.Equal(45, c.Bgp!.GracefulRestartSelectDeferTime);
        Assert.Contains("bgp graceful-restart select-defer-time 45", ConfigPrinter.Print(c), StringComparison.Ordinal);
        Assert.False(ConfigParser.Parse("router bgp 65001\n bgp graceful-restart select-defer-time 4000\n", "x").IsValid);
    }
}
