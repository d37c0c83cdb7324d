using System.Collections.Immutable;
using System.Text;

namespace StackBgp.Wire;

/// <summary>
/// Shutdown communication (RFC 9003 §2) in the data of Cease / Administrative Shutdown (2) and
/// Administrative Reset (4):
/// <code>
///  +--------+-----------------------------------+
///  | Length | Shutdown Communication (UTF-8) ... |   Length: 0..255 octets
///  +--------+-----------------------------------+
/// </code>
/// </summary>
public static class ShutdownCommunication
{
    public const int MaxLength = 255;

    /// <summary>Encodes; text longer than 255 UTF-8 octets is cut at a character boundary.</summary>
    public static ImmutableArray<byte> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int n = utf8.Length;
        if (n > MaxLength)
        {
            n = MaxLength;
            while (n > 0 && (utf8[n] & 0xC0) == 0x80) n--; // do not split a multi-byte sequence
        }
        var b = new byte[n + 1];
        b[0] = (byte)n;
        utf8.AsSpan(0, n).CopyTo(b.AsSpan(1));
        return ImmutableArray.Create(b);
    }

    /// <summary>
    /// Decodes. RFC 9003 §2: a length beyond the data or invalid UTF-8 means the data is not a
    /// shutdown communication (we return false and the caller logs the data as hex).
    /// Empty data is not a communication either.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out string? text)
    {
        text = null;
        if (data.IsEmpty) return false;
        int n = data[0];
        if (n + 1 > data.Length) return false;
        try
        {
            text = new UTF8Encoding(false, true).GetString(data.Slice(1, n));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
