using System.Diagnostics;
using System.Net;
using StackBgp.Linux.Fib;
using StackBgp.Linux.Routes;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Linux.Tests;

/// <summary>100,000 routes through the FIB programmer; prints the time taken (not a benchmark:
/// it checks that everything lands and gives an order of magnitude).</summary>
public sealed class ScaleTests(ITestOutputHelper output) : IDisposable
{
    private readonly LabNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    private static List<RouteChange> Changes(int count, bool ecmp)
    {
        var list = new List<RouteChange>(count);
        KernelNextHop[] hops = ecmp
            ? [new(IPAddress.Parse("10.77.0.2"), 0), new(IPAddress.Parse("10.77.0.3"), 0)]
            : [new(IPAddress.Parse("10.77.0.2"), 0)];
        for (int i = 0; i < count; i++)
        {
            var prefix = new IPNetwork(new IPAddress([(byte)(100 + (i >> 16)), (byte)(i >> 8), (byte)i, 0]), 24);
            list.Add(RouteChange.Install(new KernelRoute(prefix, hops, RouteTable.Main, 0, 20, null)));
        }

        return list;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Installs_and_removes_100000_routes(bool ecmp)
    {
        await using var fib = new FibProgrammer(new FibOptions { NetNamespace = _ns.Name, RemoveRoutesOnStop = true });
        await fib.StartAsync();
        List<RouteChange> changes = Changes(100_000, ecmp);

        var sw = Stopwatch.StartNew();
        FibApplyResult r = await fib.ApplyAsync(changes);
        TimeSpan install = sw.Elapsed;
        Assert.True(r.Succeeded, string.Join("; ", r.Errors.Take(3)));
        Assert.Equal(100_000, r.KernelRequests);

        Assert.Equal(100_000, _ns.Routes("proto bgp").Count);

        sw.Restart();
        FibApplyResult again = await fib.ApplyAsync(changes);
        TimeSpan noop = sw.Elapsed;
        Assert.Equal(100_000, again.Unchanged);

        sw.Restart();
        FibApplyResult removed = await fib.ApplyAsync(changes.Select(c => RouteChange.Remove(c.Prefix)).ToList());
        TimeSpan remove = sw.Elapsed;
        Assert.True(removed.Succeeded);
        Assert.Empty(_ns.Routes("proto bgp"));

        output.WriteLine($"process CPU {Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:0} ms so far; 100,000 {(ecmp ? "2-way ECMP" : "single next hop")} IPv4 routes: install {install.TotalMilliseconds:0} ms, " +
            $"re-apply unchanged {noop.TotalMilliseconds:0} ms, remove {remove.TotalMilliseconds:0} ms");
    }
}
