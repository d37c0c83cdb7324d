using System.Net;
using Microsoft.Extensions.Logging;
using StackBgp.Bfd;
using StackBgp.Config;
using StackBgp.Wire;

namespace StackBgp.Core;

/// <summary>
/// BFD tied to BGP (issue 6 §3): the engine runs on its own thread; this bridge only reacts to its
/// state changes. BFD Down → the BGP session is torn down at once with Cease/BFD Down (RFC 9384)
/// and stays down until BFD is Up again.
/// </summary>
internal sealed class BfdBridge : IDisposable
{
    private readonly Router _router;
    private readonly BfdEngine _engine;
    private readonly CancellationTokenSource _stop = new();
    private BfdSubscription? _subscription;
    private Task _loop = Task.CompletedTask;
    private readonly ILogger _log;

    public BfdBridge(Router router, ILoggerFactory loggerFactory)
    {
        _router = router;
        // Real-time priority keeps BFD packets on time under GC and RIB load (src/StackBgp.Bfd/README.md);
        // without CAP_SYS_NICE the engine runs at normal priority.
        // STACKBGPD_BFD_NO_JITTER=1 is a benchmark knob only (bench/bfd-lab/under-load.sh): packets
        // then leave at exactly the agreed interval, so a receiver can measure each one's error
        // against its schedule. RFC 5880 §6.8.7 requires the jitter: never set it in production.
        // STACKBGPD_BFD_AHEAD_MS (benchmark knob too) overrides how far ahead packets are queued
        // in the kernel (BfdEngineOptions.TransmitAheadTime).
        bool noJitter = Environment.GetEnvironmentVariable("STACKBGPD_BFD_NO_JITTER") == "1";
        var options = new BfdEngineOptions { RealtimePriority = 10, DisableJitter = noJitter };
        if (int.TryParse(Environment.GetEnvironmentVariable("STACKBGPD_BFD_AHEAD_MS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int aheadMs) && aheadMs > 0)
            options = options with { TransmitAheadTime = TimeSpan.FromMilliseconds(aheadMs) };
        _engine = new BfdEngine(options, loggerFactory.CreateLogger<BfdEngine>());
        _log = loggerFactory.CreateLogger<BfdBridge>();
        if (noJitter) _log.LogWarning("BFD: transmit jitter off (STACKBGPD_BFD_NO_JITTER=1, benchmark only; RFC 5880 §6.8.7 wants it on)");
        if (aheadMs > 0) _log.LogWarning("BFD: packets queued {Ms} ms ahead in the kernel (STACKBGPD_BFD_AHEAD_MS)", aheadMs);
    }

    public BfdEngine Engine => _engine;

    public void Start()
    {
        _engine.Start();
        _subscription = _engine.Subscribe();
        _loop = LoopAsync(_stop.Token);
        _ = ReconcileAsync();
    }

    /// <summary>The sessions this bridge created, with the parameters they run with (guarded by <see cref="_gate"/>).</summary>
    private readonly Dictionary<BfdSessionKey, BfdPeerConfig> _running = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A neighbor with <c>bfd</c> was added (or re-created at a new address): its session is brought in line.</summary>
    public Task AddPeerAsync(Peer peer) => ReconcileAsync();

    /// <summary>
    /// Brings the engine's sessions in line with the configuration and the current neighbors (start,
    /// reload, a neighbor added, removed or moved): <c>bfd</c> / <c>peer …</c> blocks first (their own
    /// settings win over a neighbor's profile for the same session, as in FRR), then every neighbor
    /// with <c>bfd</c>. New sessions are added, changed ones updated in place (interval changes while
    /// Up go through a Poll Sequence, no flap), the others removed (one AdminDown packet first).
    /// A neighbor that no longer uses BFD is no longer held down by it.
    /// A refusal (bad parameters, missing interface) is logged with the peer, never thrown.
    /// </summary>
    public async Task ReconcileAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var desired = new Dictionary<BfdSessionKey, BfdPeerConfig>();
            foreach (var p in _router.Config.Bfd.Peers)
            {
                var c = ToConfig(p.Address, p.LocalAddress, p.Interface, p.Multihop, p.Profile, p.Settings);
                desired.TryAdd(c.Key, c);
            }
            foreach (var peer in _router.Peers.ToArray())
            {
                if (!peer.Config.Bfd) continue;
                var c = PeerSession(peer);
                desired.TryAdd(c.Key, c);
            }
            foreach (var key in _running.Keys.ToArray())
            {
                if (desired.ContainsKey(key)) continue;
                _running.Remove(key);
                await _engine.RemoveSession(key).ConfigureAwait(false);
                _log.LogInformation("BFD peer {Peer}: session removed (no longer configured)", key);
            }
            foreach (var c in desired.Values)
            {
                try
                {
                    if (!_running.TryGetValue(c.Key, out var current))
                    {
                        await _engine.AddSession(c).ConfigureAwait(false);
                        _running[c.Key] = c;
                    }
                    else if (current != c)
                    {
                        await _engine.UpdateSession(c).ConfigureAwait(false);
                        _running[c.Key] = c;
                        _log.LogInformation("BFD peer {Peer}: parameters changed in place (tx {Tx} ms, rx {Rx} ms, multiplier {Mult}{Shutdown})", c.Key,
                            c.DesiredMinTx.TotalMilliseconds, c.RequiredMinRx.TotalMilliseconds, c.DetectMultiplier, c.Shutdown ? ", shutdown" : "");
                    }
                }
                catch (Exception e) when (e is ArgumentException or IOException || (e is InvalidOperationException && e is not ObjectDisposedException))
                {
                    _log.LogError("BFD peer {Peer}: session not {Action}: {Reason}", c.Key, _running.ContainsKey(c.Key) ? "updated" : "created", e.Message);
                }
            }
            foreach (var peer in _router.Peers.ToArray())
            {
                if (peer.Config.Bfd || !peer.HeldDownByBfd) continue;
                peer.HeldDownByBfd = false;
                _log.LogInformation("neighbor {Neighbor}: bfd removed, no longer held down by BFD", peer.Config.Id);
                if (!peer.Config.Shutdown) peer.Session?.Start();
            }
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
        finally
        {
            _gate.Release();
        }
    }

    private BfdPeerConfig PeerSession(Peer peer)
    {
        var n = peer.Config;
        IPAddress? local = n.UpdateSource is { } us && IPAddress.TryParse(us, out var a) ? a : null;
        bool multihop = n.EbgpMultihop is > 1;
        return ToConfig(peer.Address, local, multihop ? null : peer.Transport?.LocalInterface, multihop, n.BfdProfile, null);
    }

    private BfdPeerConfig ToConfig(IPAddress peer, IPAddress? local, string? ifName, bool multihop, string? profileName, BfdSettings? own)
    {
        var profile = profileName is null ? null : _router.Config.Bfd.FindProfile(profileName)?.Settings;
        int tx = own?.TransmitInterval ?? profile?.TransmitInterval ?? 300;
        int rx = own?.ReceiveInterval ?? profile?.ReceiveInterval ?? 300;
        return new BfdPeerConfig(peer)
        {
            LocalAddress = local,
            Interface = ifName,
            Multihop = multihop,
            DesiredMinTx = TimeSpan.FromMilliseconds(tx),
            RequiredMinRx = TimeSpan.FromMilliseconds(rx),
            DetectMultiplier = (byte)(own?.DetectMultiplier ?? profile?.DetectMultiplier ?? 3),
            Passive = own?.PassiveMode ?? profile?.PassiveMode ?? false,
            Shutdown = own?.Shutdown ?? profile?.Shutdown ?? false,
            MinimumTtl = (byte)(own?.MinimumTtl ?? profile?.MinimumTtl ?? 254),
            Profile = profileName,
        };
    }

    public Task<BfdSnapshot> SnapshotAsync() => _engine.GetSnapshotAsync();

    /// <summary>BFD state of the session to this peer address (for `show bgp neighbors`), if any.</summary>
    public async Task<BfdPeerStatus?> StatusOfAsync(IPAddress peer) =>
        (await _engine.GetSnapshotAsync().ConfigureAwait(false)).Peers.FirstOrDefault(p => p.Key.Peer.Equals(peer));

    private async Task LoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var reader = _subscription!.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var change)) OnChange(change);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnChange(BfdStateChange change)
    {
        foreach (var peer in _router.Peers.Where(p => p.Config.Bfd && p.Address.Equals(change.Peer)))
        {
            if (change.WentDown && change.RemoteDiagnostic != BfdDiagnostic.AdministrativelyDown && change.NewState != BfdState.AdminDown)
            {
                peer.HeldDownByBfd = true;
                _router.Log.BfdChange(change.Peer.ToString(), change.NewState.ToString(), change.Diagnostic.ToString(),
                    $"neighbor {peer.Config.Id} torn down (Cease/BFD Down), held down until BFD is Up");
                // Not awaited: StopAsync completes only once the connection is closed, which may
                // wait (up to the session's close timeout) for a hung peer that no longer reads.
                // The session reports Down to the RIB before it closes, and the next BFD event
                // (another peer's Down) must not queue behind this close. Start after a quick Up
                // still follows the stop: both go through the session's inbox in order.
                if (peer.Session is { } s) _ = s.StopAsync(CeaseSubcode.BfdDown, null);
            }
            else if (change.NewState == BfdState.Up && peer.HeldDownByBfd)
            {
                peer.HeldDownByBfd = false;
                _router.Log.BfdChange(change.Peer.ToString(), "Up", change.Diagnostic.ToString(), $"neighbor {peer.Config.Id} may connect again");
                if (!peer.Config.Shutdown) peer.Session?.Start();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _subscription?.Dispose();
        _engine.Dispose();
        _stop.Dispose();
    }
}
