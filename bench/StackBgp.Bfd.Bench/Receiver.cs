using System.Globalization;
using System.Net;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Bench;

/// <summary>
/// <c>--receive NAMESPACE PEER INTERFACE MS [--jitter]</c>: the far end of a single-hop session to
/// a real daemon (bench/bfd-lab/under-load.sh). Every periodic control packet of the peer is
/// timestamped by the kernel on arrival (SO_TIMESTAMPNS, the engine's receive trace); gaps between
/// consecutive arrivals are the peer's inter-departure times plus the (small, constant) veth
/// path. Standard input carries phase marks, one per line (<c>mark NAME</c>); at end of input the
/// gaps of each phase are reported (phases marked more than once, e.g. one per round, merged).
/// <para>
/// Without jitter at the sender every gap should be MS: the error is |gap - MS|. With the RFC 5880
/// §6.8.7 jitter (each interval 75-100 % of MS for a multiplier above 1) the schedule is not
/// known here, so the error reported is the distance from that window, max(0, 0.75·MS - gap,
/// gap - MS): a lower bound of the true error.
/// </para>
/// </summary>
internal static class Receiver
{
    public static async Task<int> Run(string[] args)
    {
        if (args.Length < 5)
        {
            Console.Error.WriteLine("usage: --receive NAMESPACE PEER INTERFACE MS [--jitter]");
            return 2;
        }

        int ms = int.Parse(args[4], CultureInfo.InvariantCulture);
        // Real-time like the daemon's engine: an io_uring SEND linked to a TIMEOUT runs as task work
        // of this thread, so under CPU load a normal-priority receiver answers late and the daemon
        // would see the session time out (which changes what is measured).
        bool jitter = args.Contains("--jitter");
        var interval = TimeSpan.FromMilliseconds(ms);
        using var engine = new BfdEngine(new BfdEngineOptions { NetworkNamespace = args[1], TransmitTraceCapacity = 4_000_000, RealtimePriority = 10 });
        engine.Start();
        using var events = engine.Subscribe();
        await engine.AddSession(new BfdPeerConfig(IPAddress.Parse(args[2])) { Interface = args[3], DesiredMinTx = interval, RequiredMinRx = interval });

        var marks = new List<(string Name, int Index, int Downs)>();
        int downs = 0;
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null)
        {
            while (events.Reader.TryRead(out var change))
            {
                Console.WriteLine($"receiver: {change.Timestamp:HH:mm:ss.fff} session {change.OldState} -> {change.NewState} ({change.Diagnostic})");
                if (change.WentDown) downs++;
            }
            if (!line.StartsWith("mark ", StringComparison.Ordinal)) continue;
            var s = await engine.GetSnapshotAsync();
            string state = s.Peers.Count == 0 ? "none" : $"{s.Peers[0].State}, peer's desired min tx {s.Peers[0].RemoteDesiredMinTx.TotalMilliseconds:0.#} ms, detection time {s.Peers[0].DetectionTime.TotalMilliseconds:0.#} ms";
            marks.Add((line[5..].Trim(), engine.ReceiveTraceCount(), downs));
            Console.WriteLine($"receiver: mark '{marks[^1].Name}' at packet {marks[^1].Index} (session {state})");
        }
        while (events.Reader.TryRead(out var change)) if (change.WentDown) downs++;
        marks.Add(("end", engine.ReceiveTraceCount(), downs));

        Console.WriteLine(jitter
            ? $"| phase | gaps | gap p50 / min / max (ms) | outside {ms * 0.75:0.##}–{ms} ms | distance from window p50 / p99 / p99.9 / max (ms) | p99 in % of {ms} ms | BFD downs |"
            : $"| phase | gaps | gap p50 / min / max (ms) | – | error abs(gap - {ms} ms) p50 / p99 / p99.9 / max (ms) | p99 in % of {ms} ms | BFD downs |");
        Console.WriteLine("|---|---:|---|---:|---|---:|---:|");
        // Phases with the same name (repeated rounds) are merged, in the order first seen.
        var phases = new List<(string Name, List<long> Gaps, int Downs)>();
        for (int i = 0; i + 1 < marks.Count; i++)
        {
            int end = marks[i + 1].Index;
            long[] gaps = engine.ReceiveIntervals(marks[i].Index);
            gaps = gaps[..Math.Max(0, Math.Min(gaps.Length, end - marks[i].Index - 1))];
            int at = phases.FindIndex(p => p.Name == marks[i].Name);
            if (at < 0)
            {
                phases.Add((marks[i].Name, [], 0));
                at = phases.Count - 1;
            }
            phases[at].Gaps.AddRange(gaps);
            phases[at] = (phases[at].Name, phases[at].Gaps, phases[at].Downs + marks[i + 1].Downs - marks[i].Downs);
        }
        foreach (var (name, gaps, phaseDowns) in phases) Console.WriteLine(Row(name, [.. gaps], ms * 1000L, jitter, phaseDowns));
        return 0;
    }

    private static string Row(string name, long[] gapsUs, long intervalUs, bool jitter, int downs)
    {
        if (gapsUs.Length == 0) return $"| {name} | 0 | – | – | – | – | {downs} |";
        long low = intervalUs * 3 / 4;
        long[] errors = [.. gapsUs.Select(g => jitter ? Math.Max(0, Math.Max(low - g, g - intervalUs)) : Math.Abs(g - intervalUs)).Order()];
        long[] sorted = [.. gapsUs.Order()];
        int outside = gapsUs.Count(g => g < low || g > intervalUs);
        string outsideText = jitter ? outside.ToString(CultureInfo.InvariantCulture) : "–";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {gapsUs.Length} | {Ms(P(sorted, 0.5))} / {Ms(sorted[0])} / {Ms(sorted[^1])} | {outsideText} | {Ms(P(errors, 0.5))} / {Ms(P(errors, 0.99))} / {Ms(P(errors, 0.999))} / {Ms(errors[^1])} | {100.0 * P(errors, 0.99) / intervalUs:0.00} % | {downs} |");
    }

    private static string Ms(long us) => (us / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);

    private static long P(long[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
