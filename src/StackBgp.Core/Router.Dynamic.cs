using System.Net;
using StackBgp.Config;
using StackBgp.Session;
using StackBgp.Wire;

namespace StackBgp.Core;

public sealed partial class Router
{
    private int _dynamicPeers;

    /// <summary>
    /// <c>bgp listen range PREFIX peer-group G</c> (dynamic neighbors): an inbound connection from an
    /// address in a range becomes a passive neighbor with the peer-group's settings, up to
    /// <c>bgp listen limit</c> (FRR's default 100). Anything else stays refused by the listener.
    /// </summary>
    private PeerRegistration? AcceptDynamicPeer(IPEndPoint remote, IPEndPoint local)
    {
        var bgp = _config.Bgp;
        if (bgp is null || bgp.ListenRanges.IsEmpty) return null;
        var address = Unmap(remote.Address)!;
        var host = Prefix.Host(address);
        var range = bgp.ListenRanges.FirstOrDefault(r => r.Range.Contains(host));
        if (range is null) return null;
        if (_dynamicPeers >= (bgp.ListenLimit ?? 100))
        {
            Log.NeighborProblem(address.ToString(), $"dynamic neighbor refused: bgp listen limit {bgp.ListenLimit ?? 100} reached");
            return null;
        }
        var config = new NeighborConfig { Id = address.ToString(), Kind = NeighborKind.Address, Address = address, PeerGroup = range.PeerGroup, Passive = true };
        var n = bgp.Effective(config, _config.TimerDefaults);
        if (n.RemoteAs is null)
        {
            Log.NeighborProblem(address.ToString(), $"dynamic neighbor refused: peer-group {range.PeerGroup} has no remote-as");
            return null;
        }
        Interlocked.Increment(ref _dynamicPeers);
        var peer = CreatePeer(n, null);
        Log.Logger.LogDynamicPeer(address.ToString(), range.Range.ToString(), range.PeerGroup);
        peer.Session!.Start();
        return new PeerRegistration(peer.Transport!, peer.Session.AcceptConnection);
    }
}

internal static partial class DynamicPeerLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "dynamic neighbor {Neighbor} accepted (listen range {Range}, peer-group {Group})")]
    public static partial void LogDynamicPeer(this Microsoft.Extensions.Logging.ILogger logger, string neighbor, string range, string group);
}
