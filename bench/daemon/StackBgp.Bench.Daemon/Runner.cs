using System.Diagnostics;
using System.Globalization;

namespace StackBgp.Bench.Daemon;

/// <summary>One benchmark configuration: N prefixes from K injectors.</summary>
internal sealed record Scenario(string Name, int Prefixes, int Injectors)
{
    /// <summary>
    /// One injector: the time the N-th distinct prefix reached the monitor. Several injectors: the
    /// time of the last UPDATE carrying routes once all N are present and the monitor has been quiet
    /// for 2 s (best-path changes after the N-th prefix count, the 2 s of silence do not).
    /// </summary>
    public double QuietSeconds => Injectors == 1 ? 1 : 2;

    public string Title => Injectors == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Prefixes:N0} prefixes, 1 injector")
        : string.Create(CultureInfo.InvariantCulture, $"{Injectors} injectors × {Prefixes:N0} prefixes (best path over {Injectors} candidates)");
}

/// <summary>The outcome of one run of one (scenario, daemon).</summary>
internal sealed record Measurement(double Seconds, double CpuSeconds, double PeakRssMiB, string? Error, string Detail)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Sets up injector ns — daemon ns — monitor ns (veth pairs), starts the daemon, the monitor, then the
/// injector, and measures. The floor is injector ns — monitor ns directly. Every run builds and
/// removes its own namespaces.
/// </summary>
internal sealed class Runner(string self, int seed, double monitorTimeout, double holdSeconds = 0)
{
    private const string MonitorTimeoutReason = "monitor timeout";

    public Measurement RunOnce(DaemonUnderTest? daemon, Scenario sc)
    {
        string tag = Lab.NewTag();
        string dir = Path.Combine(Path.GetTempPath(), "sbb-bench", string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{tag}"));
        Directory.CreateDirectory(dir);
        var t = new Topology(sc.Injectors);
        string[] injCidrs = [.. Enumerable.Range(0, sc.Injectors).Select(k => t.Injector(k) + "/24")];
        string injLocals = string.Join(',', Enumerable.Range(0, sc.Injectors).Select(t.Injector));
        string n = sc.Prefixes.ToString(CultureInfo.InvariantCulture);
        string q = sc.QuietSeconds.ToString(CultureInfo.InvariantCulture);
        string to = monitorTimeout.ToString(CultureInfo.InvariantCulture);
        string s = seed.ToString(CultureInfo.InvariantCulture);
        try
        {
            string nsI = Lab.CreateNamespace(tag, "i");
            string nsM = Lab.CreateNamespace(tag, "m");
            Child monitor;
            Child? dut = null;
            string? nsD = null;
            string remote;
            if (daemon is null)
            {
                Lab.Veth(nsI, "i" + tag, injCidrs, nsM, "m" + tag, [Topology.DaemonInjectorSide + "/24"]);
                monitor = Lab.Start(nsM, "monitor", Path.Combine(dir, "monitor.log"), self, "monitor", "--listen", Topology.DaemonInjectorSide,
                    "--sessions", sc.Injectors.ToString(CultureInfo.InvariantCulture), "--expect", n, "--quiet", q, "--timeout", to);
                monitor.WaitLine("LISTENING", TimeSpan.FromSeconds(30));
                remote = Topology.DaemonInjectorSide;
            }
            else
            {
                nsD = Lab.CreateNamespace(tag, "d");
                Lab.Veth(nsI, "i" + tag, injCidrs, nsD, "d" + tag, [Topology.DaemonInjectorSide + "/24"]);
                Lab.Veth(nsD, "e" + tag, [Topology.DaemonMonitorSide + "/24"], nsM, "m" + tag, [Topology.Monitor + "/24"]);
                dut = daemon.Start(nsD, dir, t);
                monitor = Lab.Start(nsM, "monitor", Path.Combine(dir, "monitor.log"), self, "monitor", "--connect", Topology.DaemonMonitorSide,
                    "--local", Topology.Monitor, "--expect", n, "--quiet", q, "--timeout", to);
                Child d = dut;
                monitor.WaitLine(TimeSpan.FromSeconds(90), () => d.Exited ? $"{daemon.Name} exited:\n{d.Tail}" : null, "ESTABLISHED");
                remote = Topology.DaemonInjectorSide;
            }

            (double cpu0, _) = nsD is null ? (0, 0) : Usage(nsD);
            Child injector = Lab.Start(nsI, "injector", Path.Combine(dir, "injector.log"), self, "inject", "--remote", remote,
                "--local", injLocals, "--count", n, "--seed", s);
            Func<string?> abort = () => dut is { Exited: true } ? $"{daemon!.Name} exited:\n{dut.Tail}" : injector.Exited ? $"injector exited:\n{injector.Tail}" : null;
            long start = Ticks(injector.WaitLine(TimeSpan.FromSeconds(monitorTimeout), abort, "START"), "START");
            string done = monitor.WaitLine(TimeSpan.FromSeconds(monitorTimeout + 30), abort, "DONE", "TIMEOUT");
            (double cpu1, double rss) = nsD is null ? (0, 0) : Usage(nsD);
            if (holdSeconds > 0)
            {
                // --hold: keep the lab (and the daemon with its full table) up for inspection, e.g. a heap dump.
                Console.Error.WriteLine($"bench: holding {holdSeconds:F0} s; daemon namespace {nsD}, logs in {dir}");
                Thread.Sleep(TimeSpan.FromSeconds(holdSeconds));
            }
            if (done.StartsWith("TIMEOUT", StringComparison.Ordinal))
            {
                return new Measurement(0, cpu1 - cpu0, rss, string.Create(CultureInfo.InvariantCulture,
                    $"{MonitorTimeoutReason}: {FieldText(done, "present")} of {sc.Prefixes} prefixes present after {monitorTimeout:F0} s"), done);
            }

            long end = sc.Injectors == 1 ? Field(done, "reach") : Field(done, "last");
            double cpu = nsD is null ? double.Parse(FieldText(done, "cpu"), CultureInfo.InvariantCulture) : cpu1 - cpu0;
            return new Measurement((end - start) / (double)Stopwatch.Frequency, cpu, rss, null, done);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            return new Measurement(0, 0, 0, FirstLine(e.Message), e.Message);
        }
        finally
        {
            Lab.Cleanup();
        }
    }

    /// <summary>CPU seconds (utime + stime, all threads) and peak RSS (VmHWM, MiB) summed over the processes in <paramref name="ns"/>.</summary>
    private static (double Cpu, double RssMiB) Usage(string ns)
    {
        double cpu = 0;
        double rssKb = 0;
        foreach (int pid in Lab.Pids(ns))
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

                // fields 14 and 15 of proc(5) are utime and stime; f[0] is field 3
                cpu += (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
                foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        rssKb += double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // the process exited between listing and reading
            }
        }

        return (cpu, rssKb / 1024);
    }

    private static long Ticks(string line, string word) =>
        long.Parse(line[(word.Length + 1)..].Trim(), CultureInfo.InvariantCulture);

    private static long Field(string line, string key) => long.Parse(FieldText(line, key), CultureInfo.InvariantCulture);

    private static string FieldText(string line, string key)
    {
        foreach (string part in line.Split(' '))
        {
            if (part.StartsWith(key + "=", StringComparison.Ordinal))
            {
                return part[(key.Length + 1)..];
            }
        }

        throw new InvalidOperationException($"no {key}= in '{line}'");
    }

    private static string FirstLine(string s) => s.Split('\n')[0];
}
