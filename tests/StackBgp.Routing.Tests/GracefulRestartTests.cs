using Microsoft.Extensions.Time.Testing;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>
/// Graceful restart in the RIB (RFC 4724 helper and restarting speaker, RFC 9494 long-lived): every timer
/// runs on a FakeTimeProvider inside the started actor, so the tests advance time instead of sleeping.
/// </summary>
public sealed class GracefulRestartTests : IAsyncDisposable
{
    private static readonly AddressFamily V4 = AddressFamily.Ipv4Unicast;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingFib _fib = new();
    private RibActor _rib;

    public GracefulRestartTests()
    {
        _rib = Start(T.Options());
    }

    private RibActor Start(RibOptions options)
    {
        var rib = new RibActor(options, WireUpdateEncoder.Instance, _fib, _time);
        rib.Start();
        return rib;
    }

    public async ValueTask DisposeAsync() => await _rib.StopAsync();

    private async Task Post(params RibCommand[] commands)
    {
        foreach (var c in commands) await _rib.PostAsync(c);
        await _rib.BarrierAsync();
    }

    /// <summary>Advances the fake clock (timers post to the actor) and waits until the actor has handled what they posted.</summary>
    private async Task Advance(int seconds)
    {
        _time.Advance(TimeSpan.FromSeconds(seconds));
        await _rib.BarrierAsync();
    }

    private async Task<BgpPathSnapshot?> Path(string prefix, int peerAs = 0)
    {
        var r = await _rib.GetRouteAsync(T.P(prefix));
        return r?.Paths.FirstOrDefault(p => peerAs == 0 || p.PeerAs == (uint)peerAs);
    }

    private static PeerDescriptor Peer(int id, string address, uint asn, RecordingSender s, PeerGracefulRestart? gr) =>
        T.Peer(id, address, asn, s) with { GracefulRestart = gr };

    private async Task UpWithRoutes(PeerDescriptor p, params string[] prefixes) =>
        await Post(new RibCommand.PeerUp(p), T.Announce(p.Id, T.Attrs(p.Address.ToString(), p.PeerAs), prefixes));

    [Fact]
    public async Task Without_the_peers_capability_routes_are_withdrawn_at_once_even_when_the_helper_would_keep_them()
    {
        var s = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, gr: null), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.Null(await Path("203.0.113.0/24"));
        Assert.False(_fib.Current.ContainsKey(T.P("203.0.113.0/24")));
    }

    [Fact]
    public async Task Helper_keeps_stale_routes_in_the_fib_for_the_restart_time_then_removes_them()
    {
        var s = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, T.Gr(restartSeconds: 120)), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.True((await Path("203.0.113.0/24"))!.Stale);
        Assert.True(_fib.Current.ContainsKey(T.P("203.0.113.0/24")), "stale route must stay in the FIB (forwarding kept)");
        var n = (await _rib.GetNeighborsAsync()).Single();
        Assert.False(n.Up);
        Assert.Equal(1, n.StalePaths);
        Assert.True(n.RestartTimerRunning);

        await Advance(119);
        Assert.NotNull(await Path("203.0.113.0/24"));
        await Advance(1);
        Assert.Null(await Path("203.0.113.0/24"));
        Assert.False(_fib.Current.ContainsKey(T.P("203.0.113.0/24")));
        Assert.Empty(await _rib.GetNeighborsAsync()); // nothing kept: the down peer is forgotten
    }

    [Fact]
    public async Task Peer_back_in_time_stops_the_restart_timer_and_end_of_rib_sweeps_what_it_did_not_resend()
    {
        var s = new RecordingSender();
        var p = Peer(1, "192.0.2.1", 65001, s, T.Gr(restartSeconds: 120));
        await UpWithRoutes(p, "203.0.113.0/24", "198.51.100.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        await Advance(60);
        await UpWithRoutes(p, "203.0.113.0/24");
        Assert.False((await Path("203.0.113.0/24"))!.Stale);
        Assert.True((await Path("198.51.100.0/24"))!.Stale);
        await Advance(120); // the restart timer no longer runs; stalepath-time (360 s) has not passed
        Assert.NotNull(await Path("198.51.100.0/24"));
        await Post(new RibCommand.EndOfRib(1, V4));
        Assert.Null(await Path("198.51.100.0/24"));
        Assert.NotNull(await Path("203.0.113.0/24"));
        var n = (await _rib.GetNeighborsAsync()).Single();
        Assert.Equal(0, n.StalePaths);
        Assert.Null(n.StaleSince);
        Assert.False(n.StalePathTimerRunning);
    }

    [Fact]
    public async Task Stalepath_time_removes_stale_routes_when_the_peer_sends_no_end_of_rib()
    {
        await _rib.StopAsync();
        _rib = Start(T.Options() with { StalePathTime = TimeSpan.FromSeconds(30) });
        var s = new RecordingSender();
        var p = Peer(1, "192.0.2.1", 65001, s, T.Gr());
        await UpWithRoutes(p, "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true), new RibCommand.PeerUp(p));
        Assert.True((await Path("203.0.113.0/24"))!.Stale);
        Assert.True((await _rib.GetNeighborsAsync()).Single().StalePathTimerRunning);
        await Advance(29);
        Assert.NotNull(await Path("203.0.113.0/24"));
        await Advance(1);
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task F_bit_clear_in_the_new_open_removes_the_stale_routes_when_the_session_is_back()
    {
        var s = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, T.Gr()), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.NotNull(await Path("203.0.113.0/24"));
        // RFC 4724 §4.2: the restarted peer did not keep its forwarding state for IPv4 unicast.
        await Post(new RibCommand.PeerUp(Peer(1, "192.0.2.1", 65001, s, T.Gr(forwarding: false))));
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task Capability_gone_after_the_restart_removes_the_stale_routes_too()
    {
        var s = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, T.Gr()), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true), new RibCommand.PeerUp(Peer(1, "192.0.2.1", 65001, s, gr: null)));
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task Families_not_in_the_capability_are_withdrawn_at_the_session_drop()
    {
        var s = new RecordingSender();
        var gr = T.Gr() with { Families = [AddressFamily.Ipv6Unicast], ForwardingPreserved = [AddressFamily.Ipv6Unicast] };
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, gr), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task A_second_drop_without_graceful_restart_removes_the_stale_routes()
    {
        var s = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s, T.Gr()), "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true), new RibCommand.PeerDown(1, KeepStale: false));
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task Long_lived_stale_after_the_restart_time_marks_llgr_stale_drops_no_llgr_and_is_least_preferred()
    {
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        var s3 = new RecordingSender();
        var s4 = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s1, T.Gr(restartSeconds: 10, longLivedSeconds: 3600)), "203.0.113.0/24");
        var noLlgr = T.Attrs("192.0.2.1", 65001) with { Communities = [Community.NoLlgr] };
        await Post(T.Announce(1, noLlgr, "198.51.100.0/24"));
        // a second, longer path from another peer: normally worse (AS path), better once the first is LLGR stale
        await UpWithRoutes(Peer(2, "192.0.2.2", 65002, s2, gr: null), "192.0.2.128/25");
        await Post(T.Announce(2, T.Attrs("192.0.2.2", 65002, 65010, 65011), "203.0.113.0/24"));
        // receivers: one LLGR-capable, one not
        await Post(new RibCommand.PeerUp(T.Peer(3, "192.0.2.3", 65003, s3) with { LongLivedGracefulRestartReceiver = true }),
            new RibCommand.PeerUp(T.Peer(4, "192.0.2.4", 65004, s4)));
        Assert.Equal(65001u, (await Path("203.0.113.0/24", 65001))!.PeerAs);
        Assert.True((await _rib.GetRouteAsync(T.P("203.0.113.0/24")))!.BestPath!.PeerAs == 65001);

        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        await Advance(10);
        var stale = (await Path("203.0.113.0/24", 65001))!;
        Assert.True(stale.Stale);
        Assert.Contains(Community.LlgrStale, stale.Attributes.Communities);
        Assert.Null(await Path("198.51.100.0/24")); // NO_LLGR: removed instead of kept
        var route = (await _rib.GetRouteAsync(T.P("203.0.113.0/24")))!;
        Assert.Equal(65002u, route.BestPath!.PeerAs);
        Assert.Equal(BestPathReason.Stale, route.Reason);
        Assert.Equal(V4, Assert.Single((await _rib.GetNeighborsAsync()).Single(n => n.PeerId == 1).LongLivedStale));

        // peer 2 withdraws: the LLGR stale path is best again; sent with LLGR_STALE to the LLGR peer only
        s3.Drain();
        s4.Drain();
        await Post(T.Withdraw(2, "203.0.113.0/24"));
        var to3 = T.Summarize(s3.Drain());
        Assert.Contains(Community.LlgrStale, to3.Announced[T.P("203.0.113.0/24")].Communities);
        var to4 = T.Summarize(s4.Drain());
        Assert.False(to4.Announced.ContainsKey(T.P("203.0.113.0/24")));
        Assert.Contains(T.P("203.0.113.0/24"), to4.Withdrawn);

        await Advance(3599);
        Assert.NotNull(await Path("203.0.113.0/24", 65001));
        await Advance(1);
        Assert.Null(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task Restart_time_zero_goes_straight_to_long_lived_stale_and_a_refresh_clears_it()
    {
        var s = new RecordingSender();
        var p = Peer(1, "192.0.2.1", 65001, s, T.Gr(restartSeconds: 0, longLivedSeconds: 60));
        await UpWithRoutes(p, "203.0.113.0/24");
        await Post(new RibCommand.PeerDown(1, KeepStale: true));
        Assert.Contains(Community.LlgrStale, (await Path("203.0.113.0/24"))!.Attributes.Communities);
        await UpWithRoutes(p, "203.0.113.0/24");
        var fresh = (await Path("203.0.113.0/24"))!;
        Assert.False(fresh.Stale);
        Assert.DoesNotContain(Community.LlgrStale, fresh.Attributes.Communities);
        await Advance(60); // the long-lived timer was stopped when the peer came back
        Assert.NotNull(await Path("203.0.113.0/24"));
    }

    [Fact]
    public async Task Restarting_speaker_defers_advertisement_and_end_of_rib_until_every_gr_peer_sent_end_of_rib()
    {
        await _rib.StopAsync();
        _rib = Start(T.Options() with { SelectDeferTime = TimeSpan.FromSeconds(360) });
        Assert.True(await _rib.IsSelectionDeferredAsync());
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        var s3 = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s1, T.Gr()), "203.0.113.0/24");
        await UpWithRoutes(Peer(2, "192.0.2.2", 65002, s2, T.Gr()), "198.51.100.0/24");
        await Post(new RibCommand.PeerUp(Peer(3, "192.0.2.3", 65003, s3, gr: null))); // not GR: not waited for
        await Post(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.0.2.0/25"))));
        Assert.Empty(s1.Drain());
        Assert.Empty(s3.Drain());
        Assert.True(_fib.Current.ContainsKey(T.P("203.0.113.0/24")), "learned routes go to the FIB at once (same as the kept kernel routes)");
        Assert.Empty(_fib.ConvergedAfter);

        await Post(new RibCommand.EndOfRib(1, V4));
        Assert.Empty(s2.Drain());
        Assert.True(await _rib.IsSelectionDeferredAsync());
        await Post(new RibCommand.EndOfRib(2, V4));
        Assert.False(await _rib.IsSelectionDeferredAsync());
        Assert.True(_rib.InitialConvergence.IsCompleted);
        var to3 = T.Summarize(s3.Drain());
        Assert.Equal(1, to3.EndOfRibs);
        Assert.Equal([T.P("192.0.2.0/25"), T.P("198.51.100.0/24"), T.P("203.0.113.0/24")], to3.Announced.Keys.Order());
        Assert.Equal(1, T.Summarize(s1.Drain()).EndOfRibs);
        Assert.Equal([_fib.Changes.Count], _fib.ConvergedAfter);
    }

    [Fact]
    public async Task Restarting_speaker_stops_deferring_when_select_defer_time_expires()
    {
        await _rib.StopAsync();
        _rib = Start(T.Options() with { SelectDeferTime = TimeSpan.FromSeconds(30) });
        var s1 = new RecordingSender();
        var s2 = new RecordingSender();
        await UpWithRoutes(Peer(1, "192.0.2.1", 65001, s1, T.Gr()), "203.0.113.0/24");
        await Post(new RibCommand.PeerUp(Peer(2, "192.0.2.2", 65002, s2, T.Gr())));
        await Advance(29);
        Assert.Empty(s2.Drain());
        await Advance(1);
        var to2 = T.Summarize(s2.Drain());
        Assert.Equal(1, to2.EndOfRibs);
        Assert.Contains(T.P("203.0.113.0/24"), to2.Announced.Keys);
        Assert.Single(_fib.ConvergedAfter);
    }

    [Fact]
    public async Task Without_a_restart_nothing_is_deferred()
    {
        Assert.True(_rib.InitialConvergence.IsCompleted);
        var s = new RecordingSender();
        await Post(new RibCommand.AddLocalRoute(LocalRoute.Network(T.P("192.0.2.0/25"))), new RibCommand.PeerUp(Peer(1, "192.0.2.1", 65001, s, T.Gr())));
        var got = T.Summarize(s.Drain());
        Assert.Equal(1, got.EndOfRibs);
        Assert.Contains(T.P("192.0.2.0/25"), got.Announced.Keys);
        Assert.Empty(_fib.ConvergedAfter);
    }
}
