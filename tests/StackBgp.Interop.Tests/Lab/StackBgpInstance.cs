using System.Text.Json.Nodes;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// stackbgpd in one namespace (<c>stackbgpd --config FILE --socket SOCK</c>), queried with
/// <c>stackbgp -s SOCK -c COMMAND</c>. Binaries: $STACKBGPD / $STACKBGP, else $STACKBGP_BIN/, else artifacts/bin/ of the
/// repository that contains the test assembly.
/// </summary>
public sealed class StackBgpInstance : BgpPeerBase
{
    private StackBgpInstance(NetNs ns, string daemon, string cli, Action<string>? log)
        : base(ns, "StackBgp", log)
    {
        Daemon = daemon;
        CliPath = cli;
        ConfigPath = Path.Combine(Dir, "stackbgpd.conf");
        Socket = Path.Combine(Dir, "stackbgpd.sock");
    }

    public string Daemon { get; }

    public string CliPath { get; }

    public string ConfigPath { get; }

    public string Socket { get; }

    /// <summary>The current stackbgpd process (the last one started: <see cref="Restart"/> starts another).</summary>
    public LabProcess Process => Processes[^1];

    /// <summary>The stackbgpd binary, or a setup failure saying how to build it.</summary>
    public static string FindDaemon() => Find("STACKBGPD", "stackbgpd");

    public static string FindCli() => Find("STACKBGP", "stackbgp");

    /// <summary>Validates <paramref name="config"/> with <c>--check</c>, starts the daemon, waits until the CLI answers.</summary>
    public static StackBgpInstance Start(NetNs ns, string config, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = new StackBgpInstance(ns, FindDaemon(), FindCli(), log);
        try
        {
            ExecResult v = Shell.Run(TimeSpan.FromSeconds(20), s.Daemon, "--version");
            s.Version = v.Succeeded ? FirstLine(v) : $"stackbgpd {File.GetLastWriteTimeUtc(s.Daemon):yyyy-MM-dd HH:mm}Z";
            File.WriteAllText(s.ConfigPath, config);
            ExecResult check = Shell.Run(TimeSpan.FromSeconds(30), s.Daemon, "--config", s.ConfigPath, "--check");
            if (!check.Succeeded)
            {
                throw new LabException($"stackbgpd rejected its config:\n{config}\n{check}");
            }

            LabProcess p = s.StartProcess("stackbgpd", s.Daemon, "--config", s.ConfigPath, "--socket", s.Socket);
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return File.Exists(s.Socket) && s.Run("show bgp summary").Succeeded;
                },
                TimeSpan.FromSeconds(30),
                () => $"stackbgpd in {ns.Name} answering on {s.Socket}; output:\n{p.Output}");
            s.Announce();
        }
        catch
        {
            s.Dispose();
            throw;
        }

        return s;
    }

    /// <summary>SIGKILL (a crash: no NOTIFICATION, nothing cleaned up) and wait until the process is gone.</summary>
    public void Kill()
    {
        LabProcess p = Process;
        p.Signal(Shell.SigKill);
        if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"after 10 s: stackbgpd (pid {p.Pid}) to exit after SIGKILL");
        }
    }

    /// <summary>SIGINT (stackbgpd's stop for good: every peer withdraws its routes) and wait until the process is gone.</summary>
    public void Interrupt(TimeSpan grace)
    {
        LabProcess p = Process;
        p.Signal(Shell.SigInt);
        if (!p.WaitForExit(grace))
        {
            throw new TimeoutException($"after {grace.TotalSeconds:0.#} s: stackbgpd (pid {p.Pid}) to exit after SIGINT; output:\n{p.Output}");
        }
    }

    /// <summary>Writes a new configuration and sends SIGHUP (reload in place); waits until the daemon logs the outcome.</summary>
    public void Reload(string config)
    {
        LabProcess p = Process;
        int before = ReloadOutcomes(p.Output);
        File.WriteAllText(ConfigPath, config);
        p.Signal(Shell.SigHup);
        Poll.Until(() => ReloadOutcomes(p.Output) > before, TimeSpan.FromSeconds(20),
            () => $"stackbgpd (pid {p.Pid}) to log the outcome of the reload; output:\n{p.Output}");
    }

    /// <summary>Lines saying a reload ended: applied, unchanged, or refused.</summary>
    private static int ReloadOutcomes(string output) =>
        output.Split('\n').Count(l => l.Contains("reload: applied", StringComparison.Ordinal)
            || l.Contains("reload: configuration unchanged", StringComparison.Ordinal)
            || l.Contains("refused: the running configuration is unchanged", StringComparison.Ordinal));

    /// <summary>Starts stackbgpd again in the same namespace (optionally with a new config) and waits until the CLI answers.</summary>
    public void Restart(string? config = null)
    {
        if (config is not null)
        {
            File.WriteAllText(ConfigPath, config);
        }

        LabProcess p = StartProcess("stackbgpd", Daemon, "--config", ConfigPath, "--socket", Socket);
        Poll.Until(
            () =>
            {
                p.EnsureRunning();
                return File.Exists(Socket) && Run("show bgp summary").Succeeded;
            },
            TimeSpan.FromSeconds(30),
            () => $"restarted stackbgpd in {Ns.Name} answering on {Socket}; output:\n{p.Output}");
        Announce();
    }

    /// <summary>Runs CLI commands (each a <c>-c</c>); throws when the CLI fails.</summary>
    public string Cli(params string[] commands) => Run(commands).Check().Stdout;

    public JsonNode CliJson(string command)
    {
        string text = Cli(command);
        return JsonNode.Parse(text.Trim().Length == 0 ? "{}" : text) ?? new JsonObject();
    }

    /// <summary>The neighbor's state from <c>show bgp neighbors json</c> (FRR's shape: <c>bgpState</c>), or "absent".</summary>
    public string NeighborState(string neighbor) =>
        CliJson("show bgp neighbors json")[neighbor]?["bgpState"]?.GetValue<string>() ?? "absent";

    public void WaitEstablished(string neighbor, TimeSpan? timeout = null) =>
        Poll.Until(() => NeighborState(neighbor), s => s == "Established", timeout ?? TimeSpan.FromSeconds(60),
            $"stackbgpd in {Ns.Name}: neighbor {neighbor} Established");

    /// <summary>The paths for a prefix from <c>show bgp ipv4|ipv6 unicast json</c> (FRR's shape).</summary>
    public JsonArray Paths(string prefix)
    {
        string afi = prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";
        return CliJson($"show bgp {afi} unicast json")["routes"]?[prefix] as JsonArray ?? [];
    }

    /// <summary>SIGTERM and wait; returns how long the daemon took to exit.</summary>
    public TimeSpan Terminate(TimeSpan grace)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Process.Stop(grace);
        return clock.Elapsed;
    }

    private ExecResult Run(params string[] commands)
    {
        var args = new List<string> { "-s", Socket };
        foreach (string c in commands)
        {
            args.Add("-c");
            args.Add(c);
        }

        return Shell.Run(TimeSpan.FromSeconds(20), CliPath, [.. args]);
    }

    private static string Find(string variable, string name)
    {
        string? fromEnv = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return File.Exists(fromEnv) ? fromEnv : throw new LabException($"${variable}={fromEnv} does not exist");
        }

        string? binDir = Environment.GetEnvironmentVariable("STACKBGP_BIN");
        if (!string.IsNullOrEmpty(binDir))
        {
            string inBin = Path.Combine(binDir, name);
            return File.Exists(inBin) ? inBin : throw new LabException($"$STACKBGP_BIN={binDir} has no {name}");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "artifacts", "bin", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new LabException($"{name} not found: build the Release executables into artifacts/bin (see README) or set ${variable}");
    }
}
