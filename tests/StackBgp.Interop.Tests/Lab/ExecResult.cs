namespace StackBgp.Interop.Tests.Lab;

/// <summary>What a finished (or timed-out) command produced.</summary>
public sealed record ExecResult(string Command, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Throws with the command, exit code and both streams unless the command succeeded.</summary>
    public ExecResult Check()
    {
        if (!Succeeded)
        {
            throw new LabException(ToString());
        }

        return this;
    }

    public override string ToString() =>
        $"`{Command}` {(TimedOut ? "timed out" : $"exited {ExitCode}")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>A lab setup step failed (a missing binary, a daemon that did not start, a command that failed).</summary>
public sealed class LabException : Exception
{
    public LabException()
    {
    }

    public LabException(string message)
        : base(message)
    {
    }

    public LabException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
