using System.Collections.Immutable;
using System.Net;
using SocketFamily = System.Net.Sockets.AddressFamily;
using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Core.Commands;
using StackBgp.Policy;
using StackBgp.Routing;
using StackBgp.Session;
using StackBgp.Wire;
using ConfigAggregate = StackBgp.Config.AggregateAddress;

namespace StackBgp.Core;

/// <summary>
/// The StackBgp instance: owns and wires sessions, the RIB actor, the kernel side (FIB, links,
/// addresses), BFD and the command interface. One per daemon. Start, stop and reload are the only
/// entry points besides <see cref="ExecuteAsync"/>.
/// </summary>
public sealed partial class Router : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly RouterOptions _options;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly CommandTree _commands = new();
    private StackBgpConfig _config;
    private CompiledPolicy _policy;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IRoutePolicy?> _policyCache = new(StringComparer.Ordinal);
    private BgpListener? _listener;
    private KernelBridge? _kernel;
    private BfdBridge? _bfd;
    private KernelDropWatch? _dropWatch;
    private RibActor? _rib;
    private int _nextPeerId;
    private uint _routerId;

    public Router(StackBgpConfig config, ILoggerFactory loggerFactory, TimeProvider time, RouterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _options = options ?? new RouterOptions();
        Time = time ?? TimeProvider.System;
        Log = new RouterLog(loggerFactory.CreateLogger("stackbgpd"));
        _policy = CompiledPolicy.Compile(config.Policy);
        StartedAt = Time.GetUtcNow();
        RegisterCommands();
    }

    internal TimeProvider Time { get; }
    internal RouterLog Log { get; }
    internal RibActor Rib => _rib ?? throw new InvalidOperationException("the router is not started");
    internal StackBgpConfig Config => _config;
    internal CompiledPolicy Policy => _policy;
    internal DateTimeOffset StartedAt { get; }
    internal uint RouterId => _routerId;
    internal uint LocalAs => _config.Bgp?.Asn ?? 0;
    internal KernelBridge? Kernel => _kernel;
    internal BfdBridge? Bfd => _bfd;
    internal IEnumerable<Peer> Peers => _peers.Values;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Kernel)
        {
            _kernel = new KernelBridge(this, _loggerFactory);
            await _kernel.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var bgp = _config.Bgp;
        _routerId = ChooseRouterId();
        _restarting = DetectRestart(bgp);
        var encoder = new WireUpdateEncoder
        {
            NotEncodable = (family, first, count, why) => Log.Logger.LogWarning(
                "{Count} {Family} prefix(es) from {First} not announced to an update group (withdrawn instead): {Reason}", count, family, first.Prefix, why),
        };
        _rib = new RibActor(BuildRibOptions(), encoder, _kernel?.FibSink, Time, _loggerFactory.CreateLogger("stackbgpd.rib"));
        _rib.Start();
        if (bgp is null) return;
        if (_restarting) GrLog.Restarting(Log.Logger, _kernel?.PreservedRoutes ?? 0, SelectDeferTime(bgp)?.TotalSeconds ?? 0);
        _ = EndRestartWhenConvergedAsync();

        if (_options.ListenPort > 0)
        {
            var endPoints = _options.ListenAddresses.Count == 0
                ? BgpListener.AnyAddress(_options.ListenPort)
                : [.. _options.ListenAddresses.Select(a => new IPEndPoint(a, _options.ListenPort))];
            _listener = new BgpListener(endPoints, _loggerFactory.CreateLogger<BgpListener>()) { DynamicPeers = AcceptDynamicPeer };
        }

        if (NeedsBfd(_config))
        {
            _bfd = new BfdBridge(this, _loggerFactory);
            _bfd.Start();
        }

        foreach (var n in bgp.EffectiveNeighbors(_config.TimerDefaults)) await AddPeerAsync(n).ConfigureAwait(false);
        // Listen only once every configured neighbor is registered, so that no early connection is refused.
        _listener?.Start();
        InstallListenRangePasswords();
        _dropWatch = new KernelDropWatch(this, Log.Logger); // speaks only about neighbors with a password or ttl-security
        await OriginateConfiguredRoutesAsync().ConfigureAwait(false);
        if (_kernel is not null) await _kernel.StartRedistributionAsync().ConfigureAwait(false);

        Log.Started(bgp.Asn, new IPAddress(ToBytes(_routerId)).ToString(), _peers.Count,
            _listener is null ? "(not listening)" : string.Join(", ", _listener.LocalEndPoints));
    }

    /// <summary>
    /// Stop for a planned restart (SIGTERM): <see cref="RouterStopMode.GracefulRestart"/>.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => StopAsync(RouterStopMode.GracefulRestart, cancellationToken);

    /// <summary>
    /// Stops every session at once, then the RIB; kernel routes stay (FRR's -r) unless configured otherwise.
    /// With <see cref="RouterStopMode.GracefulRestart"/>, an Established peer with which graceful restart was
    /// negotiated in both directions (we as restarting-capable speaker) sees a restart and keeps our routes;
    /// every other peer gets Cease/Administrative Shutdown (a Hard Reset with the N bit) and withdraws them now,
    /// not after the hold time.
    /// </summary>
    public async Task StopAsync(RouterStopMode mode, CancellationToken cancellationToken)
    {
        // SIGTERM (restart): the kernel keeps every route as it is, learned ones included (FRR's -r), so
        // forwarding has no gap whether or not the peers keep ours. SIGINT (stop for good): the routes
        // learned from the peers leave the kernel with them, unless `fib keep-on-exit` (BIRD's `persist`)
        // says the kernel keeps them on every exit.
        if (mode != RouterStopMode.Withdraw || Config.Fib.KeepOnExit) _kernel?.HoldRoutes();
        var stops = new List<Task>();
        int longestRestart = 0;
        foreach (var p in _peers.Values)
        {
            if (p.Session is not { } s) continue;
            if (mode == RouterStopMode.GracefulRestart && GracefulStopRestartTime(p) is { } restartTime)
            {
                GrLog.GracefulStop(Log.Logger, p.Config.Id, restartTime);
                longestRestart = Math.Max(longestRestart, restartTime);
                p.StoppingForRestart = true;
                stops.Add(s.StopForRestartAsync());
                continue;
            }
            if (s.State == BgpState.Established)
                GrLog.FullStop(Log.Logger, p.Config.Id, mode == RouterStopMode.Withdraw ? "full stop requested" : "graceful restart not negotiated in both directions");
            stops.Add(s.StopAsync(CeaseSubcode.AdministrativeShutdown, null));
        }
        if (longestRestart > 0) WriteRestartMarker(longestRestart);
        try
        {
            await Task.WhenAll(stops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
        await StopAdvertisersAsync().ConfigureAwait(false);
        foreach (var p in _peers.Values) await p.DisposeAsync().ConfigureAwait(false);
        _peers.Clear();
        _bfd?.Dispose();
        _dropWatch?.Dispose();
        if (_rib is not null) await _rib.StopAsync().ConfigureAwait(false);
        if (_kernel is not null) await _kernel.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_rib is not null && !_rib.Completion.IsCompleted) await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public Task<CommandResult> ExecuteAsync(string command, CancellationToken cancellationToken) =>
        _commands.ExecuteAsync(command, cancellationToken);

    // ── peers ──

    private async Task AddPeerAsync(EffectiveNeighbor n, string? interfaceName = null)
    {
        if (n.Address is null)
        {
            await AddInterfacePeerAsync(n).ConfigureAwait(false);
            return;
        }
        var peer = CreatePeer(n, interfaceName);
        _listener?.AddPeer(new PeerRegistration(peer.Transport!, peer.Session!.AcceptConnection));
        if (n.Bfd && _bfd is not null) await _bfd.AddPeerAsync(peer).ConfigureAwait(false);
        if (!n.Shutdown) peer.Session!.Start();
    }

    /// <summary>The peer object, its transport options and its session (not started, not registered).</summary>
    private Peer CreatePeer(EffectiveNeighbor n, string? interfaceName)
    {
        var bgp = _config.Bgp!;
        var peer = new Peer(this, Interlocked.Increment(ref _nextPeerId), n, n.Address!, Log.Logger);
        bool internalPeer = n.IsInternal(bgp.Asn);
        var transport = new PeerTransportOptions
        {
            RemoteAddress = n.Address!,
            RemotePort = n.Port,
            LocalAddress = n.UpdateSource is { } us && IPAddress.TryParse(us, out var src) ? src : null,
            LocalInterface = interfaceName,
            UpdateSourceInterface = interfaceName is null && n.UpdateSource is { } ui && !IPAddress.TryParse(ui, out _) ? ui : null,
            ConnectedCheck = PeerTransportOptions.NeedsConnectedCheck(internalPeer, n.EbgpMultihop, n.TtlSecurityHops, n.DisableConnectedCheck, n.Address!),
            Md5Password = n.Password?.Value,
            TtlSecurityHops = n.TtlSecurityHops,
            Ttl = PeerTransportOptions.DefaultTtl(internalPeer, n.EbgpMultihop),
        };
        peer.Transport = transport;
        peer.Session = new BgpSession(BuildSessionConfig(n, bgp), n.Passive ? null : new TcpConnector(transport), peer, Time,
            _loggerFactory.CreateLogger<BgpSession>());
        _peers[n.Id] = peer;
        return peer;
    }

    private SessionConfig BuildSessionConfig(EffectiveNeighbor n, Config.BgpInstance bgp)
    {
        var families = Peer.Families(n);
        var gr = BuildGracefulRestart(n, bgp, _restarting);
        return new SessionConfig
        {
            LocalAs = n.LocalAs?.Asn ?? bgp.Asn,
            LocalBgpId = _routerId,
            PeerAddress = n.Address!,
            PeerAsMode = n.RemoteAs?.Kind switch
            {
                RemoteAsKind.Internal => PeerAsMode.Internal,
                RemoteAsKind.External => PeerAsMode.External,
                _ => PeerAsMode.Specific,
            },
            PeerAs = n.RemoteAs is { Kind: RemoteAsKind.Number } r ? r.Asn : 0,
            HoldTime = (ushort)n.Hold,
            KeepaliveTime = TimeSpan.FromSeconds(n.KeepAlive),
            ConnectRetryTime = TimeSpan.FromSeconds(Math.Max(1, n.ConnectRetry)),
            SendHoldTime = n.SendHold is int sendHold ? TimeSpan.FromSeconds(sendHold) : null,
            Families = families.IsEmpty ? [] : families,
            ExtendedNextHop = n.CapabilityExtendedNexthop ? [new ExtendedNextHopEntry(AddressFamily.Ipv4Unicast, Afi.Ipv6)] : [],
            GracefulRestart = gr,
            LongLivedGracefulRestart = BuildLongLived(n, bgp),
            HardAdministrativeReset = bgp.HardAdministrativeReset,
            HostName = _config.Hostname,
            OneCapabilityPerParameter = true,
        };
    }

    /// <summary>What the RIB needs to know about an Established peer: configuration merged with the OPEN negotiation.</summary>
    internal PeerDescriptor BuildDescriptor(Peer peer, NegotiatedSession negotiated)
    {
        var n = peer.Config;
        var bgp = _config.Bgp!;
        IPAddress local = Unmap(negotiated.LocalEndPoint?.Address) ?? IPAddress.Any;
        var ifState = peer.Transport?.LocalInterface is { } lif
            ? _kernel?.Interfaces.Values.FirstOrDefault(i => i.Name == lif)
            : _kernel?.InterfaceOf(local);
        IPAddress? v6Global = null, v4 = null, linkLocal = null;
        Prefix? subnet = null;
        if (ifState is not null)
        {
            foreach (var a in ifState.Addresses)
            {
                if (a.Address.AddressFamily == SocketFamily.InterNetworkV6)
                {
                    if (a.Address.IsIPv6LinkLocal) linkLocal ??= a.Address;
                    else v6Global ??= a.Address;
                }
                else v4 ??= a.Address;
                if (a.Address.Equals(local)) subnet = Prefix.FromAddress(a.Address, a.PrefixLength);
            }
        }
        var primary = n.Families.GetValueOrDefault(AddressFamily.Ipv4Unicast) ?? n.Families.Values.FirstOrDefault();
        var defaultOriginate = n.Families.Values.Where(f => f.Activated && f.DefaultOriginate is not null).Select(f => f.Family).ToImmutableArray();
        uint? defaultLp = bgp.DefaultLocalPreference;
        string? peerIf = ifState?.Name;
        return new PeerDescriptor
        {
            Id = peer.Id,
            Address = peer.Address,
            LocalAddress = local,
            LocalIpv6Global = local.AddressFamily == SocketFamily.InterNetwork ? v6Global : null,
            LocalIpv4 = local.AddressFamily == SocketFamily.InterNetworkV6 ? v4 : null,
            LocalLinkLocal = linkLocal,
            Interface = peerIf,
            SharedSubnet = subnet,
            PeerAs = negotiated.PeerAs,
            LocalAs = negotiated.LocalAs,
            RouterId = negotiated.PeerBgpId,
            Hostname = negotiated.PeerHostName,
            RouteReflectorClient = primary?.RouteReflectorClient ?? false,
            Families = negotiated.Families,
            AddPathReceive = [.. negotiated.AddPath.Where(e => (e.Mode & AddPathMode.Receive) != 0).Select(e => e.Family)],
            AddPathSend = [.. negotiated.AddPath.Where(e => (e.Mode & AddPathMode.Send) != 0).Select(e => e.Family)],
            FourOctetAs = negotiated.FourOctetAs,
            ExtendedNextHop = [.. negotiated.ExtendedNextHop.Select(e => e.Family)],
            ExtendedMessage = negotiated.ExtendedMessage,
            EnhancedRouteRefresh = negotiated.EnhancedRouteRefresh,
            NextHopSelf = primary?.NextHopSelf switch
            {
                NextHopSelfMode.On => NextHopSelf.On,
                NextHopSelfMode.Force => NextHopSelf.Force,
                _ => NextHopSelf.Off,
            },
            AllowAsIn = primary?.AllowAsIn is { } ai ? new AllowAsIn(ai.Origin ? 0 : ai.Count, ai.Origin) : AllowAsIn.Off,
            SendCommunity = primary is null ? SendCommunity.All : (SendCommunity)(byte)primary.SendCommunity,
            DefaultOriginate = defaultOriginate,
            AdvertisementInterval = TimeSpan.FromSeconds(n.AdvertisementInterval),
            ImportPolicy = FamilyPolicy.For(_policy, n, inbound: true, negotiated.LocalAs, defaultLp, peerIf, _policyCache),
            ExportPolicy = FamilyPolicy.For(_policy, n, inbound: false, negotiated.LocalAs, defaultLp, peerIf, _policyCache),
            MaximumPrefix = primary?.MaximumPrefix is { } mp
                ? new MaximumPrefix((int)mp.Limit, mp.WarningOnly, mp.RestartMinutes is { } m ? TimeSpan.FromMinutes(m) : default)
                : default,
            SoftReconfigurationInbound = primary?.SoftReconfigurationInbound ?? false,
            GracefulRestart = HelperView(n, negotiated),
            LongLivedGracefulRestartReceiver = negotiated.PeerLongLivedGracefulRestart is not null,
            Sender = peer,
        };
    }

    private RibOptions BuildRibOptions()
    {
        var bgp = _config.Bgp;
        if (bgp is null) return new RibOptions { LocalAs = 0, RouterId = _routerId };
        var maxPaths = ImmutableDictionary<AddressFamily, MaxPaths>.Empty;
        foreach (var (family, af) in bgp.AddressFamilies)
        {
            if (af.MaximumPaths is not null || af.MaximumPathsIbgp is not null)
                maxPaths = maxPaths.SetItem(family, new MaxPaths(af.MaximumPaths ?? 1, af.MaximumPathsIbgp ?? 1));
        }
        var aggregates = bgp.AddressFamilies.Values.SelectMany(a => a.Aggregates)
            .Select(a => new Routing.AggregateAddress(a.Prefix, a.SummaryOnly, a.AsSet)).ToImmutableArray();
        return new RibOptions
        {
            LocalAs = bgp.Asn,
            RouterId = _routerId,
            ClusterId = bgp.ClusterId is { } c ? ToUInt(c) : null,
            BestPath = new BestPathOptions
            {
                AsPathIgnore = bgp.BestpathAsPathIgnore,
                AsPathMultipathRelax = bgp.BestpathAsPathMultipathRelax,
                AlwaysCompareMed = bgp.AlwaysCompareMed,
                DeterministicMed = bgp.DeterministicMed ?? _config.Defaults == FrrDefaultsProfile.Datacenter,
                MedMissingAsWorst = bgp.MedMissingAsWorst,
                CompareRouterId = bgp.BestpathCompareRouterId,
                DefaultLocalPref = bgp.DefaultLocalPreference ?? 100,
            },
            MaxPaths = maxPaths,
            EbgpRequiresPolicy = bgp.EbgpRequiresPolicy,
            GracefulShutdown = bgp.GracefulShutdown,
            Aggregates = aggregates,
            StalePathTime = StalePathTime(bgp),
            SelectDeferTime = SelectDeferTime(bgp),
        };
    }

    /// <summary><c>network</c> statements and static routes (<c>ip route</c> with <c>redistribute static</c>).</summary>
    private async Task OriginateConfiguredRoutesAsync()
    {
        var bgp = _config.Bgp!;
        foreach (var (family, af) in bgp.AddressFamilies)
        {
            foreach (var net in af.Networks)
            {
                var route = LocalRoute.Network(net.Prefix) with
                {
                    RouteMap = net.RouteMap is null ? null : new RedistributionRoutePolicy(_policy, net.RouteMap, RouteSourceProtocol.Bgp, null, bgp.Asn),
                };
                await Rib.PostAsync(new RibCommand.AddLocalRoute(route)).ConfigureAwait(false);
            }
            var rs = af.Redistributions.FirstOrDefault(r => r.Source == RouteSourceProtocol.Static);
            if (rs is null) continue;
            foreach (var sr in _config.StaticRoutes.Where(s => s.Prefix.Afi == family.Afi))
            {
                var route = LocalRoute.Redistributed(sr.Prefix, LocalRouteSource.Static, rs.Metric ?? 0) with
                {
                    RouteMap = rs.RouteMap is null ? null : new RedistributionRoutePolicy(_policy, rs.RouteMap, RouteSourceProtocol.Static, sr.Interface, bgp.Asn),
                };
                await Rib.PostAsync(new RibCommand.AddLocalRoute(route)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>FRR's choice: the configured router-id, else the highest IPv4 address on a loopback, else on any interface.</summary>
    private uint ChooseRouterId()
    {
        if (_config.Bgp?.RouterId is { } configured) return ToUInt(configured);
        var addresses = _kernel?.Ipv4Addresses() ?? [];
        var candidates = addresses.Where(a => !IPAddress.IsLoopback(a.Address)).ToList();
        var lo = candidates.Where(a => a.Interface == "lo").Select(a => ToUInt(a.Address)).DefaultIfEmpty(0u).Max();
        if (lo != 0) return lo;
        return candidates.Select(a => ToUInt(a.Address)).DefaultIfEmpty(0u).Max();
    }

    private static bool NeedsBfd(StackBgpConfig config) =>
        !config.Bfd.Peers.IsEmpty || (config.Bgp?.EffectiveNeighbors(config.TimerDefaults).Any(n => n.Bfd) ?? false);

    internal Peer? FindPeer(string idOrAddress)
    {
        if (_peers.TryGetValue(idOrAddress, out var p)) return p;
        return IPAddress.TryParse(idOrAddress, out var ip) ? _peers.Values.FirstOrDefault(x => x.Address.Equals(ip)) : null;
    }

    internal static IPAddress? Unmap(IPAddress? a) => a is { IsIPv4MappedToIPv6: true } ? a.MapToIPv4() : a;

    internal static uint ToUInt(IPAddress a)
    {
        Span<byte> b = stackalloc byte[4];
        a.TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    internal static byte[] ToBytes(uint v)
    {
        var b = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    internal static string FormatId(uint v) => new IPAddress(ToBytes(v)).ToString();
}
