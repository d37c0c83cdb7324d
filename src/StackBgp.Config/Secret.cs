namespace StackBgp.Config;

/// <summary>
/// A secret from the config (the TCP-MD5 key of RFC 2385). Compared by value; <see cref="ToString"/>
/// never shows it, so a logged record or diagnostic cannot leak it. Use <see cref="Value"/> (or the
/// implicit conversion to string) where the key itself is needed: the socket option and
/// <c>show running-config</c>.
/// </summary>
public sealed record Secret(string Value)
{
    public override string ToString() => ConfigPrinter.Redacted;

    /// <summary>The key itself (for <c>TCP_MD5SIG</c>); null stays null.</summary>
    public static implicit operator string?(Secret? secret) => secret?.Value;
}
