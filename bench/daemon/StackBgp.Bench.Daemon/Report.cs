using System.Globalization;
using System.Text;

namespace StackBgp.Bench.Daemon;

/// <summary>Collects the runs and renders the Markdown report (medians, every run, ratios, machine, versions).</summary>
internal sealed class Report(Scenario[] scenarios, List<(string Key, DaemonUnderTest? Daemon, string Version)> daemons, int runs, int seed, string command, List<string> leftOut)
{
    private readonly Dictionary<(string Scenario, string Daemon), List<Measurement>> _runs = [];
    private readonly DateTime _started = DateTime.UtcNow;
    private string _loadBefore = "";
    private string _loadAfter = "";
    private readonly List<string> _notes = [];

    public void Add(Scenario sc, string daemon, Measurement m)
    {
        if (!_runs.TryGetValue((sc.Name, daemon), out List<Measurement>? list))
        {
            _runs[(sc.Name, daemon)] = list = [];
        }

        list.Add(m);
    }

    public void NotRepeated(Scenario sc, string daemon, string why) => _notes.Add($"{Name(daemon)}, {sc.Name}: {why}");

    public void MachineBefore() => _loadBefore = LoadAverage();

    public void MachineAfter() => _loadAfter = LoadAverage();

    public string Markdown()
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Side-by-side daemon benchmark — {_started:yyyy-MM-dd HH:mm} UTC\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Command: `{command}` ({runs} run(s) per configuration, runs interleaved across daemons; seed {seed}; {(DateTime.UtcNow - _started).TotalMinutes:F0} min).\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {MemTotalGiB():F0} GiB RAM, Linux {Lab.TryRun("uname", "-r").Output.Trim()}. ");
        md.Append(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {_loadBefore}; after: {_loadAfter} — other work was running on the machine.\n\n");
        md.Append("Daemons:\n");
        foreach ((string key, DaemonUnderTest? d, string version) in daemons)
        {
            if (d is not null)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {d.Name}: {version}\n");
            }
        }

        foreach (string l in leftOut)
        {
            md.Append(CultureInfo.InvariantCulture, $"- left out of this run — {l}\n");
        }

        md.Append('\n');
        foreach (int n in scenarios.Select(s => s.Prefixes).Distinct())
        {
            md.Append(CultureInfo.InvariantCulture, $"Table: {new SyntheticTable(n, seed).Describe()}.\n\n");
        }

        md.Append("Time = from the injector's first UPDATE write to the monitor's last needed prefix (1 injector: the N-th distinct prefix; ");
        md.Append("10 injectors: the last UPDATE carrying routes once all N are present, confirmed by 2 s of silence). ");
        md.Append("CPU = the daemon's utime+stime during that window; RSS = the daemon's VmHWM (peak, since start), summed over its processes. Medians; ratio = StackBgp ÷ that daemon. ¹ floor row: CPU of the monitor process over its whole life (start-up and JIT included), to show it is not the bottleneck.\n\n");

        foreach (Scenario sc in scenarios)
        {
            md.Append(CultureInfo.InvariantCulture, $"## {sc.Title}\n\n");
            md.Append("| Daemon | time (s) | runs (s) | CPU (s) | peak RSS (MiB) | StackBgp ÷ daemon: time | RSS |\n");
            md.Append("|---|---:|---|---:|---:|---:|---:|\n");
            Stats? sb = Get(sc, "stackbgp");
            foreach ((string key, DaemonUnderTest? d, _) in daemons)
            {
                Stats? st = Get(sc, key);
                if (st is null)
                {
                    continue;
                }

                string name = d?.Name ?? "floor (no daemon)";
                string time = st.Ok > 0 ? F(st.Time, 2) : "failed";
                string cpu = st.Ok == 0 ? "–" : d is null ? F(st.Cpu, 1) + " ¹" : F(st.Cpu, 1);
                string rss = d is null || st.Ok == 0 ? "–" : F(st.Rss, 0);
                string rt = d is null || sb is null || sb.Ok == 0 || st.Ok == 0 || key == "stackbgp" ? "" : F(sb.Time / st.Time, 2);
                string rr = d is null || sb is null || sb.Ok == 0 || st.Ok == 0 || key == "stackbgp" ? "" : F(sb.Rss / st.Rss, 2);
                md.Append(CultureInfo.InvariantCulture, $"| {name} | {time} | {st.Runs} | {cpu} | {rss} | {rt} | {rr} |\n");
            }

            md.Append('\n');
            foreach ((string key, DaemonUnderTest? d, _) in daemons)
            {
                if (_runs.TryGetValue((sc.Name, key), out List<Measurement>? list))
                {
                    foreach (Measurement m in list.Where(m => !m.Ok))
                    {
                        md.Append(CultureInfo.InvariantCulture, $"- {d?.Name ?? "floor"} failed: {m.Error}\n");
                    }
                }
            }

            md.Append('\n');
        }

        if (_notes.Count > 0)
        {
            md.Append("Not repeated:\n");
            foreach (string n in _notes)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {n}\n");
            }

            md.Append('\n');
        }

        return md.ToString();
    }

    private string Name(string key) => daemons.FirstOrDefault(d => d.Key == key).Daemon?.Name ?? "floor";

    private Stats? Get(Scenario sc, string key)
    {
        if (!_runs.TryGetValue((sc.Name, key), out List<Measurement>? list))
        {
            return null;
        }

        Measurement[] ok = [.. list.Where(m => m.Ok)];
        string all = string.Join(", ", list.Select(m => m.Ok ? F(m.Seconds, 2) : "fail"));
        return new Stats(
            ok.Length,
            Median(ok.Select(m => m.Seconds)),
            Median(ok.Select(m => m.CpuSeconds)),
            Median(ok.Select(m => m.PeakRssMiB)),
            all);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string LoadAverage()
    {
        string[] f = File.ReadAllText("/proc/loadavg").Split(' ');
        return $"{f[0]} / {f[1]} / {f[2]}";
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    private static double MemTotalGiB()
    {
        string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[9..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024 / 1024;
    }

    private sealed record Stats(int Ok, double Time, double Cpu, double Rss, string Runs);
}
