using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// What to do about a malformed message or attribute (RFC 7606 §2), ordered by strength: when an
/// UPDATE has several problems the strongest action wins (RFC 7606 §3 h).
/// </summary>
public enum ErrorAction : byte
{
    None = 0,
    /// <summary>Drop the attribute, keep the route (RFC 7606 §2 "attribute discard").</summary>
    AttributeDiscard = 1,
    /// <summary>Treat every NLRI of the UPDATE as withdrawn (RFC 7606 §2 "treat-as-withdraw").</summary>
    TreatAsWithdraw = 2,
    /// <summary>Send the NOTIFICATION and close the session (RFC 4271 §6, RFC 7606 §2 "session reset").</summary>
    SessionReset = 3,
}

/// <summary>
/// One decode error as a value: the action, the NOTIFICATION code/subcode/data that would be sent
/// for it (RFC 4271 §6; used when <see cref="Action"/> is <see cref="ErrorAction.SessionReset"/>),
/// and a short reason for the log.
/// </summary>
public readonly record struct WireError(ErrorAction Action, BgpErrorCode Code, byte Subcode, ImmutableArray<byte> Data, string Reason)
{
    public static WireError Reset(BgpErrorCode code, byte subcode, string reason, ReadOnlySpan<byte> data = default) =>
        new(ErrorAction.SessionReset, code, subcode, data.IsEmpty ? ImmutableArray<byte>.Empty : ImmutableArray.Create(data.ToArray()), reason);

    public static WireError Update(ErrorAction action, UpdateMessageSubcode subcode, string reason, ReadOnlySpan<byte> data = default) =>
        new(action, BgpErrorCode.UpdateMessage, (byte)subcode, data.IsEmpty ? ImmutableArray<byte>.Empty : ImmutableArray.Create(data.ToArray()), reason);

    /// <summary>The NOTIFICATION to send for this error (the one place errors become NOTIFICATIONs).</summary>
    public NotificationMessage ToNotification() => new(Code, Subcode, Data.IsDefault ? ImmutableArray<byte>.Empty : Data);

    public bool Equals(WireError other) =>
        Action == other.Action && Code == other.Code && Subcode == other.Subcode && Reason == other.Reason
        && Data.AsSpan().SequenceEqual(other.Data.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Action, Code, Subcode, Reason);

    public override string ToString() => $"{Action}: {Reason} ({NotificationText.CodeName(Code)}/{NotificationText.SubcodeName(Code, Subcode)})";
}

/// <summary>
/// The RFC 7606 record of one UPDATE: keeps the strongest error seen (the first of equal strength)
/// and how many errors there were, like GoBGP's error record.
/// </summary>
public struct ErrorRecord
{
    private WireError _strongest;

    public int Count { get; private set; }
    public readonly ErrorAction Action => Count == 0 ? ErrorAction.None : _strongest.Action;
    public readonly WireError? Strongest => Count == 0 ? null : _strongest;

    public void Add(in WireError error)
    {
        if (Count == 0 || error.Action > _strongest.Action) _strongest = error;
        Count++;
    }

    public override readonly string ToString() => Count == 0 ? "no error" : $"{_strongest} ({Count} error(s))";
}
