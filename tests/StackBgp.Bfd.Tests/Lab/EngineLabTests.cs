using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests.Lab;

[CollectionDefinition("netns", DisableParallelization = true)]
public sealed class NetnsCollection;

/// <summary>Two engines over real UDP between two network namespaces joined by a veth pair.</summary>
[Collection("netns")]
public sealed class EngineLabTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly NetnsPair _lab = new();
    private readonly List<BfdEngine> _engines = [];

    public void Dispose()
    {
        foreach (var engine in _engines) engine.Dispose();
        _lab.Dispose();
    }

    private BfdEngine StartEngine(string ns, bool adminDownOnStop = true, bool kernelTimed = true)
    {
        var engine = new BfdEngine(new BfdEngineOptions { NetworkNamespace = ns, SendAdminDownOnStop = adminDownOnStop, KernelTimedTransmit = kernelTimed });
        _engines.Add(engine);
        engine.Start();
        return engine;
    }

    private static BfdPeerConfig Peer(string peer, int ms, string? local = null, string? iface = null, bool multihop = false) => new(IPAddress.Parse(peer))
    {
        LocalAddress = local is null ? null : IPAddress.Parse(local),
        Interface = iface,
        Multihop = multihop,
        DesiredMinTx = TimeSpan.FromMilliseconds(ms),
        RequiredMinRx = TimeSpan.FromMilliseconds(ms),
    };

    private static Task<BfdPeerStatus> WaitFor(BfdEngine engine, BfdSessionKey key, Func<BfdPeerStatus, bool> condition, string expected) =>
        Eventually.Poll(
            async () => (await engine.GetSnapshotAsync()).Peers.Single(p => p.Key == key),
            condition, Deadline, expected,
            p => $"{BfdNames.Format(p.State)} tx={p.TransmitInterval.TotalMilliseconds}ms rx={p.ReceiveInterval.TotalMilliseconds}ms poll={p.PollInProgress} in={p.PacketsIn} out={p.PacketsOut}");

    private static async Task<BfdStateChange> NextChange(BfdSubscription subscription, Func<BfdStateChange, bool> match, string expected)
    {
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (true)
            {
                var change = await subscription.Reader.ReadAsync(cts.Token);
                if (match(change)) return change;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"expected {expected} within {Deadline.TotalSeconds} s");
            throw;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Engines_come_up_single_hop_ipv4_and_ipv6_and_multihop(bool kernelTimed)
    {
        var a = StartEngine(_lab.A, kernelTimed: kernelTimed);
        var b = StartEngine(_lab.B, kernelTimed: kernelTimed);
        BfdPeerConfig[] onA = [Peer("10.77.0.2", 50, iface: "va"), Peer("fd77::2", 50), Peer("10.78.0.2", 50, local: "10.78.0.1", multihop: true), Peer("fe80::77:2", 50, iface: "va")];
        BfdPeerConfig[] onB = [Peer("10.77.0.1", 50, iface: "vb"), Peer("fd77::1", 50), Peer("10.78.0.1", 50, local: "10.78.0.2", multihop: true), Peer("fe80::77:1", 50, iface: "vb")];
        foreach (var p in onA) await a.AddSession(p);
        foreach (var p in onB) await b.AddSession(p);

        for (int i = 0; i < onA.Length; i++)
        {
            var sa = await WaitFor(a, onA[i].Key, p => p.State == BfdState.Up && !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(50), $"{onA[i].Key} Up at 50 ms");
            var sb = await WaitFor(b, onB[i].Key, p => p.State == BfdState.Up && !p.PollInProgress, $"{onB[i].Key} Up");
            Assert.Equal(sa.LocalDiscriminator, sb.RemoteDiscriminator);
            Assert.Equal(sb.LocalDiscriminator, sa.RemoteDiscriminator);
            Assert.Equal(TimeSpan.FromMilliseconds(150), sa.DetectionTime);
            Assert.InRange(sa.SourcePort, 49152, 65535);
        }
        var stats = (await a.GetSnapshotAsync()).Statistics;
        Assert.Equal(kernelTimed, stats.KernelTimedTransmit);
        Assert.Equal(0, stats.DroppedTtl);
        Assert.Equal(0, stats.DroppedInvalid);
    }

    [Fact]
    public async Task Stopped_peer_is_detected_by_timeout_and_removed_peer_by_admin_down()
    {
        var a = StartEngine(_lab.A);
        var b = StartEngine(_lab.B, adminDownOnStop: false);
        using var events = a.Subscribe();
        var toB = Peer("10.77.0.2", 50, iface: "va");
        var toB6 = Peer("fd77::2", 50);
        await a.AddSession(toB);
        await a.AddSession(toB6);
        await b.AddSession(Peer("10.77.0.1", 50, iface: "vb"));
        await b.AddSession(Peer("fd77::1", 50));
        await WaitFor(a, toB.Key, p => p.State == BfdState.Up && !p.PollInProgress, "IPv4 session Up");
        await WaitFor(a, toB6.Key, p => p.State == BfdState.Up && !p.PollInProgress, "IPv6 session Up");

        // Removing B's IPv6 session sends AdminDown: A goes Down with "neighbor signaled session down".
        await b.RemoveSession(Peer("fd77::1", 50).Key);
        var signaled = await NextChange(events, c => c.Key == toB6.Key && c.NewState == BfdState.Down, "IPv6 session Down");
        Assert.Equal(BfdDiagnostic.NeighborSignaledSessionDown, signaled.Diagnostic);
        Assert.Equal(BfdDiagnostic.AdministrativelyDown, signaled.RemoteDiagnostic);

        // Stopping B without AdminDown: A notices only by the detection timer.
        var stopped = DateTimeOffset.UtcNow;
        b.Dispose();
        var down = await NextChange(events, c => c.Key == toB.Key && c.NewState == BfdState.Down, "IPv4 session Down");
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, down.Diagnostic);
        Console.WriteLine($"detection after stop: {(down.Timestamp - stopped).TotalMilliseconds:F1} ms (detection time 150 ms)");
        var status = await WaitFor(a, toB.Key, p => p.State == BfdState.Down, "Down in snapshot");
        Assert.Equal(1, status.SessionDowns);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Parameter_change_while_up_polls_without_flap(bool kernelTimed)
    {
        var a = StartEngine(_lab.A, kernelTimed: kernelTimed);
        var b = StartEngine(_lab.B, kernelTimed: kernelTimed);
        using var eventsA = a.Subscribe();
        using var eventsB = b.Subscribe();
        var toB = Peer("10.77.0.2", 50, iface: "va");
        var toA = Peer("10.77.0.1", 50, iface: "vb");
        await a.AddSession(toB);
        await b.AddSession(toA);
        await WaitFor(a, toB.Key, p => p.State == BfdState.Up && !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(50), "Up at 50 ms");
        await WaitFor(b, toA.Key, p => p.State == BfdState.Up && !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(50), "Up at 50 ms");

        await a.UpdateSession(toB with { DesiredMinTx = TimeSpan.FromMilliseconds(300), RequiredMinRx = TimeSpan.FromMilliseconds(300) });
        var sa = await WaitFor(a, toB.Key, p => !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(300), "A at 300 ms after poll");
        var sb = await WaitFor(b, toA.Key, p => p.TransmitInterval == TimeSpan.FromMilliseconds(300) && p.DetectionTime == TimeSpan.FromMilliseconds(900), "B following A's 300 ms");
        await a.UpdateSession(toB);
        await WaitFor(a, toB.Key, p => !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(50), "A back at 50 ms");

        Assert.Equal(0, sa.SessionDowns);
        Assert.Equal(0, sb.SessionDowns);
        var final = (await a.GetSnapshotAsync()).Peers.Single();
        Assert.Equal(BfdState.Up, final.State);
        Assert.Equal(0, final.SessionDowns);
        Assert.All(Drain(eventsA).Concat(Drain(eventsB)), c => Assert.NotEqual(BfdState.Down, c.NewState));
    }

    [Fact]
    public async Task Single_hop_packets_with_ttl_below_255_and_multihop_below_minimum_are_dropped()
    {
        var a = StartEngine(_lab.A);
        var single = Peer("10.77.0.2", 50, iface: "va");
        var multi = Peer("10.78.0.2", 50, local: "10.78.0.1", multihop: true) with { MinimumTtl = 250 };
        await a.AddSession(single);
        await a.AddSession(multi);

        var down = new BfdControlPacket(BfdState.Down, BfdDiagnostic.None, BfdFlags.None, 3, 0x1234, 0, 1_000_000, 50_000);
        SendFromB("10.77.0.2", "10.77.0.1", 3784, 254, down);
        SendFromB("10.78.0.2", "10.78.0.1", 4784, 249, down);
        var stats = await Eventually.Poll(async () => (await a.GetSnapshotAsync()).Statistics, s => s.DroppedTtl >= 2, Deadline, "2 TTL drops", s => s.ToString());
        Assert.Equal(2, stats.DroppedTtl);
        var peers = (await a.GetSnapshotAsync()).Peers;
        Assert.All(peers, p => Assert.Equal(BfdState.Down, p.State));
        Assert.All(peers, p => Assert.Equal(0, p.PacketsIn));

        // Positive control: the same packets with TTL 255 / 250 move both sessions to Init.
        SendFromB("10.77.0.2", "10.77.0.1", 3784, 255, down);
        SendFromB("10.78.0.2", "10.78.0.1", 4784, 250, down);
        await WaitFor(a, single.Key, p => p.State == BfdState.Init, "single-hop Init after TTL 255");
        await WaitFor(a, multi.Key, p => p.State == BfdState.Init, "multihop Init at minimum TTL");
        Assert.Equal(2, (await a.GetSnapshotAsync()).Statistics.DroppedTtl);
    }

    [Fact]
    public async Task Steady_state_send_and_receive_allocate_nothing_on_the_engine_thread()
    {
        var a = StartEngine(_lab.A);
        var b = StartEngine(_lab.B);
        var toB = Peer("10.77.0.2", 50, iface: "va");
        await a.AddSession(toB);
        await b.AddSession(Peer("10.77.0.1", 50, iface: "vb"));
        var up = await WaitFor(a, toB.Key, p => p.State == BfdState.Up && !p.PollInProgress && p.TransmitInterval == TimeSpan.FromMilliseconds(50), "Up at 50 ms");
        using var events = a.Subscribe();
        // Warm-up: let tiered JIT promote the hot path.
        var start = await WaitFor(a, toB.Key, p => p.PacketsIn >= up.PacketsIn + 20, "20 packets of warm-up");
        var allocations = new List<long>();
        var end = await Eventually.Poll(async () =>
            {
                var s = await a.GetSnapshotAsync();
                allocations.Add(s.Statistics.EngineAllocatedBytes);
                return s.Peers.Single();
            },
            p => p.PacketsOut >= start.PacketsOut + 40 && p.PacketsIn >= start.PacketsIn + 40,
            Deadline, "40 more packets each way");
        // A state change allocates its event by design; this test is about the steady state.
        Assert.False(events.Reader.TryRead(out var flap), $"session changed state during the measurement: {flap}");
        Assert.Equal(up.StateChanges, end.StateChanges);
        // The first value also counts the warm-up poll's own snapshot building.
        Assert.All(allocations.Skip(1), bytes => Assert.Equal(0, bytes));
    }

    [Fact]
    public async Task Authenticated_sessions_come_up_and_api_errors_are_reported()
    {
        var a = StartEngine(_lab.A);
        var b = StartEngine(_lab.B);
        var auth = new BfdAuthConfig(BfdAuthType.MeticulousKeyedSha1, 3, "lab-key"u8.ToArray());
        var toB = Peer("10.77.0.2", 50, iface: "va") with { Authentication = auth };
        await a.AddSession(toB);
        await b.AddSession(Peer("10.77.0.1", 50, iface: "vb") with { Authentication = auth });
        var up = await WaitFor(a, toB.Key, p => p.State == BfdState.Up && !p.PollInProgress && p.PacketsIn > 20, "authenticated session Up");
        Assert.Equal(0, up.AuthFailures);

        // Multihop without a local address: the kernel picks the source (here the link address,
        // which is what each side configured as peer); matched on the peer address alone.
        var mh = Peer("10.77.0.2", 50, multihop: true);
        await a.AddSession(mh);
        await b.AddSession(Peer("10.77.0.1", 50, multihop: true));
        await WaitFor(a, mh.Key, p => p.State == BfdState.Up, "multihop without local-address Up");

        await Assert.ThrowsAsync<ArgumentException>(() => a.AddSession(toB));
        await Assert.ThrowsAsync<IOException>(() => a.AddSession(Peer("10.77.0.9", 50, iface: "nosuchif0")));
        await Assert.ThrowsAsync<ArgumentException>(() => a.UpdateSession(Peer("10.77.0.9", 50)));
        Assert.False(await a.RemoveSession(Peer("10.77.0.9", 50).Key));

        // Shutdown through UpdateSession: AdminDown here, "neighbor signaled session down" there.
        using var eventsB = b.Subscribe();
        await a.UpdateSession(toB with { Shutdown = true });
        await WaitFor(a, toB.Key, p => p.State == BfdState.AdminDown && p.Diagnostic == BfdDiagnostic.AdministrativelyDown, "AdminDown");
        var seen = await NextChange(eventsB, c => c.NewState == BfdState.Down && c.Key.Peer.Equals(IPAddress.Parse("10.77.0.1")), "B Down");
        Assert.Equal(BfdDiagnostic.NeighborSignaledSessionDown, seen.Diagnostic);
        await a.UpdateSession(toB);
        await WaitFor(a, toB.Key, p => p.State == BfdState.Up, "Up again after no shutdown");
        Assert.True(await a.RemoveSession(toB.Key));
        Assert.DoesNotContain((await a.GetSnapshotAsync()).Peers, p => p.Key == toB.Key);
    }

    private void SendFromB(string source, string destination, int port, int ttl, BfdControlPacket packet)
    {
        var bytes = new byte[BfdCodec.MaxLength];
        int length = BfdCodec.Encode(packet, bytes);
        Netns.InNamespace(_lab.B, () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 49999));
            socket.Ttl = (short)ttl;
            return socket.SendTo(bytes.AsSpan(0, length), SocketFlags.None, new IPEndPoint(IPAddress.Parse(destination), port));
        });
    }

    private static List<BfdStateChange> Drain(BfdSubscription subscription)
    {
        var list = new List<BfdStateChange>();
        while (subscription.Reader.TryRead(out var change)) list.Add(change);
        return list;
    }
}
