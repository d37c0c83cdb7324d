using System.Globalization;

namespace StackBgp.Wire.Tests;

internal static class Hex
{
    /// <summary>Hex with any whitespace removed.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> b) => Convert.ToHexString(b).ToLowerInvariant();

    /// <summary>A whole message: 16 x 0xFF marker, length, type, then the hand-written body.</summary>
    public static byte[] Message(BgpMessageType type, string bodyHex)
    {
        byte[] body = Bytes(bodyHex);
        var m = new byte[19 + body.Length];
        m.AsSpan(0, 16).Fill(0xFF);
        m[16] = (byte)(m.Length >> 8);
        m[17] = (byte)m.Length;
        m[18] = (byte)type;
        body.CopyTo(m, 19);
        return m;
    }

    public static uint V4(string s)
    {
        var p = s.Split('.').Select(x => uint.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    }

    public static Nlri N(string prefix, uint pathId = 0) => new(Prefix.Parse(prefix), pathId);
}
