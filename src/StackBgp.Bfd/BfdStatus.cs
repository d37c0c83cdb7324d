using System.Net;

namespace StackBgp.Bfd;

/// <summary>A session changed state. Published by <see cref="BfdEngine"/> to every subscriber.</summary>
public sealed record BfdStateChange(
    BfdSessionKey Key,
    BfdState OldState,
    BfdState NewState,
    BfdDiagnostic Diagnostic,
    BfdDiagnostic RemoteDiagnostic,
    DateTimeOffset Timestamp)
{
    public IPAddress Peer => Key.Peer;
    /// <summary>True when a session that was Up is no longer Up (the event BGP tears down on).</summary>
    public bool WentDown => OldState == BfdState.Up && NewState != BfdState.Up;
}

/// <summary>One row of <c>show bfd peers</c>.</summary>
public sealed record BfdPeerStatus
{
    public required BfdSessionKey Key { get; init; }
    public string? Profile { get; init; }
    public required BfdState State { get; init; }
    public BfdState RemoteState { get; init; }
    public BfdDiagnostic Diagnostic { get; init; }
    public BfdDiagnostic RemoteDiagnostic { get; init; }
    public uint LocalDiscriminator { get; init; }
    public uint RemoteDiscriminator { get; init; }
    /// <summary>Time since the last state change (uptime when Up, downtime otherwise).</summary>
    public TimeSpan SinceLastChange { get; init; }
    public bool Passive { get; init; }
    public byte MinimumTtl { get; init; }
    public int SourcePort { get; init; }

    public byte DetectMultiplier { get; init; }
    /// <summary>Configured desired min TX and required min RX.</summary>
    public TimeSpan DesiredMinTx { get; init; }
    public TimeSpan RequiredMinRx { get; init; }
    /// <summary>Negotiated transmit interval in effect (§6.8.7, before jitter).</summary>
    public TimeSpan TransmitInterval { get; init; }
    /// <summary>Interval we expect the peer to send at (§6.8.4).</summary>
    public TimeSpan ReceiveInterval { get; init; }
    public TimeSpan DetectionTime { get; init; }
    public bool PollInProgress { get; init; }

    public byte RemoteDetectMultiplier { get; init; }
    public TimeSpan RemoteDesiredMinTx { get; init; }
    public TimeSpan RemoteRequiredMinRx { get; init; }

    public long PacketsIn { get; init; }
    public long PacketsOut { get; init; }
    public long StateChanges { get; init; }
    public long SessionDowns { get; init; }
    public long AuthFailures { get; init; }
}

/// <summary>Engine-wide receive counters: datagrams dropped before reaching a session.</summary>
public sealed record BfdEngineStatistics
{
    public long Received { get; init; }
    public long DroppedTtl { get; init; }
    public long DroppedInvalid { get; init; }
    public long DroppedNoSession { get; init; }
    public long SendErrors { get; init; }
    public long LoopIterations { get; init; }
    /// <summary>True when periodic packets are handed to the kernel ahead of time (io_uring).</summary>
    public bool KernelTimedTransmit { get; init; }
    /// <summary>Bytes the engine thread allocated since the previous command finished (0 in steady state).</summary>
    public long EngineAllocatedBytes { get; init; }
}

/// <summary>A consistent view taken on the engine thread.</summary>
public sealed record BfdSnapshot(IReadOnlyList<BfdPeerStatus> Peers, BfdEngineStatistics Statistics);

/// <summary>Options of a <see cref="BfdEngine"/>.</summary>
public sealed record BfdEngineOptions
{
    /// <summary>
    /// Named network namespace (/var/run/netns/NAME) the engine thread enters before opening
    /// any socket; null = the process's namespace. Used by the lab and tests.
    /// </summary>
    public string? NetworkNamespace { get; init; }
    /// <summary>Send one AdminDown packet per session when stopping (RFC 5880 §6.8.16), so peers do not wait for a timeout.</summary>
    public bool SendAdminDownOnStop { get; init; } = true;
    /// <summary>
    /// Measurement only: transmit at exactly the negotiated interval. RFC 5880 §6.8.7 requires
    /// jitter; never disable it in production.
    /// </summary>
    public bool DisableJitter { get; init; }
    /// <summary>Seed of the engine's random source (discriminators, jitter, source ports); null = random.</summary>
    public int? RandomSeed { get; init; }
    /// <summary>
    /// Capacity of the measurement traces (transmit times, and kernel arrival timestamps of
    /// received periodic packets), 0 = off.
    /// </summary>
    public int TransmitTraceCapacity { get; init; }
    /// <summary>
    /// Hand periodic packets of Up sessions to the kernel ahead of time (io_uring timed sends), so
    /// they leave on time even while the runtime suspends threads for a garbage collection.
    /// Falls back to sending from the engine thread when io_uring is unavailable.
    /// </summary>
    public bool KernelTimedTransmit { get; init; } = true;
    /// <summary>
    /// How far ahead periodic packets are queued in the kernel (default 300 ms, at least one
    /// interval): a stall of the process up to this long (GC, CPU starvation) does not delay
    /// packets, and a process that hangs keeps its peers' sessions up at most this much longer.
    /// A process that exits or is killed closes the ring, which cancels what was queued.
    /// </summary>
    public TimeSpan TransmitAheadTime { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>
    /// SCHED_FIFO priority (1–99) for the engine thread, null = normal scheduling. The thread
    /// sleeps almost all the time, so a real-time priority only makes it run first when a packet
    /// is due (needs CAP_SYS_NICE; failure is logged and ignored).
    /// </summary>
    public int? RealtimePriority { get; init; }
}
