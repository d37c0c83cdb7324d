namespace StackBgp.Config;

public enum ConfigSeverity
{
    Error,
    Warning,
}

/// <summary>A problem found in a configuration: which file, which line, which command, and why.</summary>
public sealed record ConfigError(string File, int Line, string Command, string Message, ConfigSeverity Severity = ConfigSeverity.Error)
{
    public const string NotSupportedPrefix = "not supported yet: ";

    /// <summary>True for FRR commands we know but do not implement yet.</summary>
    public bool IsNotSupported => Message.StartsWith(NotSupportedPrefix, StringComparison.Ordinal);

    public override string ToString() =>
        $"{File}:{Line}: {(Severity == ConfigSeverity.Error ? "error" : "warning")}: {Message} (command: '{Command}')";
}

/// <summary>The outcome of parsing: the model (null when there are errors) and every diagnostic.</summary>
public sealed record ConfigParseResult(StackBgpConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<ConfigError> Warnings)
{
    public bool IsValid => Errors.Count == 0 && Config is not null;

    /// <summary>The commands reported as "not supported yet", as written.</summary>
    public IReadOnlyList<string> UnsupportedCommands => [.. Errors.Where(e => e.IsNotSupported).Select(e => e.Command)];
}
