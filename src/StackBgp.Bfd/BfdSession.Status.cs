namespace StackBgp.Bfd;

/// <summary>Status view of a session for <c>show bfd peers</c>.</summary>
internal sealed partial class BfdSession
{
    public int SourcePort { get; init; }

    public BfdPeerStatus ToStatus(long nowUs) => new()
    {
        Key = Config.Key,
        Profile = Config.Profile,
        State = State,
        RemoteState = RemoteState,
        Diagnostic = LocalDiagnostic,
        RemoteDiagnostic = RemoteDiagnostic,
        LocalDiscriminator = LocalDiscriminator,
        RemoteDiscriminator = RemoteDiscriminator,
        SinceLastChange = Micro(nowUs - LastStateChangeUs),
        Passive = Config.Passive,
        MinimumTtl = Config.Multihop ? Config.MinimumTtl : (byte)255,
        SourcePort = SourcePort,
        DetectMultiplier = Config.DetectMultiplier,
        DesiredMinTx = Config.DesiredMinTx,
        RequiredMinRx = Config.RequiredMinRx,
        TransmitInterval = Micro(TransmitIntervalUs),
        ReceiveInterval = Micro(ReceiveIntervalUs),
        DetectionTime = Micro(DetectionTimeUs),
        PollInProgress = PollActive,
        RemoteDetectMultiplier = RemoteDetectMultiplier,
        RemoteDesiredMinTx = Micro(RemoteDesiredMinTxUs),
        RemoteRequiredMinRx = Micro(RemoteMinRxUs),
        PacketsIn = PacketsIn,
        PacketsOut = PacketsOut,
        StateChanges = StateChanges,
        SessionDowns = SessionDowns,
        AuthFailures = AuthFailures,
    };

    private static TimeSpan Micro(long us) => TimeSpan.FromTicks(us * 10);
}
