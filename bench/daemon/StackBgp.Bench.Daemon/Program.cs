using System.Globalization;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// <c>run</c> (the orchestrator, see bench/daemon/run.sh), <c>inject</c>, <c>monitor</c>, <c>fibwatch</c> (kernel routes, bench/kernel), <c>table</c>
/// (describe the synthetic table).
/// </summary>
internal static class Program
{
    public static int Main(string[] argv)
    {
        if (argv.Length == 0)
        {
            Console.Error.WriteLine("usage: StackBgp.Bench.Daemon run|inject|monitor|fibwatch|table [--options]  (see bench/README.md)");
            return 2;
        }

        var args = new Args(argv.Skip(1));
        switch (argv[0])
        {
            case "inject":
                return Injector.Run(args);
            case "monitor":
                return Monitor.Run(args);
            case "fibwatch":
                return FibWatch.Run(args);
            case "table":
                Console.WriteLine(new SyntheticTable(args.Int("count", 100_000), args.Int("seed", 20261129)).Describe());
                return 0;
            case "run":
                return RunAll(args);
            default:
                Console.Error.WriteLine($"unknown command '{argv[0]}'");
                return 2;
        }
    }

    private static int RunAll(Args args)
    {
        bool quick = args.Has("quick");
        int runs = args.Int("runs", quick ? 1 : 3);
        int seed = args.Int("seed", 20261129);
        string stackbgpd = args.Get("stackbgpd", "artifacts/bin/stackbgpd");
        string output = args.Get("out", "bench/daemon/results/latest.md");
        string[] daemonNames = args.Get("daemons", "floor,bird,frr,gobgp,openbgpd,stackbgp").Split(',');
        var all = new List<Scenario> { new("100k", 100_000, 1), new("1M", 1_000_000, 1), new("10x100k", 100_000, 10) };
        string[] wanted = args.Get("scenarios", quick ? "100k" : "100k,1M,10x100k").Split(',');
        Scenario[] scenarios = [.. all.Where(s => wanted.Contains(s.Name))];
        string self = Environment.ProcessPath is { } p && !p.EndsWith("/dotnet", StringComparison.Ordinal)
            ? p
            : Path.Combine(AppContext.BaseDirectory, "StackBgp.Bench.Daemon");

        Console.CancelKeyPress += (_, e) =>
        {
            Lab.Cleanup();
            e.Cancel = false;
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Lab.Cleanup();
        Lab.Sweep();

        var daemons = new List<(string Key, DaemonUnderTest? Daemon, string Version)>();
        var leftOut = new List<string>();
        foreach (string name in daemonNames)
        {
            if (name == "floor")
            {
                daemons.Add(("floor", null, "injector → monitor, no daemon"));
                continue;
            }

            DaemonUnderTest d = DaemonUnderTest.Create(name, Path.GetFullPath(stackbgpd))
                ?? throw new ArgumentException($"unknown daemon '{name}' (floor, bird, frr, gobgp, openbgpd, stackbgp)");
            string v = d.Version();
            if (v.Length == 0)
            {
                Console.Error.WriteLine($"bench: {d.Name} is not installed/built; left out of this run");
                leftOut.Add(d.Name + (name == "stackbgp" ? $": {stackbgpd} not built (./build.sh)" : ": not installed"));
                continue;
            }

            daemons.Add((name, d, v));
        }

        var report = new Report(scenarios, daemons, runs, seed, args.Get("command", "bench/daemon/run.sh"), leftOut);
        report.MachineBefore();
        var runner = new Runner(self, seed, args.Double("timeout", 600), args.Double("hold", 0));

        // A (scenario, daemon) whose run took longer than --slow-limit seconds is not repeated: on
        // this 2-core machine GoBGP needs minutes for 1M prefixes, and 3 runs would take most of an hour.
        double slowLimit = args.Double("slow-limit", 240);
        var tooSlow = new HashSet<(string, string)>();
        for (int r = 0; r < runs; r++)
        {
            foreach (Scenario sc in scenarios)
            {
                foreach ((string key, DaemonUnderTest? d, _) in daemons)
                {
                    if (tooSlow.Contains((sc.Name, key)))
                    {
                        continue;
                    }

                    Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"bench: run {r + 1}/{runs} {sc.Name} {d?.Name ?? "floor"} ... "));
                    Measurement m = runner.RunOnce(d, sc);
                    Console.Error.WriteLine(m.Ok
                        ? string.Create(CultureInfo.InvariantCulture, $"{m.Seconds:F2} s, CPU {m.CpuSeconds:F1} s, RSS {m.PeakRssMiB:F0} MiB ({m.Detail})")
                        : "FAILED: " + m.Detail);
                    report.Add(sc, key, m);
                    if (!m.Ok || m.Seconds > slowLimit)
                    {
                        tooSlow.Add((sc.Name, key));
                        report.NotRepeated(sc, key, m.Ok
                            ? string.Create(CultureInfo.InvariantCulture, $"run {r + 1} took {m.Seconds:F0} s (> --slow-limit {slowLimit:F0} s), not repeated")
                            : $"run {r + 1} failed, not repeated");
                    }
                }
            }
        }

        report.MachineAfter();
        string md = report.Markdown();
        Console.WriteLine(md);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".");
        File.WriteAllText(output, md);
        Console.Error.WriteLine($"bench: wrote {output}");
        return 0;
    }
}
