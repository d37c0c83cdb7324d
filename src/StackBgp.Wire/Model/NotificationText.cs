using System.Globalization;

namespace StackBgp.Wire;

/// <summary>Human-readable NOTIFICATION code/subcode names for logs and show output.</summary>
public static class NotificationText
{
    public static string CodeName(BgpErrorCode code) => code switch
    {
        BgpErrorCode.MessageHeader => "Message Header Error",
        BgpErrorCode.OpenMessage => "OPEN Message Error",
        BgpErrorCode.UpdateMessage => "UPDATE Message Error",
        BgpErrorCode.HoldTimerExpired => "Hold Timer Expired",
        BgpErrorCode.FiniteStateMachine => "Finite State Machine Error",
        BgpErrorCode.Cease => "Cease",
        BgpErrorCode.RouteRefreshMessage => "ROUTE-REFRESH Message Error",
        BgpErrorCode.SendHoldTimerExpired => "Send Hold Timer Expired",
        _ => string.Create(CultureInfo.InvariantCulture, $"code {(byte)code}"),
    };

    public static string SubcodeName(BgpErrorCode code, byte subcode) => code switch
    {
        BgpErrorCode.MessageHeader => (MessageHeaderSubcode)subcode switch
        {
            MessageHeaderSubcode.ConnectionNotSynchronized => "Connection Not Synchronized",
            MessageHeaderSubcode.BadMessageLength => "Bad Message Length",
            MessageHeaderSubcode.BadMessageType => "Bad Message Type",
            _ => Unknown(subcode),
        },
        BgpErrorCode.OpenMessage => (OpenMessageSubcode)subcode switch
        {
            OpenMessageSubcode.Unspecific => "Unspecific",
            OpenMessageSubcode.UnsupportedVersionNumber => "Unsupported Version Number",
            OpenMessageSubcode.BadPeerAs => "Bad Peer AS",
            OpenMessageSubcode.BadBgpIdentifier => "Bad BGP Identifier",
            OpenMessageSubcode.UnsupportedOptionalParameter => "Unsupported Optional Parameter",
            OpenMessageSubcode.UnacceptableHoldTime => "Unacceptable Hold Time",
            OpenMessageSubcode.UnsupportedCapability => "Unsupported Capability",
            OpenMessageSubcode.RoleMismatch => "Role Mismatch",
            _ => Unknown(subcode),
        },
        BgpErrorCode.UpdateMessage => (UpdateMessageSubcode)subcode switch
        {
            UpdateMessageSubcode.MalformedAttributeList => "Malformed Attribute List",
            UpdateMessageSubcode.UnrecognizedWellKnownAttribute => "Unrecognized Well-known Attribute",
            UpdateMessageSubcode.MissingWellKnownAttribute => "Missing Well-known Attribute",
            UpdateMessageSubcode.AttributeFlagsError => "Attribute Flags Error",
            UpdateMessageSubcode.AttributeLengthError => "Attribute Length Error",
            UpdateMessageSubcode.InvalidOriginAttribute => "Invalid ORIGIN Attribute",
            UpdateMessageSubcode.InvalidNextHopAttribute => "Invalid NEXT_HOP Attribute",
            UpdateMessageSubcode.OptionalAttributeError => "Optional Attribute Error",
            UpdateMessageSubcode.InvalidNetworkField => "Invalid Network Field",
            UpdateMessageSubcode.MalformedAsPath => "Malformed AS_PATH",
            _ => Unknown(subcode),
        },
        BgpErrorCode.FiniteStateMachine => (FsmErrorSubcode)subcode switch
        {
            FsmErrorSubcode.Unspecified => "Unspecified",
            FsmErrorSubcode.UnexpectedMessageInOpenSent => "Receive Unexpected Message in OpenSent State",
            FsmErrorSubcode.UnexpectedMessageInOpenConfirm => "Receive Unexpected Message in OpenConfirm State",
            FsmErrorSubcode.UnexpectedMessageInEstablished => "Receive Unexpected Message in Established State",
            _ => Unknown(subcode),
        },
        BgpErrorCode.Cease => (CeaseSubcode)subcode switch
        {
            CeaseSubcode.Unspecified => "Unspecified",
            CeaseSubcode.MaximumPrefixesReached => "Maximum Number of Prefixes Reached",
            CeaseSubcode.AdministrativeShutdown => "Administrative Shutdown",
            CeaseSubcode.PeerDeconfigured => "Peer De-configured",
            CeaseSubcode.AdministrativeReset => "Administrative Reset",
            CeaseSubcode.ConnectionRejected => "Connection Rejected",
            CeaseSubcode.OtherConfigurationChange => "Other Configuration Change",
            CeaseSubcode.ConnectionCollisionResolution => "Connection Collision Resolution",
            CeaseSubcode.OutOfResources => "Out of Resources",
            CeaseSubcode.HardReset => "Hard Reset",
            CeaseSubcode.BfdDown => "BFD Down",
            _ => Unknown(subcode),
        },
        BgpErrorCode.RouteRefreshMessage => subcode == 1 ? "Invalid Message Length" : Unknown(subcode),
        _ => Unknown(subcode),
    };

    /// <summary>"Cease/Administrative Shutdown (\"maintenance\")", or with the data as hex.</summary>
    public static string Describe(NotificationMessage n)
    {
        ArgumentNullException.ThrowIfNull(n);
        string s = $"{CodeName(n.Code)}/{SubcodeName(n.Code, n.Subcode)}";
        if (n.ShutdownMessage is { } text) return $"{s} (\"{text}\")";
        if (n.HardResetInner is { } inner) return $"{s} of {Describe(inner)}";
        return n.Data.IsEmpty ? s : $"{s} data {Convert.ToHexString(n.Data.AsSpan())}";
    }

    private static string Unknown(byte subcode) => string.Create(CultureInfo.InvariantCulture, $"subcode {subcode}");
}
