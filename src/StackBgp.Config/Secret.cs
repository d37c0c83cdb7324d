namespace StackBgp.Config;

/// <summary>
/// A secret from the config (the TCP-MD5 key of RFC 2385). Compared by value; <see cref="ToString"/>
/// never shows it, so a logged record or diagnostic cannot leak it. Use <see cref="Value"/> where the
/// key is needed (the socket option, <c>show running-config</c>).
/// </summary>
public readonly record struct Secret(string Value)
{
    public override string ToString() => ConfigPrinter.Redacted;
}
