using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StackBgp.Core.Commands;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>
    /// <c>show memory</c>: what the process holds (resident set now and at its peak, from
    /// /proc/self/status), what the garbage collector holds (live heap, committed, fragmentation,
    /// collections), and what the RIB holds (prefixes, paths, distinct attribute sets) — the figures an
    /// operator compares against a table's size, like BIRD's and FRR's <c>show memory</c>.
    /// </summary>
    private async Task<CommandResult> ShowMemoryAsync(bool json)
    {
        var stats = await Rib.GetStatisticsAsync().ConfigureAwait(false);
        var (rss, peak) = ReadResidentSet();
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        long heap = gc.HeapSizeBytes, committed = gc.TotalCommittedBytes, fragmented = gc.FragmentedBytes;
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        if (json)
        {
            var root = new JsonObject
            {
                ["residentBytes"] = rss,
                ["peakResidentBytes"] = peak,
                ["gcHeapBytes"] = heap,
                ["gcCommittedBytes"] = committed,
                ["gcFragmentedBytes"] = fragmented,
                ["gcCollections"] = new JsonObject { ["gen0"] = gen0, ["gen1"] = gen1, ["gen2"] = gen2 },
                ["gcPauseTimePercentage"] = gc.PauseTimePercentage,
                ["serverGc"] = System.Runtime.GCSettings.IsServerGC,
                ["ipv4Prefixes"] = stats.Ipv4Prefixes,
                ["ipv6Prefixes"] = stats.Ipv6Prefixes,
                ["paths"] = stats.Paths,
                ["attributeSets"] = stats.AttributeSets,
                ["updateGroups"] = stats.UpdateGroups,
                ["prefixIndexBytes"] = stats.IndexBytes,
            };
            return CommandResult.Ok(FrrJson.Format(root));
        }
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"Process:        {Mib(rss)} resident, {Mib(peak)} at peak\n");
        sb.Append(inv, $"GC heap:        {Mib(heap)} in use, {Mib(committed)} committed, {Mib(fragmented)} free in the heap ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC)\n");
        sb.Append(inv, $"Collections:    {gen0} gen0, {gen1} gen1, {gen2} gen2; {gc.PauseTimePercentage:F1} % of the time paused\n");
        sb.Append(inv, $"RIB:            {stats.Ipv4Prefixes} IPv4 and {stats.Ipv6Prefixes} IPv6 prefixes, {stats.Paths} paths, {stats.AttributeSets} distinct attribute sets, {stats.UpdateGroups} update groups; prefix index {Mib(stats.IndexBytes)} (outside the GC heap)\n");
        return CommandResult.Ok(sb.ToString());
    }

    private static string Mib(long bytes) => bytes < 0 ? "?" : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB");

    /// <summary>VmRSS and VmHWM of this process in bytes; -1 each where /proc is not readable.</summary>
    private static (long Rss, long Peak) ReadResidentSet()
    {
        long rss = -1, peak = -1;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kib(line);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return (rss, peak);

        static long Kib(string line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib) ? kib * 1024 : -1;
        }
    }
}
