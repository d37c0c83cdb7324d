namespace StackBgp.Bfd;

/// <summary>What the engine must do after a session step.</summary>
[Flags]
internal enum BfdSessionOutput : byte
{
    None = 0,
    /// <summary>Send a packet now (periodic, or out of schedule after a state change).</summary>
    Send = 1,
    /// <summary>Send a packet with the F bit now (answer to a Poll, §6.8.6).</summary>
    SendFinal = 2,
    /// <summary><see cref="BfdSession.LastChange"/> holds a new transition to publish.</summary>
    StateChanged = 4,
}

/// <summary>One state transition of a session.</summary>
internal readonly record struct BfdSessionChange(BfdState Old, BfdState New, BfdDiagnostic Diagnostic);

/// <summary>
/// One BFD session in asynchronous mode (RFC 5880 §6.8): state variables, interval negotiation,
/// Poll/Final, detection and transmit timers. No I/O and no clock: every call receives the
/// current time in microseconds, so the whole behaviour is testable with a fake clock.
/// Owned by one thread (the engine's).
/// </summary>
internal sealed partial class BfdSession
{
    /// <summary>§6.8.3: while not Up, DesiredMinTxInterval is at least one second.</summary>
    public const uint SlowTxUs = 1_000_000;
    public const long Never = long.MaxValue;

    private readonly Func<double> _random;
    private BfdAuthenticator? _auth;

    // Configured targets (§6.8.1 bfd.DesiredMinTxInterval / bfd.RequiredMinRxInterval as the operator wants them).
    private uint _cfgTx;
    private uint _cfgRx;
    // Values carried in our packets.
    private uint _advTx;
    private uint _advRx;
    // Values in effect for our timers (committed after a Final, §6.8.3).
    private uint _useTx;
    private uint _useRx;
    private bool _heardFromRemote;
    // The interval the current transmit schedule was computed with.
    private uint _scheduledIntervalUs;

    public BfdSession(BfdPeerConfig config, uint localDiscriminator, long nowUs, Func<double> random)
    {
        config.Validate();
        Config = config;
        LocalDiscriminator = localDiscriminator;
        _random = random;
        if (config.Authentication is not null)
        {
            _auth = new BfdAuthenticator(config.Authentication, (uint)(random() * uint.MaxValue));
        }
        _cfgTx = config.DesiredMinTxUs;
        _cfgRx = config.RequiredMinRxUs;
        State = config.Shutdown ? BfdState.AdminDown : BfdState.Down;
        LocalDiagnostic = config.Shutdown ? BfdDiagnostic.AdministrativelyDown : BfdDiagnostic.None;
        ApplySlowParameters();
        CreatedUs = nowUs;
        LastStateChangeUs = nowUs;
        NextTransmitUs = config.Passive ? Never : nowUs;
    }

    public BfdPeerConfig Config { get; private set; }
    public uint LocalDiscriminator { get; }
    public uint RemoteDiscriminator { get; private set; }
    public BfdState State { get; private set; }
    public BfdState RemoteState { get; private set; } = BfdState.Down;
    public BfdDiagnostic LocalDiagnostic { get; private set; }
    public BfdDiagnostic RemoteDiagnostic { get; private set; }
    /// <summary>§6.8.1 bfd.RemoteMinRxInterval, initialised to 1 µs.</summary>
    public uint RemoteMinRxUs { get; private set; } = 1;
    public uint RemoteDesiredMinTxUs { get; private set; }
    public byte RemoteDetectMultiplier { get; private set; }
    public bool PollActive { get; private set; }
    public BfdSessionChange LastChange { get; private set; }

    public long NextTransmitUs { get; private set; }
    public long DetectionDeadlineUs { get; private set; } = Never;
    public long NextDeadlineUs => Math.Min(NextTransmitUs, DetectionDeadlineUs);

    public long CreatedUs { get; }
    public long LastStateChangeUs { get; private set; }
    public long PacketsIn { get; private set; }
    public long PacketsOut { get; private set; }
    public long StateChanges { get; private set; }
    public long SessionDowns { get; private set; }
    public long AuthFailures { get; private set; }
    /// <summary>Set when the transmit deadline fired, for measuring lateness.</summary>
    public long LastScheduledTransmitUs { get; private set; }

    /// <summary>Desired min TX this side advertises now.</summary>
    public uint AdvertisedDesiredMinTxUs => _advTx;
    /// <summary>Required min RX this side advertises now.</summary>
    public uint AdvertisedRequiredMinRxUs => _advRx;

    /// <summary>
    /// Negotiated transmit interval (§6.8.2, §6.8.7): the larger of our desired min TX and the
    /// remote's required min RX. During a Poll Sequence the smaller of old and new desired TX
    /// is used, so an increase only takes effect after the Final (§6.8.3).
    /// </summary>
    public uint TransmitIntervalUs => Math.Max(PollActive ? Math.Min(_useTx, _advTx) : _useTx, RemoteMinRxUs);

    /// <summary>
    /// The interval the remote transmits at, as we expect it: the larger of our required min RX and
    /// its desired min TX. During a Poll Sequence the larger of old and new required min RX is used,
    /// so a reduction only takes effect after the Final (§6.8.3).
    /// </summary>
    public uint ReceiveIntervalUs => Math.Max(PollActive ? Math.Max(_useRx, _advRx) : _useRx, RemoteDesiredMinTxUs);

    /// <summary>§6.8.4: Detection Time = remote Detect Mult × agreed receive interval.</summary>
    public long DetectionTimeUs => (long)RemoteDetectMultiplier * ReceiveIntervalUs;

    /// <summary>§6.8.7: no periodic packets while RemoteMinRxInterval is zero, nor from a passive side that heard nothing.</summary>
    private bool CanTransmit => RemoteMinRxUs != 0 && (!Config.Passive || _heardFromRemote);

    /// <summary>Builds the packet to send into <paramref name="buffer"/> (at least <see cref="BfdCodec.MaxLength"/>) and counts it.</summary>
    public int BuildPacket(Span<byte> buffer, bool final, bool count = true)
    {
        var flags = final ? BfdFlags.Final : PollActive ? BfdFlags.Poll : BfdFlags.None;
        var packet = new BfdControlPacket(State, LocalDiagnostic, flags, Config.DetectMultiplier,
            LocalDiscriminator, RemoteDiscriminator, _advTx, _advRx, 0);
        int length = BfdCodec.Encode(packet, buffer);
        if (_auth is not null) length = _auth.Append(buffer);
        if (count) PacketsOut++;
        return length;
    }

    /// <summary>
    /// True when every periodic packet would be identical (Up, no Poll Sequence, no
    /// authentication sequence number), so packets can be handed to the kernel ahead of time.
    /// </summary>
    public bool PeriodicContentStable => State == BfdState.Up && !PollActive && _auth is null && CanTransmit;

    /// <summary>
    /// Takes the next periodic transmission for kernel-timed sending: returns its scheduled time
    /// and advances the schedule by one jittered interval (§6.8.7), counting the packet.
    /// </summary>
    public long TakePeriodicTransmit()
    {
        long at = NextTransmitUs;
        LastScheduledTransmitUs = at;
        _scheduledIntervalUs = TransmitIntervalUs;
        NextTransmitUs = at + Jittered(_scheduledIntervalUs);
        PacketsOut++;
        return at;
    }

    /// <summary>Timer step: detection expiry (§6.8.4) and periodic transmission (§6.8.7).</summary>
    public BfdSessionOutput Tick(long nowUs)
    {
        var output = BfdSessionOutput.None;
        if (DetectionDeadlineUs <= nowUs)
        {
            DetectionDeadlineUs = Never;
            // §6.8.1: bfd.RemoteDiscr is zeroed when the Detection Time expires.
            RemoteDiscriminator = 0;
            RemoteState = BfdState.Down;
            _auth?.ForgetReceiveSequence();
            if (State is BfdState.Init or BfdState.Up)
            {
                output |= Transition(BfdFsmEvent.DetectionTimeExpired, nowUs);
            }
        }
        if (NextTransmitUs <= nowUs)
        {
            LastScheduledTransmitUs = NextTransmitUs;
            if (CanTransmit)
            {
                output |= BfdSessionOutput.Send;
                _scheduledIntervalUs = TransmitIntervalUs;
                NextTransmitUs = nowUs + Jittered(_scheduledIntervalUs);
            }
            else
            {
                NextTransmitUs = Never;
            }
        }
        if ((output & BfdSessionOutput.StateChanged) != 0 && (output & BfdSessionOutput.Send) == 0 && CanTransmit)
        {
            output |= BfdSessionOutput.Send;
            NextTransmitUs = nowUs + Jittered(TransmitIntervalUs);
        }
        return output;
    }

    /// <summary>
    /// Reception of a packet already selected for this session (RFC 5880 §6.8.6 from the
    /// authentication check on). <paramref name="raw"/> spans exactly the packet's Length.
    /// </summary>
    public BfdSessionOutput Receive(ReadOnlySpan<byte> raw, in BfdControlPacket packet, in BfdAuthSection auth, long nowUs)
    {
        // §6.8.6: A bit without authentication in use, or no A bit with it in use: discard.
        if (packet.AuthenticationPresent != (_auth is not null)
            || (_auth is not null && !_auth.Verify(raw, auth, Config.DetectMultiplier)))
        {
            AuthFailures++;
            return BfdSessionOutput.None;
        }
        PacketsIn++;
        _heardFromRemote = true;
        RemoteDiscriminator = packet.MyDiscriminator;
        RemoteState = packet.State;
        RemoteDiagnostic = packet.Diagnostic;
        RemoteMinRxUs = packet.RequiredMinRxUs;
        RemoteDesiredMinTxUs = packet.DesiredMinTxUs;
        RemoteDetectMultiplier = packet.DetectMultiplier;

        var output = BfdSessionOutput.None;
        // §6.8.6: a Final terminates our Poll Sequence; the new values take effect now (§6.8.3).
        if (packet.Final && PollActive) CompletePoll(nowUs);

        // §6.8.4: the detection timer restarts on every valid packet.
        DetectionDeadlineUs = nowUs + DetectionTimeUs;

        if (State != BfdState.AdminDown)
        {
            output |= Transition(BfdFsm.Received(packet.State), nowUs);
        }
        if (packet.Poll)
        {
            // §6.8.6: answer a Poll with a Final "without respect to the transmission timer".
            output |= BfdSessionOutput.SendFinal;
        }
        RescheduleAfterChange(nowUs, (output & BfdSessionOutput.StateChanged) != 0, ref output);
        return output;
    }

    private double JitterFraction()
    {
        // §6.8.7: reduce by 0–25 % (at least 10 % when Detect Mult is 1).
        double r = _random();
        return Config.DetectMultiplier == 1 ? 0.75 + 0.15 * r : 0.75 + 0.25 * r;
    }

    private long Jittered(uint intervalUs) => (long)(intervalUs * JitterFraction());
}
