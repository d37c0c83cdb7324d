using Microsoft.Extensions.Logging;

namespace StackBgp.Core;

/// <summary>The instance's structured log lines (what an operator greps for).</summary>
internal sealed partial class RouterLog
{
    private readonly ILogger _logger;

    public RouterLog(ILogger logger) => _logger = logger;

    public ILogger Logger => _logger;

    [LoggerMessage(Level = LogLevel.Information, Message = "neighbor {Neighbor} Up: AS {PeerAs}, hostname {Hostname}, families {Families}")]
    public partial void PeerUp(string neighbor, uint peerAs, string hostname, string families);

    [LoggerMessage(Level = LogLevel.Warning, Message = "neighbor {Neighbor} Down: {Reason}; {Effect}")]
    public partial void PeerDown(string neighbor, string reason, string effect);

    [LoggerMessage(Level = LogLevel.Information, Message = "router bgp {Asn}: router-id {RouterId}, {Neighbors} neighbor(s), listening on {Listen}")]
    public partial void Started(uint asn, string routerId, int neighbors, string listen);

    [LoggerMessage(Level = LogLevel.Warning, Message = "neighbor {Neighbor}: {Problem}")]
    public partial void NeighborProblem(string neighbor, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "redistribute connected: {Action} {Prefix} (dev {Interface})")]
    public partial void Connected(string action, string prefix, string @interface);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BFD peer {Peer} went {State} ({Diagnostic}): {Effect}")]
    public partial void BfdChange(string peer, string state, string diagnostic, string effect);

    [LoggerMessage(Level = LogLevel.Information, Message = "next hop {NextHop} is {State} ({Detail})")]
    public partial void NextHop(string nextHop, string state, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "neighbor {Neighbor}: interface {Interface} went down, session reset at once (fast-external-failover)")]
    public partial void InterfaceDownReset(string neighbor, string @interface);

    [LoggerMessage(Level = LogLevel.Error, Message = "FIB: {Error}")]
    public partial void FibError(string error);
}
