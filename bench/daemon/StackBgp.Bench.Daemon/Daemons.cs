using System.Globalization;
using System.Text;

namespace StackBgp.Bench.Daemon;

/// <summary>The lab's addressing, shared by every daemon's config.</summary>
internal sealed record Topology(int Injectors)
{
    public const uint DaemonAs = 65000;
    public const uint FirstInjectorAs = 65001;
    public const uint MonitorAs = 65100;
    public const string DaemonInjectorSide = "10.0.1.1";
    public const string DaemonMonitorSide = "10.0.2.1";
    public const string Monitor = "10.0.2.2";

    public string Injector(int k) => string.Create(CultureInfo.InvariantCulture, $"10.0.1.{2 + k}");

    public uint InjectorAs(int k) => FirstInjectorAs + (uint)k;
}

/// <summary>
/// One daemon under test: how to start it in a namespace with the equivalent configuration —
/// eBGP AS 65000, every injector and the monitor as passive neighbors, accept everything,
/// advertise everything, no FIB programming, no MRAI delay.
/// </summary>
internal abstract class DaemonUnderTest
{
    public abstract string Name { get; }

    /// <summary>The version string shown in the report ("" when the daemon is not installed).</summary>
    public abstract string Version();

    public abstract Child Start(string ns, string dir, Topology t);

    public static DaemonUnderTest? Create(string name, string stackbgpd) => name switch
    {
        "bird" => new Bird(),
        "frr" => new Frr(),
        "gobgp" => new GoBgp(),
        "openbgpd" => new OpenBgpd(),
        "stackbgp" => new StackBgp(stackbgpd),
        _ => null,
    };

    protected static string FirstLine(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault("")?.Trim() ?? "";

    /// <summary>The FRR-syntax config that FRR's bgpd and stackbgpd both read.</summary>
    protected static string FrrConfig(Topology t)
    {
        var c = new StringBuilder();
        c.Append("hostname dut\n!\nrouter bgp 65000\n bgp router-id 10.0.1.1\n no bgp ebgp-requires-policy\n");
        void Neighbor(string addr, uint asn)
        {
            c.Append(CultureInfo.InvariantCulture, $" neighbor {addr} remote-as {asn}\n");
            c.Append(CultureInfo.InvariantCulture, $" neighbor {addr} passive\n");
            c.Append(CultureInfo.InvariantCulture, $" neighbor {addr} advertisement-interval 0\n");
        }

        for (int k = 0; k < t.Injectors; k++)
        {
            Neighbor(t.Injector(k), t.InjectorAs(k));
        }

        Neighbor(Topology.Monitor, Topology.MonitorAs);
        c.Append(" !\n address-family ipv4 unicast\n");
        for (int k = 0; k < t.Injectors; k++)
        {
            c.Append(CultureInfo.InvariantCulture, $"  neighbor {t.Injector(k)} activate\n");
        }

        c.Append(CultureInfo.InvariantCulture, $"  neighbor {Topology.Monitor} activate\n exit-address-family\nexit\n!\n");
        return c.ToString();
    }

    private sealed class Bird : DaemonUnderTest
    {
        public override string Name => "BIRD";

        public override string Version() => File.Exists("/usr/sbin/bird") ? FirstLine(Lab.TryRun("bird", "--version").Output) : "";

        // No `kernel` protocol: routes stay in BIRD's master4 table, nothing reaches the FIB.
        public override Child Start(string ns, string dir, Topology t)
        {
            var c = new StringBuilder("log stderr { warning, error, fatal };\nrouter id 10.0.1.1;\nprotocol device { }\n");
            void Peer(string name, string local, string addr, uint asn) => c.Append(CultureInfo.InvariantCulture,
                $"protocol bgp {name} {{ local {local} as 65000; neighbor {addr} as {asn}; passive on; hold time 180; ipv4 {{ import all; export all; }}; }}\n");
            for (int k = 0; k < t.Injectors; k++)
            {
                Peer("inj" + k.ToString(CultureInfo.InvariantCulture), Topology.DaemonInjectorSide, t.Injector(k), t.InjectorAs(k));
            }

            Peer("mon", Topology.DaemonMonitorSide, Topology.Monitor, Topology.MonitorAs);
            string conf = Path.Combine(dir, "bird.conf");
            File.WriteAllText(conf, c.ToString());
            return Lab.Start(ns, "bird", Path.Combine(dir, "bird.log"), "bird", "-f", "-c", conf,
                "-s", Path.Combine(dir, "bird.ctl"), "-P", Path.Combine(dir, "bird.pid"));
        }
    }

    private sealed class Frr : DaemonUnderTest
    {
        private const string Bgpd = "/usr/lib/frr/bgpd";

        public override string Name => "FRR";

        public override string Version() => File.Exists(Bgpd) ? FirstLine(Lab.TryRun(Bgpd, "--version").Output) : "";

        // bgpd alone: -Z (no zebra, so no FIB and no interface/nexthop feed), -S (stay root, no
        // user switch), its own vty socket directory and pid file, config read with -f.
        public override Child Start(string ns, string dir, Topology t)
        {
            string conf = Path.Combine(dir, "frr.conf");
            File.WriteAllText(conf, FrrConfig(t));
            return Lab.Start(ns, "bgpd", Path.Combine(dir, "bgpd.log"), Bgpd, "-Z", "-S", "-f", conf,
                "-i", Path.Combine(dir, "bgpd.pid"), "--vty_socket", dir, "-P", "0", "--log", "stdout", "--log-level", "warn");
        }
    }

    private sealed class GoBgp : DaemonUnderTest
    {
        public override string Name => "GoBGP";

        public override string Version() => File.Exists("/usr/bin/gobgpd") ? FirstLine(Lab.TryRun("gobgpd", "--version").Output) : "";

        // No zebra section: GoBGP never touches the FIB. Global policy defaults to accept.
        public override Child Start(string ns, string dir, Topology t)
        {
            var c = new StringBuilder("[global.config]\n  as = 65000\n  router-id = \"10.0.1.1\"\n");
            void Peer(string addr, uint asn) => c.Append(CultureInfo.InvariantCulture,
                $"[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"{addr}\"\n    peer-as = {asn}\n  [neighbors.transport.config]\n    passive-mode = true\n  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"ipv4-unicast\"\n");
            for (int k = 0; k < t.Injectors; k++)
            {
                Peer(t.Injector(k), t.InjectorAs(k));
            }

            Peer(Topology.Monitor, Topology.MonitorAs);
            string conf = Path.Combine(dir, "gobgpd.toml");
            File.WriteAllText(conf, c.ToString());
            return Lab.Start(ns, "gobgpd", Path.Combine(dir, "gobgpd.log"), "gobgpd", "-f", conf, "-p", "-l", "warn",
                "--pprof-disable", "--api-hosts", "127.0.0.1:50051");
        }
    }

    private sealed class OpenBgpd : DaemonUnderTest
    {
        private const string Bgpd = "/usr/sbin/bgpd";

        public override string Name => "OpenBGPD";

        public override string Version() => File.Exists(Bgpd) ? FirstLine(Lab.TryRun(Bgpd, "-V").Output) : "";

        // fib-update no: the RDE keeps its RIB, nothing is written to the kernel.
        public override Child Start(string ns, string dir, Topology t)
        {
            var c = new StringBuilder();
            c.Append(CultureInfo.InvariantCulture, $"socket \"{Path.Combine(dir, "bgpd.sock")}\"\nAS 65000\nrouter-id 10.0.1.1\nfib-update no\n");
            for (int k = 0; k < t.Injectors; k++)
            {
                c.Append(CultureInfo.InvariantCulture, $"neighbor {t.Injector(k)} {{\n  remote-as {t.InjectorAs(k)}\n  passive\n}}\n");
            }

            c.Append(CultureInfo.InvariantCulture, $"neighbor {Topology.Monitor} {{\n  remote-as {Topology.MonitorAs}\n  passive\n}}\n");
            c.Append("allow from any\nallow to any\n");
            string conf = Path.Combine(dir, "bgpd.conf");
            File.WriteAllText(conf, c.ToString());
            File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Directory.CreateDirectory("/run/openbgpd");
            return Lab.Start(ns, "openbgpd", Path.Combine(dir, "openbgpd.log"), Bgpd, "-d", "-f", conf);
        }
    }

    private sealed class StackBgp(string daemon) : DaemonUnderTest
    {
        public override string Name => "StackBgp";

        public override string Version()
        {
            if (!File.Exists(daemon))
            {
                return "";
            }

            (int code, string output) = Lab.TryRun(daemon, "--version");
            string commit = Lab.TryRun("git", "log", "-1", "--format=%h %cs").Output.Trim();
            bool dirty = Lab.TryRun("git", "status", "--porcelain", "src").Output.Trim().Length > 0;
            string built = $"{daemon} built {File.GetLastWriteTimeUtc(daemon):yyyy-MM-dd HH:mm}Z; repository at {commit}"
                + (dirty ? " with uncommitted changes in src/" : "");
            return code == 0 ? FirstLine(output) + " (" + built + ")" : "stackbgpd (" + built + ")";
        }

        // The same FRR-syntax file as FRR's bgpd; --no-kernel = bgpd -Z.
        public override Child Start(string ns, string dir, Topology t)
        {
            string conf = Path.Combine(dir, "stackbgpd.conf");
            File.WriteAllText(conf, FrrConfig(t));
            return Lab.Start(ns, "stackbgpd", Path.Combine(dir, "stackbgpd.log"), daemon, "--config", conf, "--no-kernel",
                "--socket", Path.Combine(dir, "stackbgpd.sock"), "--log-level", "warning");
        }
    }
}
