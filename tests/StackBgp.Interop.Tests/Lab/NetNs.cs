using System.Globalization;
using System.Security.Cryptography;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// A network namespace owned by this process: name = prefix-PID-random, swept when its owner PID is
/// gone, deleted (with every process still inside it) in <see cref="Dispose"/>.
/// </summary>
public sealed class NetNs : IDisposable
{
    public const string DefaultPrefix = "sbgp";
    private static readonly Lock SweepLock = new();
    private static readonly HashSet<string> SweptPrefixes = [];
    private bool _disposed;

    private NetNs(string name, string workDir)
    {
        Name = name;
        WorkDir = workDir;
    }

    /// <summary>The namespace name as `ip netns` knows it.</summary>
    public string Name { get; }

    /// <summary>A private directory for configs, sockets and logs of daemons in this namespace.</summary>
    public string WorkDir { get; }

    /// <summary>Creates a namespace with <c>lo</c> up, IPv6 DAD off and forwarding on.</summary>
    public static NetNs Create(string prefix = DefaultPrefix)
    {
        if (!Shell.IsRoot)
        {
            throw new LabException("the lab needs root (network namespaces); run the interop tests as root");
        }

        Sweep(prefix);
        string suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        string name = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Environment.ProcessId}-{suffix}");
        Shell.Run("ip", "netns", "add", name).Check();
        string dir = Path.Combine(Path.GetTempPath(), "stackbgp-lab", name);
        Directory.CreateDirectory(dir);
        var ns = new NetNs(name, dir);
        try
        {
            ns.Exec("ip", "link", "set", "lo", "up").Check();
            ns.Sysctl("net.ipv6.conf.all.accept_dad", "0");
            ns.Sysctl("net.ipv6.conf.default.accept_dad", "0");
            ns.Sysctl("net.ipv4.ip_forward", "1");
            ns.Sysctl("net.ipv6.conf.all.forwarding", "1");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>
    /// Deletes leftover namespaces named <c>prefix-PID-xxxxxx</c> whose owner PID no longer runs (a crashed
    /// earlier run), killing the processes still inside them. Runs once per prefix per process.
    /// </summary>
    public static void Sweep(string prefix)
    {
        lock (SweepLock)
        {
            if (!SweptPrefixes.Add(prefix))
            {
                return;
            }
        }

        ExecResult list = Shell.Run("ip", "netns", "list");
        foreach (string line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            string[] parts = name.Split('-');
            if (parts.Length != 3 || parts[0] != prefix || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int owner))
            {
                continue;
            }

            if (owner == Environment.ProcessId || Shell.IsAlive(owner))
            {
                continue;
            }

            KillAllInside(name);
            Shell.Run("ip", "netns", "del", name);
        }

        // FRR path spaces and work directories of dead runs (also those kept with STACKBGP_LAB_KEEP=1)
        foreach (string root in new[] { Path.Combine(Path.GetTempPath(), "stackbgp-lab"), "/etc/frr", "/var/run/frr" })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string dir in Directory.GetDirectories(root, prefix + "-*"))
            {
                string[] parts = Path.GetFileName(dir).Split('-');
                if (parts.Length == 3 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int owner)
                    && owner != Environment.ProcessId && !Shell.IsAlive(owner))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>) with the default deadline.</summary>
    public ExecResult Exec(params string[] args) => Exec(Shell.DefaultTimeout, args);

    /// <summary>Runs a command inside the namespace; kills it after <paramref name="timeout"/>.</summary>
    public ExecResult Exec(TimeSpan timeout, params string[] args) =>
        Shell.Run(timeout, "ip", ["netns", "exec", Name, .. args]);

    /// <summary><c>ip -n NAME args</c>, checked.</summary>
    public ExecResult Ip(params string[] args) => Shell.Run("ip", ["-n", Name, .. args]).Check();

    public void Sysctl(string key, string value) => Exec("sysctl", "-q", "-w", $"{key}={value}").Check();

    /// <summary>Adds an address (CIDR, v4 or v6) to <c>lo</c>, e.g. a node loopback or a VIP.</summary>
    public void AddLoopbackAddress(string cidr) => AddAddress("lo", cidr);

    public void RemoveLoopbackAddress(string cidr) => Ip("addr", "del", cidr, "dev", "lo");

    /// <summary>Adds an address to an interface; IPv6 addresses skip DAD so they are usable at once.</summary>
    public void AddAddress(string device, string cidr)
    {
        if (cidr.Contains(':', StringComparison.Ordinal))
        {
            Ip("-6", "addr", "add", cidr, "dev", device, "nodad");
        }
        else
        {
            Ip("addr", "add", cidr, "dev", device);
        }
    }

    /// <summary>The namespace's kernel routes (<c>ip route</c> / <c>ip -6 route</c>).</summary>
    public string Routes(bool ipv6 = false) => ipv6 ? Ip("-6", "route").Stdout : Ip("route").Stdout;

    /// <summary>The PIDs of every process inside this namespace.</summary>
    public IReadOnlyList<int> Pids() => ListPids(Name);

    public override string ToString() => Name;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        KillAllInside(Name);
        Shell.Run("ip", "netns", "del", Name);
        if (Directory.Exists(WorkDir) && Environment.GetEnvironmentVariable("STACKBGP_LAB_KEEP") != "1")
        {
            try
            {
                Directory.Delete(WorkDir, recursive: true);
            }
            catch (IOException)
            {
                // a daemon may still be closing a log; the directory is under /tmp
            }
        }
    }

    private static List<int> ListPids(string name)
    {
        var pids = new List<int>();
        foreach (string s in Shell.Run("ip", "netns", "pids", name).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(s.Trim(), CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    // Only processes inside a namespace we created: started by us (or a crashed run of ours), stopped by PID.
    private static void KillAllInside(string name)
    {
        foreach (int pid in ListPids(name))
        {
            Shell.Stop(pid, TimeSpan.FromSeconds(2));
        }
    }
}
