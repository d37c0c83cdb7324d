using System.Collections.Concurrent;
using System.Net;
using StackBgp.Config;
using StackBgp.Session;
using StackBgp.Wire;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>Dynamic neighbors accepted so far, by neighbor id (their address), with the range that let them in.</summary>
    private readonly ConcurrentDictionary<string, Prefix> _dynamic = new(StringComparer.Ordinal);
    private readonly Lock _dynamicLock = new();

    /// <summary>Number of dynamic neighbors (bgp listen range) now known; <c>show bgp summary</c>'s dynamicPeers.</summary>
    internal int DynamicPeerCount => _dynamic.Count;

    internal bool IsDynamicPeer(string id) => _dynamic.ContainsKey(id);

    /// <summary>
    /// <c>bgp listen range PREFIX peer-group G</c> (dynamic neighbors): an inbound connection from an
    /// address in a range becomes a passive neighbor with the peer-group's settings, up to
    /// <c>bgp listen limit</c> (FRR's default 100). Anything else stays refused by the listener.
    /// The new neighbor is registered with the listener, so its later connections (a reconnect after a
    /// flap) reach the same neighbor instead of creating another one.
    /// </summary>
    private PeerRegistration? AcceptDynamicPeer(IPEndPoint remote, IPEndPoint local)
    {
        var bgp = _config.Bgp;
        if (bgp is null || bgp.ListenRanges.IsEmpty) return null;
        var address = Unmap(remote.Address)!;
        var host = Prefix.Host(address);
        var range = bgp.ListenRanges.FirstOrDefault(r => r.Range.Contains(host));
        if (range is null) return null;
        int limit = bgp.ListenLimit ?? 100;
        Peer peer;
        lock (_dynamicLock)
        {
            if (_dynamic.Count >= limit)
            {
                Log.NeighborProblem(address.ToString(),
                    $"dynamic neighbor refused: bgp listen limit {limit} reached ({_dynamic.Count} dynamic neighbors: {string.Join(", ", _dynamic.Keys.Order(StringComparer.Ordinal))})");
                return null;
            }
            var config = new NeighborConfig { Id = address.ToString(), Kind = NeighborKind.Address, Address = address, PeerGroup = range.PeerGroup, Passive = true };
            var n = bgp.Effective(config, _config.TimerDefaults);
            if (n.RemoteAs is null)
            {
                Log.NeighborProblem(address.ToString(), $"dynamic neighbor refused: peer-group {range.PeerGroup} has no remote-as");
                return null;
            }
            peer = CreatePeer(n, null);
            _dynamic[n.Id] = range.Range;
        }
        Log.Logger.LogDynamicPeer(address.ToString(), range.Range.ToString(), range.PeerGroup);
        peer.Session!.Start();
        var registration = new PeerRegistration(peer.Transport!, peer.Session.AcceptConnection);
        _listener?.AddPeer(registration);
        return registration;
    }
}

public sealed partial class Router
{
    /// <summary>
    /// A listen range whose peer-group has a password: the key goes on the listening sockets for the whole
    /// range (TCP_MD5SIG_EXT with a prefix length), or the kernel would drop the signed SYNs of the rack's nodes
    /// before any dynamic neighbor could exist. Called once the listener is bound.
    /// </summary>
    private void InstallListenRangePasswords()
    {
        var bgp = _config.Bgp;
        if (_listener is null || bgp is null) return;
        foreach (var range in bgp.ListenRanges)
        {
            var probe = new NeighborConfig { Id = range.Range.ToString(), Kind = NeighborKind.Address, Address = range.Range.Address, PeerGroup = range.PeerGroup };
            string? password = bgp.Effective(probe, _config.TimerDefaults).Password?.Value;
            if (string.IsNullOrEmpty(password)) continue;
            try
            {
                _listener.SetRangePassword(range.Range.Address, range.Range.Length, password);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Log.NeighborProblem(range.Range.ToString(), $"cannot install the TCP-MD5 key of peer-group {range.PeerGroup} for listen range {range.Range}: {e.Message}");
            }
        }
    }
}

internal static partial class DynamicPeerLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "dynamic neighbor {Neighbor} accepted (listen range {Range}, peer-group {Group})")]
    public static partial void LogDynamicPeer(this Microsoft.Extensions.Logging.ILogger logger, string neighbor, string range, string group);
}
