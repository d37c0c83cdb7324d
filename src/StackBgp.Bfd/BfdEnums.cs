namespace StackBgp.Bfd;

/// <summary>Session state as carried in the Sta field (RFC 5880 §4.1).</summary>
public enum BfdState : byte
{
    AdminDown = 0,
    Down = 1,
    Init = 2,
    Up = 3,
}

/// <summary>Diagnostic codes (RFC 5880 §4.1, "Diag").</summary>
public enum BfdDiagnostic : byte
{
    None = 0,
    ControlDetectionTimeExpired = 1,
    EchoFunctionFailed = 2,
    NeighborSignaledSessionDown = 3,
    ForwardingPlaneReset = 4,
    PathDown = 5,
    ConcatenatedPathDown = 6,
    AdministrativelyDown = 7,
    ReverseConcatenatedPathDown = 8,
}

/// <summary>The six flag bits after the state field (RFC 5880 §4.1): P F C A D M.</summary>
[Flags]
public enum BfdFlags : byte
{
    None = 0,
    Multipoint = 0x01,
    Demand = 0x02,
    AuthenticationPresent = 0x04,
    ControlPlaneIndependent = 0x08,
    Final = 0x10,
    Poll = 0x20,
}

/// <summary>Authentication types (RFC 5880 §4.1, "Auth Type").</summary>
public enum BfdAuthType : byte
{
    None = 0,
    SimplePassword = 1,
    KeyedMd5 = 2,
    MeticulousKeyedMd5 = 3,
    KeyedSha1 = 4,
    MeticulousKeyedSha1 = 5,
}

/// <summary>Why a received datagram was not accepted (RFC 5880 §6.8.6 checks, in order).</summary>
public enum BfdDecodeStatus : byte
{
    Ok = 0,
    TooShort,
    BadVersion,
    BadLength,
    ZeroDetectMultiplier,
    Multipoint,
    ZeroMyDiscriminator,
    ZeroYourDiscriminatorNotDown,
    BadAuthSection,
}

/// <summary>Text forms used by <c>show bfd peers</c>.</summary>
public static class BfdNames
{
    /// <summary>State names as FRR prints them ("down", "init", "up", "shutdown").</summary>
    public static string Format(BfdState state) => state switch
    {
        BfdState.AdminDown => "shutdown",
        BfdState.Down => "down",
        BfdState.Init => "init",
        BfdState.Up => "up",
        _ => "unknown",
    };

    /// <summary>Diagnostic names as FRR prints them.</summary>
    public static string Format(BfdDiagnostic diag) => diag switch
    {
        BfdDiagnostic.None => "ok",
        BfdDiagnostic.ControlDetectionTimeExpired => "control detection time expired",
        BfdDiagnostic.EchoFunctionFailed => "echo function failed",
        BfdDiagnostic.NeighborSignaledSessionDown => "neighbor signaled session down",
        BfdDiagnostic.ForwardingPlaneReset => "forwarding plane reset",
        BfdDiagnostic.PathDown => "path down",
        BfdDiagnostic.ConcatenatedPathDown => "concatenated path down",
        BfdDiagnostic.AdministrativelyDown => "administratively down",
        BfdDiagnostic.ReverseConcatenatedPathDown => "reverse concatenated path down",
        _ => "unknown",
    };
}
