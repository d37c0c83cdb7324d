using System.Net;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

/// <summary>
/// Two sessions wired back to back in memory with a fake microsecond clock: each step advances
/// time to the next deadline, runs timers and delivers packets (encoded and decoded, as on the
/// wire). No sockets, no sleeps.
/// </summary>
internal sealed class SessionHarness
{
    private readonly byte[] _buffer = new byte[BfdCodec.MaxLength];

    public SessionHarness(BfdPeerConfig a, BfdPeerConfig b, double random = 1.0)
    {
        A = new BfdSession(a, 0xA, Now, () => random);
        B = new BfdSession(b, 0xB, Now, () => random);
    }

    public static BfdPeerConfig Config(int txMs, int rxMs, byte mult = 3, string peer = "192.0.2.2") => new(IPAddress.Parse(peer))
    {
        DesiredMinTx = TimeSpan.FromMilliseconds(txMs),
        RequiredMinRx = TimeSpan.FromMilliseconds(rxMs),
        DetectMultiplier = mult,
    };

    public BfdSession A { get; }
    public BfdSession B { get; }
    public long Now { get; private set; } = 1_000_000;
    /// <summary>When false, packets from B are lost (link cut in one direction).</summary>
    public bool DeliverFromB { get; set; } = true;
    public bool DeliverFromA { get; set; } = true;
    public List<(long Time, string From, BfdControlPacket Packet)> Wire { get; } = [];
    public List<(long Time, string Who, BfdSessionChange Change)> Changes { get; } = [];

    /// <summary>Advances to the next deadline (not beyond <paramref name="limitUs"/>) and processes it.</summary>
    public bool Step(long limitUs)
    {
        long next = Math.Min(A.NextDeadlineUs, B.NextDeadlineUs);
        if (next > limitUs)
        {
            Now = limitUs;
            return false;
        }
        Now = Math.Max(Now, next);
        Process(A, B, "A", A.Tick(Now));
        Process(B, A, "B", B.Tick(Now));
        return true;
    }

    public void RunFor(TimeSpan duration)
    {
        long end = Now + (long)duration.TotalMicroseconds;
        while (Step(end))
        {
        }
    }

    /// <summary>Runs until the predicate holds, failing after <paramref name="limit"/> of simulated time.</summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        long end = Now + (long)limit.TotalMicroseconds;
        while (!condition())
        {
            if (!Step(end)) Assert.Fail($"{what} not reached within {limit} simulated; A={A.State} B={B.State}");
        }
    }

    public void Reconfigure(BfdSession session, BfdPeerConfig config)
    {
        var other = session == A ? B : A;
        Process(session, other, session == A ? "A" : "B", session.Reconfigure(config, Now));
    }

    private void Process(BfdSession from, BfdSession to, string name, BfdSessionOutput output)
    {
        if ((output & BfdSessionOutput.StateChanged) != 0) Changes.Add((Now, name, from.LastChange));
        if ((output & (BfdSessionOutput.Send | BfdSessionOutput.SendFinal)) == 0) return;
        int length = from.BuildPacket(_buffer, (output & BfdSessionOutput.SendFinal) != 0);
        var bytes = _buffer[..length];
        Assert.Equal(BfdDecodeStatus.Ok, BfdCodec.TryDecode(bytes, out var packet, out var auth));
        Wire.Add((Now, name, packet));
        if (name == "A" ? !DeliverFromA : !DeliverFromB) return;
        var reply = to.Receive(bytes, packet, auth, Now);
        Process(to, from, name == "A" ? "B" : "A", reply);
    }
}
