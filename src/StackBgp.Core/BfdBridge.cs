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
        foreach (var p in _router.Config.Bfd.Peers)
            _ = AddAsync(ToConfig(p.Address, p.LocalAddress, p.Interface, p.Multihop, p.Profile, p.Settings));
    }

    /// <summary>Adds a session; a refusal (bad parameters, missing interface) is logged with the peer, never thrown.</summary>
    private async Task AddAsync(BfdPeerConfig config)
    {
        try
        {
            await _engine.AddSession(config).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            _log.LogError("BFD peer {Peer}: session not created: {Reason}", config.Peer, e.Message);
        }
    }

    public Task AddPeerAsync(Peer peer)
    {
        var n = peer.Config;
        IPAddress? local = n.UpdateSource is { } us && IPAddress.TryParse(us, out var a) ? a : null;
        bool multihop = n.EbgpMultihop is > 1;
        return AddAsync(ToConfig(peer.Address, local, multihop ? null : peer.Transport?.LocalInterface, multihop, n.BfdProfile, null));
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
