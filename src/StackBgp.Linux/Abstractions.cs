using System.Net;
using System.Threading.Channels;
using StackBgp.Linux.Fib;
using StackBgp.Linux.Links;
using StackBgp.Linux.Nht;

namespace StackBgp.Linux;

/// <summary>The FIB as the routing core uses it (implemented by <see cref="FibProgrammer"/>;
/// tests of the core can substitute an in-memory fake).</summary>
public interface IFibProgrammer : IAsyncDisposable
{
    ChannelReader<FibEvent> Events { get; }

    FibCounters Counters { get; }

    Task StartAsync(CancellationToken cancellationToken = default);

    Task<FibApplyResult> ApplyAsync(IReadOnlyList<RouteChange> changes, CancellationToken cancellationToken = default);

    Task<int> SweepStaleAsync();

    Task<IReadOnlyList<FibEntry>> GetRoutesAsync(CancellationToken cancellationToken = default);

    Task StopAsync();
}

/// <summary>Links and addresses (implemented by <see cref="LinkWatcher"/>).</summary>
public interface ILinkWatcher : IAsyncDisposable
{
    ChannelReader<InterfaceEvent> Events { get; }

    IReadOnlyDictionary<int, InterfaceState> Interfaces { get; }

    Task StartAsync(CancellationToken cancellationToken = default);

    Task StopAsync();
}

/// <summary>Next-hop tracking (implemented by <see cref="NextHopTracker"/>).</summary>
public interface INextHopTracker : IAsyncDisposable
{
    ChannelReader<NextHopResolution> Changes { get; }

    Task StartAsync(CancellationToken cancellationToken = default);

    Task<NextHopResolution> TrackAsync(IPAddress nextHop, CancellationToken cancellationToken = default);

    Task<NextHopResolution> ResolveAsync(IPAddress nextHop, CancellationToken cancellationToken = default);

    void Untrack(IPAddress nextHop);

    void SetResolveViaDefault(bool enabled);

    Task StopAsync();
}
