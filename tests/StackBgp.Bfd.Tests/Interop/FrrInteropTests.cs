using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StackBgp.Bfd;
using StackBgp.Bfd.Tests.Lab;
using Xunit.Abstractions;

namespace StackBgp.Bfd.Tests.Interop;

/// <summary>
/// Our engine in namespace A against FRR 8.4 bfdd (zebra + bfdd) in namespace B over a veth pair:
/// single-hop IPv4 and IPv6 on the link, multihop between loopbacks.
/// </summary>
[Collection("netns")]
public sealed class FrrInteropTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly ITestOutputHelper _output;
    private readonly NetnsPair _lab = new("bfdi-");
    private FrrBfdd? _frr;
    private BfdEngine? _engine;

    public FrrInteropTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        _engine?.Dispose();
        _frr?.Dispose();
        _lab.Dispose();
    }

    private static string FrrConfig(int ms, bool frrPassive) => $"""
        bfd
         profile lab
          transmit-interval {ms}
          receive-interval {ms}
          detect-multiplier 3
          {(frrPassive ? "passive-mode" : "no passive-mode")}
         !
         peer 10.77.0.1 interface vb
          profile lab
         !
         peer fd77::1 interface vb
          profile lab
         !
         peer fe80::77:1 interface vb
          profile lab
         !
         peer 10.78.0.1 multihop local-address 10.78.0.2
          profile lab
         !
        !
        """;

    private static BfdPeerConfig[] OurPeers(int ms, bool passive)
    {
        var interval = TimeSpan.FromMilliseconds(ms);
        BfdPeerConfig Make(string peer) => new(IPAddress.Parse(peer)) { DesiredMinTx = interval, RequiredMinRx = interval, Passive = passive, Profile = "lab" };
        return
        [
            Make("10.77.0.2") with { Interface = "va" },
            Make("fd77::2") with { Interface = "va" },
            Make("10.78.0.2") with { Multihop = true, LocalAddress = IPAddress.Parse("10.78.0.1") },
            Make("fe80::77:2") with { Interface = "va" },
        ];
    }

    private static readonly (string Peer, bool Multihop)[] FrrSide = [("10.77.0.1", false), ("fd77::1", false), ("10.78.0.1", true), ("fe80::77:1", false)];

    private async Task<BfdPeerConfig[]> StartBoth(int ms, bool oursPassive = false, bool frrPassive = false, bool adminDownOnStop = true)
    {
        _frr = new FrrBfdd(_lab.B, FrrConfig(ms, frrPassive));
        _output.WriteLine($"peer: FRR bfdd, {_frr.Version}");
        _engine = new BfdEngine(new BfdEngineOptions { NetworkNamespace = _lab.A, SendAdminDownOnStop = adminDownOnStop });
        _engine.Start();
        var peers = OurPeers(ms, oursPassive);
        foreach (var p in peers) await _engine.AddSession(p);
        return peers;
    }

    private async Task WaitAllUp(BfdPeerConfig[] ours, int ms)
    {
        var interval = TimeSpan.FromMilliseconds(ms);
        var snapshot = await Eventually.Poll(() => _engine!.GetSnapshotAsync(),
            s => s.Peers.All(p => p.State == BfdState.Up && !p.PollInProgress && p.TransmitInterval == interval),
            Deadline, $"all our sessions Up at {ms} ms",
            s => string.Join("; ", s.Peers.Select(p => $"{p.Key}: {BfdNames.Format(p.State)} tx={p.TransmitInterval.TotalMilliseconds}")));
        var frrPeers = await Eventually.Poll(() => Task.FromResult(_frr!.Peers()),
            ps => FrrSide.All(s => FrrFind(ps, s) is { } e && e.GetProperty("status").GetString() == "up"
                && e.GetProperty("remote-transmit-interval").GetInt32() == ms),
            Deadline, "all FRR sessions up", ps => string.Join("; ", ps.Select(p => $"{p.GetProperty("peer")}: {p.GetProperty("status")}")));
        for (int i = 0; i < ours.Length; i++)
        {
            var mine = snapshot.Peers.Single(p => p.Key == ours[i].Key);
            var theirs = FrrFind(frrPeers, FrrSide[i])!.Value;
            Assert.Equal(mine.LocalDiscriminator, theirs.GetProperty("remote-id").GetUInt32());
            Assert.Equal(mine.RemoteDiscriminator, theirs.GetProperty("id").GetUInt32());
            Assert.Equal(TimeSpan.FromMilliseconds(3 * ms), mine.DetectionTime);
            _output.WriteLine($"{ours[i].Key}: Up, ours id {mine.LocalDiscriminator}, FRR id {mine.RemoteDiscriminator}, tx {mine.TransmitInterval.TotalMilliseconds} ms");
        }
    }

    private static JsonElement? FrrFind(IReadOnlyList<JsonElement> peers, (string Peer, bool Multihop) side) => FrrBfdd.Find(peers, side.Peer, side.Multihop);

    [Theory]
    [InlineData(50, false, false)]
    [InlineData(300, false, false)]
    [InlineData(50, true, false)]   // we are passive: FRR starts
    [InlineData(300, false, true)]  // FRR is passive: we start
    public async Task Sessions_come_up_with_frr(int ms, bool oursPassive, bool frrPassive)
    {
        var ours = await StartBoth(ms, oursPassive, frrPassive);
        await WaitAllUp(ours, ms);
    }

    [Fact]
    public async Task Parameter_changes_on_either_side_poll_without_flap()
    {
        var ours = await StartBoth(300);
        using var events = _engine!.Subscribe();
        await WaitAllUp(ours, 300);

        // Our side speeds up to 50 ms: our Poll, FRR's Final.
        foreach (var p in ours) await _engine!.UpdateSession(p with { DesiredMinTx = TimeSpan.FromMilliseconds(50), RequiredMinRx = TimeSpan.FromMilliseconds(50) });
        await Eventually.Poll(() => Task.FromResult(_frr!.Peers()),
            ps => FrrSide.All(s => FrrFind(ps, s) is { } e && e.GetProperty("remote-receive-interval").GetInt32() == 50 && e.GetProperty("remote-transmit-interval").GetInt32() == 50),
            Deadline, "FRR seeing our 50 ms", ps => string.Join("; ", ps.Select(p => $"{p.GetProperty("peer")}: rx {p.GetProperty("remote-receive-interval")} tx {p.GetProperty("remote-transmit-interval")}")));

        // FRR's side changes its profile: FRR polls, we answer with Final and follow.
        _frr!.Configure("bfd", "profile lab", "transmit-interval 100", "receive-interval 100");
        var snapshot = await Eventually.Poll(() => _engine!.GetSnapshotAsync(),
            s => s.Peers.All(p => p.RemoteDesiredMinTx == TimeSpan.FromMilliseconds(100) && p.TransmitInterval == TimeSpan.FromMilliseconds(100) && !p.PollInProgress),
            Deadline, "our sessions following FRR's 100 ms",
            s => string.Join("; ", s.Peers.Select(p => $"{p.Key}: remote tx {p.RemoteDesiredMinTx.TotalMilliseconds} our tx {p.TransmitInterval.TotalMilliseconds}")));

        Assert.All(snapshot.Peers, p => Assert.Equal(BfdState.Up, p.State));
        Assert.All(snapshot.Peers, p => Assert.Equal(0, p.SessionDowns));
        var changes = new List<BfdStateChange>();
        while (events.Reader.TryRead(out var change)) changes.Add(change);
        Assert.DoesNotContain(changes, c => c.WentDown);
        var counters = _frr.Counters();
        Assert.All(FrrSide, s => Assert.Equal(0, FrrFind(counters, s)!.Value.GetProperty("session-down").GetInt32()));
        Assert.All(FrrSide, s => Assert.Equal("up", FrrFind(_frr.Peers(), s)!.Value.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(false, "control detection time expired")]
    [InlineData(true, "neighbor signaled session down")]
    public async Task Stopping_our_side_brings_frr_sessions_down(bool adminDownOnStop, string expectedDiagnostic)
    {
        var ours = await StartBoth(50, adminDownOnStop: adminDownOnStop);
        await WaitAllUp(ours, 50);
        var clock = Stopwatch.StartNew();
        // Without AdminDown this is what the wire sees when our process dies (kill -9): silence.
        _engine!.Dispose();
        _engine = null;
        var peers = await Eventually.Poll(() => Task.FromResult(_frr!.Peers()),
            ps => FrrSide.All(s => FrrFind(ps, s) is { } e && e.GetProperty("status").GetString() == "down"),
            Deadline, "all FRR sessions down", ps => string.Join("; ", ps.Select(p => $"{p.GetProperty("peer")}: {p.GetProperty("status")}")));
        _output.WriteLine($"FRR saw all sessions down {clock.Elapsed.TotalMilliseconds:F0} ms after our stop (polling vtysh, detection time 150 ms)");
        Assert.All(FrrSide, s => Assert.Equal(expectedDiagnostic, FrrFind(peers, s)!.Value.GetProperty("diagnostic").GetString()));
    }
}
