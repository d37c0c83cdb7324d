using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>Runs short commands with a deadline (never waits forever) and signals processes by PID.</summary>
public static partial class Shell
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static ExecResult Run(string file, params string[] args) => Run(DefaultTimeout, file, args);

    public static ExecResult Run(TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        string command = Describe(file, args);
        using var p = new Process { StartInfo = psi };
        try
        {
            p.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException($"cannot start `{command}`: {e.Message}", e);
        }

        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(timeout);
        if (!exited)
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            p.WaitForExit(TimeSpan.FromSeconds(5));
        }
        else
        {
            p.WaitForExit(); // flushes the async readers
        }

        string o = stdout.Wait(TimeSpan.FromSeconds(5)) ? stdout.Result : "";
        string e2 = stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result : "";
        return new ExecResult(command, exited ? p.ExitCode : -1, o, e2, !exited);
    }

    /// <summary>The command as a person would type it (for messages).</summary>
    public static string Describe(string file, IEnumerable<string> args)
    {
        var sb = new StringBuilder(file);
        foreach (string a in args)
        {
            sb.Append(' ');
            bool quote = a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '*' or ';' or '|');
            sb.Append(quote ? "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'" : a);
        }

        return sb.ToString();
    }

    public static bool IsRoot => geteuid() == 0;

    /// <summary>
    /// True when a process with this PID exists and is not a zombie (PID 1 on these machines may not
    /// reap orphans, and a zombie still answers signal 0).
    /// </summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0 || (kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() != 1 /* EPERM */))
        {
            return false;
        }

        try
        {
            // /proc/PID/stat: "pid (comm) state ..."; comm may contain spaces, so read after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Sends a signal to exactly one PID. Returns false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    public const int SigTerm = 15;
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigHup = 1;
    public const int SigStop = 19;
    public const int SigCont = 18;

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL; returns when the PID is gone.</summary>
    public static void Stop(int pid, TimeSpan grace)
    {
        if (!Signal(pid, SigTerm))
        {
            return;
        }

        if (!WaitForExit(pid, grace))
        {
            Signal(pid, SigKill);
            WaitForExit(pid, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>
    /// Waits until process <paramref name="pid"/> (not necessarily our child) has exited, at most
    /// <paramref name="timeout"/>: a pidfd becomes readable when the process exits (Linux 5.3+), so
    /// this is a wait for the event itself, not a polling loop. True when it is gone.
    /// </summary>
    public static bool WaitForExit(int pid, TimeSpan timeout)
    {
        int fd = (int)syscall(SysPidfdOpen, pid, 0);
        if (fd < 0)
        {
            return !IsAlive(pid); // ESRCH: already gone
        }

        try
        {
            var deadline = Stopwatch.StartNew();
            var pfd = new PollFd { Fd = fd, Events = PollIn };
            while (true)
            {
                int left = (int)Math.Clamp((timeout - deadline.Elapsed).TotalMilliseconds, 0, int.MaxValue);
                int r = poll(ref pfd, 1, left);
                if (r > 0 || left == 0 || (r < 0 && Marshal.GetLastPInvokeError() != 4 /* EINTR */))
                {
                    return !IsAlive(pid);
                }
            }
        }
        finally
        {
            close(fd);
        }
    }

    private const long SysPidfdOpen = 434;
    private const short PollIn = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long arg1, long arg2);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, ulong nfds, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    /// <summary>Checks that a program is installed; a missing peer is a setup failure, never a silent skip.</summary>
    public static string Require(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/lib/frr"]))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new LabException($"required program `{program}` is not installed (run .ci/run or apt-get install the peer package)");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
