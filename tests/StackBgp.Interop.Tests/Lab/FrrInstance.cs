using System.Text.Json.Nodes;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// FRR (zebra + bgpd, optionally bfdd) in one namespace, following LAB.md: daemons started without a
/// config under their own path space (<c>-N NS</c>), then the integrated config loaded with
/// <c>vtysh -N NS -b</c>.
/// </summary>
public sealed class FrrInstance : BgpPeerBase
{
    private const string FrrLib = "/usr/lib/frr";
    private readonly string _etcDir;
    private readonly string _runDir;

    private FrrInstance(NetNs ns, Action<string>? log)
        : base(ns, "FRR", log)
    {
        _etcDir = Path.Combine("/etc/frr", ns.Name);
        _runDir = Path.Combine("/var/run/frr", ns.Name);
    }

    /// <summary>Starts FRR in <paramref name="ns"/> with the integrated config text <paramref name="frrConf"/>.</summary>
    public static FrrInstance Start(NetNs ns, string frrConf, bool bfd = false, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(frrConf);
        var frr = new FrrInstance(ns, log);
        try
        {
            frr.Launch(frrConf, bfd);
        }
        catch
        {
            frr.Dispose();
            throw;
        }

        return frr;
    }

    private void Launch(string frrConf, bool bfd)
    {
        Shell.Require("vtysh");
        Version = FirstLine(Shell.Run(Path.Combine(FrrLib, "bgpd"), "--version"));
        Directory.CreateDirectory(_etcDir);
        Directory.CreateDirectory(_runDir);
        File.WriteAllText(Path.Combine(_etcDir, "vtysh.conf"), "service integrated-vtysh-config\n");
        File.WriteAllText(Path.Combine(_etcDir, "frr.conf"), frrConf);
        File.WriteAllText(Path.Combine(Dir, "frr.conf"), frrConf);
        Shell.Run("chown", "-R", "frr:frr", _etcDir, _runDir).Check();
        string[] daemons = bfd ? ["zebra", "bfdd", "bgpd"] : ["zebra", "bgpd"];
        foreach (string d in daemons)
        {
            LabProcess p = StartProcess(d, Path.Combine(FrrLib, d), "-N", Ns.Name, "-u", "frr", "-g", "frr",
                "-i", Path.Combine(_runDir, d + ".pid"), "-P", "0", "--log", "stdout");
            string vty = Path.Combine(_runDir, d + ".vty");
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return File.Exists(vty);
                },
                TimeSpan.FromSeconds(15),
                () => $"{d} of {Ns.Name} to create {vty}; output:\n{p.Output}");
        }

        ExecResult boot = Shell.Run("vtysh", "-N", Ns.Name, "-b");
        if (!boot.Succeeded)
        {
            throw new LabException($"FRR in {Ns.Name} rejected its config:\n{boot}\n{Output}");
        }

        Announce();
    }

    /// <summary>SIGKILL of one daemon (e.g. "bgpd": a crash; zebra keeps running) and wait until it is gone.</summary>
    public void KillDaemon(string name)
    {
        LabProcess p = Processes.Last(x => x.Name == name);
        p.Signal(Shell.SigKill);
        Poll.Until(() => p.HasExited, TimeSpan.FromSeconds(10), () => $"{name} of {Ns.Name} (pid {p.Pid}) to exit after SIGKILL");
    }

    /// <summary>
    /// Starts a daemon again as <see cref="Start"/> did (optionally with a new integrated config) and loads the
    /// config with <c>vtysh -b</c>. For bgpd with <c>bgp graceful-restart</c> this is FRR 8.4's restart: its
    /// OPENs carry the R bit while its startup timer runs.
    /// </summary>
    public void RestartDaemon(string name, string? frrConf = null)
    {
        if (frrConf is not null)
        {
            File.WriteAllText(Path.Combine(_etcDir, "frr.conf"), frrConf);
            File.WriteAllText(Path.Combine(Dir, "frr.conf"), frrConf);
            Shell.Run("chown", "-R", "frr:frr", _etcDir).Check();
        }

        string vty = Path.Combine(_runDir, name + ".vty");
        if (File.Exists(vty))
        {
            File.Delete(vty);
        }

        LabProcess p = StartProcess(name, Path.Combine(FrrLib, name), "-N", Ns.Name, "-u", "frr", "-g", "frr",
            "-i", Path.Combine(_runDir, name + ".pid"), "-P", "0", "--log", "stdout");
        Poll.Until(
            () =>
            {
                p.EnsureRunning();
                return File.Exists(vty);
            },
            TimeSpan.FromSeconds(15),
            () => $"restarted {name} of {Ns.Name} to create {vty}; output:\n{p.Output}");
        ExecResult boot = Shell.Run("vtysh", "-N", Ns.Name, "-b");
        if (!boot.Succeeded)
        {
            throw new LabException($"FRR in {Ns.Name} rejected its config after restarting {name}:\n{boot}\n{Output}");
        }

        Announce();
    }

    /// <summary>Runs vtysh commands (each one a <c>-c</c>, in order); throws when vtysh fails.</summary>
    public string Vtysh(params string[] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var args = new List<string> { "-N", Ns.Name };
        foreach (string c in commands)
        {
            args.Add("-c");
            args.Add(c);
        }

        return Shell.Run(TimeSpan.FromSeconds(20), "vtysh", [.. args]).Check().Stdout;
    }

    /// <summary>Runs a <c>... json</c> command and parses it.</summary>
    public JsonNode VtyshJson(string command)
    {
        string text = Vtysh(command);
        return JsonNode.Parse(text.Length == 0 ? "{}" : text) ?? new JsonObject();
    }

    /// <summary><c>show bgp summary json</c>.</summary>
    public JsonNode BgpSummary() => VtyshJson("show bgp summary json");

    /// <summary><c>show bgp ipv4 unicast json</c> (or ipv6).</summary>
    public JsonNode BgpRoutes(bool ipv6 = false) => VtyshJson($"show bgp {(ipv6 ? "ipv6" : "ipv4")} unicast json");

    /// <summary><c>show bgp neighbors json</c>.</summary>
    public JsonNode BgpNeighbors() => VtyshJson("show bgp neighbors json");

    /// <summary>The FSM state FRR shows for a neighbor (address or interface name), or "absent".</summary>
    public string NeighborState(string neighbor) =>
        BgpNeighbors()[neighbor]?["bgpState"]?.GetValue<string>() ?? "absent";

    /// <summary>The paths FRR holds for a prefix (empty when none).</summary>
    public JsonArray Paths(string prefix)
    {
        JsonNode? paths = BgpRoutes(prefix.Contains(':', StringComparison.Ordinal))["routes"]?[prefix];
        return paths as JsonArray ?? [];
    }

    /// <summary>Waits until the neighbor is Established; the failure says what state was seen.</summary>
    public void WaitEstablished(string neighbor, TimeSpan? timeout = null) =>
        Poll.Until(() => NeighborState(neighbor), s => s == "Established", timeout ?? TimeSpan.FromSeconds(60),
            $"FRR in {Ns.Name}: neighbor {neighbor} Established");

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Environment.GetEnvironmentVariable("STACKBGP_LAB_KEEP") != "1")
        {
            foreach (string d in new[] { _etcDir, _runDir })
            {
                if (Directory.Exists(d))
                {
                    Directory.Delete(d, recursive: true);
                }
            }
        }
    }
}
