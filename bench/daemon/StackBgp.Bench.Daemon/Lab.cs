using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// Network namespaces and processes owned by this orchestrator. Namespace names are
/// <c>sbb-PID-RAND-ROLE</c>; everything created is tracked and removed in <see cref="Cleanup"/>
/// (called in finally blocks and on Ctrl+C / process exit); <see cref="Sweep"/> removes leftovers
/// of orchestrators that are no longer running. Processes are stopped by PID only.
/// </summary>
internal static class Lab
{
    public const string Prefix = "sbb";
    private static readonly Lock Gate = new();
    private static readonly List<string> Namespaces = [];
    private static readonly List<Child> Children = [];

    public static string NewTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    public static string CreateNamespace(string tag, string role)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}-{Environment.ProcessId}-{tag}-{role}");
        Run("ip", "netns", "add", name);
        lock (Gate)
        {
            Namespaces.Add(name);
        }

        Run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>A veth pair between two namespaces with IPv4 addresses (CIDRs) on each side.</summary>
    public static void Veth(string nsA, string ifA, IEnumerable<string> addrA, string nsB, string ifB, IEnumerable<string> addrB)
    {
        Run("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        foreach (string a in addrA)
        {
            Run("ip", "-n", nsA, "addr", "add", a, "dev", ifA);
        }

        foreach (string b in addrB)
        {
            Run("ip", "-n", nsB, "addr", "add", b, "dev", ifB);
        }

        Run("ip", "-n", nsA, "link", "set", ifA, "up");
        Run("ip", "-n", nsB, "link", "set", ifB, "up");
    }

    /// <summary>Starts <paramref name="exe"/> inside <paramref name="ns"/> (<c>ip netns exec</c> execs it, so the PID is the program's).</summary>
    public static Child Start(string ns, string name, string logPath, string exe, params string[] args)
    {
        var child = new Child(name, logPath, ["netns", "exec", ns, exe, .. args]);
        lock (Gate)
        {
            Children.Add(child);
        }

        return child;
    }

    /// <summary>The PIDs inside a namespace (the daemon under test and any process it forked).</summary>
    public static int[] Pids(string ns) =>
        [.. Run("ip", "netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s.Trim(), CultureInfo.InvariantCulture))];

    /// <summary>Stops every tracked child (SIGTERM, then SIGKILL) and deletes every tracked namespace.</summary>
    public static void Cleanup()
    {
        Child[] children;
        string[] namespaces;
        lock (Gate)
        {
            children = [.. Children];
            namespaces = [.. Namespaces];
            Children.Clear();
            Namespaces.Clear();
        }

        foreach (Child c in children)
        {
            c.Stop();
        }

        foreach (string ns in namespaces)
        {
            KillInside(ns);
            TryRun("ip", "netns", "del", ns);
        }
    }

    /// <summary>Deletes <c>sbb-PID-…</c> namespaces whose orchestrator PID is gone, with the processes inside.</summary>
    public static void Sweep()
    {
        foreach (string line in Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            string[] parts = name.Split('-');
            if (parts.Length == 4 && parts[0] == Prefix && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int owner)
                && owner != Environment.ProcessId && !Directory.Exists($"/proc/{owner}"))
            {
                Console.Error.WriteLine($"bench: removing leftover namespace {name}");
                KillInside(name);
                TryRun("ip", "netns", "del", name);
            }
        }
    }

    public static string Run(string exe, params string[] args)
    {
        (int code, string output) = TryRun(exe, args);
        return code == 0 ? output : throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({code}): {output}");
    }

    public static (int Code, string Output) TryRun(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        Task<string> err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            return (-1, o + err.Result);
        }

        return (p.ExitCode, o + err.Result);
    }

    private static void KillInside(string ns)
    {
        (int code, string output) = TryRun("ip", "netns", "pids", ns);
        if (code != 0)
        {
            return;
        }

        foreach (string s in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(s.Trim(), CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
            {
                TryRun("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}

/// <summary>A process started by the orchestrator: stdout lines queued for the caller, everything also logged to a file.</summary>
internal sealed class Child
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = [];
    private readonly StringBuilder _tail = new();
    private readonly StreamWriter _log;

    public Child(string name, string logPath, string[] args)
    {
        Name = name;
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var psi = new ProcessStartInfo("ip", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {name}");
        Pid = _process.Id;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
                return;
            }

            Log(e.Data);
            _lines.Add(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Log(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid { get; }

    public bool Exited => _process.HasExited;

    /// <summary>The last lines of output, for error messages.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return _tail.ToString();
            }
        }
    }

    /// <summary>
    /// Waits for a stdout line starting with one of <paramref name="prefixes"/>; throws with the output
    /// on exit, on timeout, or when <paramref name="abort"/> (checked every second) returns a reason.
    /// </summary>
    public string WaitLine(TimeSpan timeout, Func<string?>? abort, params string[] prefixes)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name}: no '{string.Join("|", prefixes)}' line within {timeout.TotalSeconds:F0} s; output:\n{Tail}");
            }

            if (_lines.TryTake(out string? line, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)))
            {
                if (prefixes.Any(p => line.StartsWith(p, StringComparison.Ordinal)))
                {
                    return line;
                }
            }
            else if (_lines.IsCompleted)
            {
                throw new InvalidOperationException($"{Name} exited ({ExitCode()}) before '{string.Join("|", prefixes)}'; output:\n{Tail}");
            }
            else if (abort?.Invoke() is string reason)
            {
                throw new InvalidOperationException($"{Name}: gave up waiting for '{string.Join("|", prefixes)}': {reason}");
            }
        }
    }

    public string WaitLine(string prefix, TimeSpan timeout) => WaitLine(timeout, null, prefix);

    /// <summary>SIGTERM by PID, SIGKILL after 5 s.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                Lab.TryRun("kill", "-TERM", Pid.ToString(CultureInfo.InvariantCulture));
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private string ExitCode() => _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "running";

    private void Log(string line)
    {
        lock (_tail)
        {
            _log.WriteLine(line);
            _tail.AppendLine(line);
            if (_tail.Length > 8000)
            {
                _tail.Remove(0, _tail.Length - 6000);
            }
        }
    }
}
