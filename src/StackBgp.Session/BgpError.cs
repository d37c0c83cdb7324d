namespace StackBgp.Session;

/// <summary>
/// A NOTIFICATION to send or that was received: error code, subcode and data (RFC 4271 §4.5, §6).
/// The session reports errors as these values; one place (<see cref="BgpErrors"/>) names them.
/// </summary>
public readonly record struct BgpError(byte Code, byte Subcode, ReadOnlyMemory<byte> Data = default)
{
    public bool IsNone => Code == 0;

    public override string ToString() => BgpErrors.Describe(this);
}

/// <summary>NOTIFICATION error codes and subcodes (RFC 4271 §4.5, RFC 4486, RFC 6608, RFC 9687) and their names.</summary>
public static class BgpErrors
{
    public const byte MessageHeaderError = 1;
    public const byte OpenMessageError = 2;
    public const byte UpdateMessageError = 3;
    public const byte HoldTimerExpired = 4;
    public const byte FsmError = 5;
    public const byte Cease = 6;
    public const byte RouteRefreshMessageError = 7;
    public const byte SendHoldTimerExpired = 8;

    // OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492 §5).
    public const byte UnsupportedVersionNumber = 1;
    public const byte BadPeerAs = 2;
    public const byte BadBgpIdentifier = 3;
    public const byte UnsupportedOptionalParameter = 4;
    public const byte UnacceptableHoldTime = 6;
    public const byte UnsupportedCapability = 7;
    public const byte RoleMismatch = 11;

    // FSM Error subcodes (RFC 6608 §3).
    public const byte UnexpectedInOpenSent = 1;
    public const byte UnexpectedInOpenConfirm = 2;
    public const byte UnexpectedInEstablished = 3;

    // Cease subcodes (RFC 4486 §4, RFC 9003).
    public const byte MaxPrefixesReached = 1;
    public const byte AdministrativeShutdown = 2;
    public const byte PeerDeConfigured = 3;
    public const byte AdministrativeReset = 4;
    public const byte ConnectionRejected = 5;
    public const byte OtherConfigurationChange = 6;
    public const byte ConnectionCollisionResolution = 7;
    public const byte OutOfResources = 8;
    public const byte HardReset = 9;

    public static BgpError CeaseWith(byte subcode, ReadOnlyMemory<byte> data = default) => new(Cease, subcode, data);

    public static string CodeName(byte code) => code switch
    {
        MessageHeaderError => "Message Header Error",
        OpenMessageError => "OPEN Message Error",
        UpdateMessageError => "UPDATE Message Error",
        HoldTimerExpired => "Hold Timer Expired",
        FsmError => "Finite State Machine Error",
        Cease => "Cease",
        RouteRefreshMessageError => "ROUTE-REFRESH Message Error",
        SendHoldTimerExpired => "Send Hold Timer Expired",
        _ => $"code {code}",
    };

    public static string SubcodeName(byte code, byte subcode) => (code, subcode) switch
    {
        (_, 0) => "Unspecific",
        (MessageHeaderError, 1) => "Connection Not Synchronized",
        (MessageHeaderError, 2) => "Bad Message Length",
        (MessageHeaderError, 3) => "Bad Message Type",
        (OpenMessageError, UnsupportedVersionNumber) => "Unsupported Version Number",
        (OpenMessageError, BadPeerAs) => "Bad Peer AS",
        (OpenMessageError, BadBgpIdentifier) => "Bad BGP Identifier",
        (OpenMessageError, UnsupportedOptionalParameter) => "Unsupported Optional Parameter",
        (OpenMessageError, UnacceptableHoldTime) => "Unacceptable Hold Time",
        (OpenMessageError, UnsupportedCapability) => "Unsupported Capability",
        (OpenMessageError, RoleMismatch) => "Role Mismatch",
        (UpdateMessageError, 1) => "Malformed Attribute List",
        (UpdateMessageError, 2) => "Unrecognized Well-known Attribute",
        (UpdateMessageError, 3) => "Missing Well-known Attribute",
        (UpdateMessageError, 4) => "Attribute Flags Error",
        (UpdateMessageError, 5) => "Attribute Length Error",
        (UpdateMessageError, 6) => "Invalid ORIGIN Attribute",
        (UpdateMessageError, 8) => "Invalid NEXT_HOP Attribute",
        (UpdateMessageError, 9) => "Optional Attribute Error",
        (UpdateMessageError, 10) => "Invalid Network Field",
        (UpdateMessageError, 11) => "Malformed AS_PATH",
        (FsmError, UnexpectedInOpenSent) => "Receive Unexpected Message in OpenSent State",
        (FsmError, UnexpectedInOpenConfirm) => "Receive Unexpected Message in OpenConfirm State",
        (FsmError, UnexpectedInEstablished) => "Receive Unexpected Message in Established State",
        (Cease, MaxPrefixesReached) => "Maximum Number of Prefixes Reached",
        (Cease, AdministrativeShutdown) => "Administrative Shutdown",
        (Cease, PeerDeConfigured) => "Peer De-configured",
        (Cease, AdministrativeReset) => "Administrative Reset",
        (Cease, ConnectionRejected) => "Connection Rejected",
        (Cease, OtherConfigurationChange) => "Other Configuration Change",
        (Cease, ConnectionCollisionResolution) => "Connection Collision Resolution",
        (Cease, OutOfResources) => "Out of Resources",
        (Cease, HardReset) => "Hard Reset",
        (RouteRefreshMessageError, 1) => "Invalid Message Length",
        _ => $"subcode {subcode}",
    };

    /// <summary>
    /// "Cease/Administrative Shutdown (6/2) data: \"text\"". The shutdown communication of RFC 9003
    /// (length octet + UTF-8) is shown as text; other data as hex.
    /// </summary>
    public static string Describe(BgpError e)
    {
        if (e.IsNone) return "none";
        string head = $"{CodeName(e.Code)}/{SubcodeName(e.Code, e.Subcode)} ({e.Code}/{e.Subcode})";
        if (e.Data.IsEmpty) return head;
        string? text = ShutdownMessage(e);
        return text is not null ? $"{head} message \"{text}\"" : $"{head} data {Convert.ToHexString(e.Data.Span)}";
    }

    /// <summary>The RFC 9003 §2 shutdown communication in a Cease 2 or 4, or null.</summary>
    public static string? ShutdownMessage(BgpError e)
    {
        if (e.Code != Cease || e.Subcode is not (AdministrativeShutdown or AdministrativeReset)) return null;
        ReadOnlySpan<byte> d = e.Data.Span;
        if (d.Length < 1 || d[0] + 1 > d.Length) return null;
        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(d.Slice(1, d[0]));
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Builds Cease/Administrative Shutdown with an RFC 9003 message (truncated to 255 octets on a character boundary).</summary>
    public static BgpError AdministrativeShutdownWith(string? message, byte subcode = AdministrativeShutdown)
    {
        if (string.IsNullOrEmpty(message)) return CeaseWith(subcode);
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(message);
        int n = Math.Min(utf8.Length, 255);
        while (n > 0 && n < utf8.Length && (utf8[n] & 0xC0) == 0x80) n--;
        byte[] data = new byte[n + 1];
        data[0] = (byte)n;
        utf8.AsSpan(0, n).CopyTo(data.AsSpan(1));
        return CeaseWith(subcode, data);
    }
}
