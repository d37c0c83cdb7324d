using System.Diagnostics;
using System.Text;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// One long-running program started inside a namespace with <c>ip netns exec</c> (which execs, so the
/// PID is the program's). Its output goes to a log; it is stopped by that PID, never by name.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();
    private bool _disposed;

    private LabProcess(Process process, string name, string command)
    {
        _process = process;
        Name = name;
        Command = command;
    }

    public string Name { get; }

    public string Command { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the program wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    public static LabProcess Start(NetNs ns, string name, string file, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // env --default-signal: a process started from a background job of a script inherits SIGINT and
        // SIGQUIT ignored, and .NET (stackbgpd's SIGINT = stop for good) keeps an inherited SIG_IGN.
        string[] all = ["netns", "exec", ns.Name, "env", "--default-signal=INT,QUIT", file, .. args];
        foreach (string a in all)
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var lp = new LabProcess(p, name, Shell.Describe("ip", all));
        p.OutputDataReceived += (_, e) => lp.Append(e.Data);
        p.ErrorDataReceived += (_, e) => lp.Append(e.Data);
        if (!p.Start())
        {
            throw new LabException($"could not start {lp.Command}");
        }

        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return lp;
    }

    /// <summary>Throws with the program's output when it has exited (used while waiting for readiness).</summary>
    public void EnsureRunning()
    {
        if (_process.HasExited)
        {
            throw new LabException($"{Name} exited with {_process.ExitCode}: {Command}\n{Output}");
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the last output line has been read.</summary>
    public void Stop(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            Shell.Stop(_process.Id, grace);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }

        WaitForOutputEnd();
    }

    /// <summary>Waits for the process to exit (at most <paramref name="timeout"/>) and for its output to be read; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        WaitForOutputEnd();
        return true;
    }

    /// <summary>
    /// After the process has exited: waits (at most 5 s) until its redirected output has been read to the end.
    /// HasExited turns true before the asynchronous readers have delivered the last lines, so a test that
    /// reads <see cref="Output"/> right after the exit could miss what the program wrote while stopping.
    /// </summary>
    public void WaitForOutputEnd()
    {
        if (_process.HasExited)
        {
            Task.Run(() => _process.WaitForExit()).Wait(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Sends one signal (e.g. <see cref="Shell.SigKill"/> to simulate a crash).</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            Shell.Signal(_process.Id, signal);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (_log.Length < 4_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }
}
