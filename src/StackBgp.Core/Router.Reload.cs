using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Policy;
using StackBgp.Routing;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>
    /// Applies a new configuration in place (SIGHUP): diff against the running one, then the smallest
    /// set of actions. Neighbors whose transport or capabilities changed are reset; policy changes are
    /// applied with a soft refresh (no session reset); added and removed neighbors come and go.
    /// A change of the BGP instance itself (ASN) needs a restart and is refused.
    /// </summary>
    public async Task ReloadAsync(StackBgpConfig next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var diff = ConfigDiffer.Compare(_config, next);
        if (diff.IsEmpty)
        {
            Log.Logger.LogInformation("reload: configuration unchanged");
            return;
        }
        if (diff.BgpInstanceReplaced)
        {
            Log.Logger.LogError("reload: `router bgp` ASN changed; restart stackbgpd to apply it (running configuration kept)");
            return;
        }
        _config = next;
        if (diff.PolicyChanged)
        {
            _policy = CompiledPolicy.Compile(next.Policy);
            _policyCache.Clear();
        }
        if (diff.BgpGlobalChanged) await Rib.PostAsync(new RibCommand.OptionsChanged(BuildRibOptions()), cancellationToken).ConfigureAwait(false);

        var bgp = next.Bgp!;
        var effective = bgp.EffectiveNeighbors(next.TimerDefaults).ToDictionary(n => n.Id);
        foreach (var change in diff.Neighbors)
        {
            _peers.TryGetValue(change.Id, out var peer);
            bool interfaceNeighbor = IsInterfaceNeighbor(change.Id);
            switch (change.Kind)
            {
                case NeighborChangeKind.Removed when peer is not null || interfaceNeighbor:
                    // An interface neighbor also stops advertising itself and listening on its interface.
                    if (interfaceNeighbor) await StopInterfaceNeighborAsync(change.Id).ConfigureAwait(false);
                    else await RemovePeerAsync(peer!).ConfigureAwait(false);
                    Log.Logger.LogInformation("reload: neighbor {Neighbor} removed", change.Id);
                    break;
                case NeighborChangeKind.Changed when interfaceNeighbor && (peer is null || change.NeedsReset) && effective.TryGetValue(change.Id, out var changedInterface):
                    // Not discovered yet (its discovery holds the old settings) or a reset: start it over.
                    Log.Logger.LogInformation("reload: neighbor {Neighbor} restarted ({Settings} changed)", change.Id, string.Join(", ", change.ChangedSettings));
                    await StopInterfaceNeighborAsync(change.Id).ConfigureAwait(false);
                    await AddPeerAsync(changedInterface).ConfigureAwait(false);
                    break;
                case NeighborChangeKind.Added when effective.TryGetValue(change.Id, out var added):
                    await AddPeerAsync(added).ConfigureAwait(false);
                    Log.Logger.LogInformation("reload: neighbor {Neighbor} added", change.Id);
                    break;
                case NeighborChangeKind.Changed when peer is not null && effective.TryGetValue(change.Id, out var changed):
                    if (change.NeedsReset)
                    {
                        Log.Logger.LogInformation("reload: neighbor {Neighbor} reset ({Settings} changed)", change.Id, string.Join(", ", change.ChangedSettings));
                        await RemovePeerAsync(peer).ConfigureAwait(false);
                        await AddPeerAsync(changed).ConfigureAwait(false);
                    }
                    else
                    {
                        peer.UpdateConfig(changed);
                        if (interfaceNeighbor) _interfaceNeighbors[change.Id] = changed; // a later re-discovery uses it
                        Log.Logger.LogInformation("reload: neighbor {Neighbor} updated in place ({Settings})", change.Id, string.Join(", ", change.ChangedSettings));
                    }
                    break;
            }
        }
        // BFD: `bfd` blocks and `neighbor … bfd` may have changed (intervals, profiles, peers added or
        // removed): bring the sessions in line; the first BFD configuration starts the engine.
        if (_bfd is null && NeedsBfd(next))
        {
            var bridge = new BfdBridge(this, _loggerFactory);
            try
            {
                bridge.Start();
                _bfd = bridge;
                Log.Logger.LogInformation("reload: BFD engine started (first BFD configuration)");
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.Net.Sockets.SocketException)
            {
                bridge.Dispose();
                Log.Logger.LogError("reload: the BFD engine could not start ({Reason}); no BFD session runs", e.Message);
            }
        }
        else if (_bfd is not null) await _bfd.ReconcileAsync().ConfigureAwait(false);
        // Policies are objects in the peers' descriptors: rebuild them for every up peer so that new
        // lists and route-maps take effect (a soft reconfiguration, RFC 2918 style, without a reset).
        if (diff.PolicyChanged || diff.Changed.Any(c => !c.NeedsReset))
        {
            foreach (var p in _peers.Values)
            {
                if (p.Session?.Negotiated is { } neg && p.Descriptor is not null)
                    await Rib.PostAsync(new RibCommand.PeerChanged(BuildDescriptor(p, neg)), cancellationToken).ConfigureAwait(false);
            }
        }
        Log.Logger.LogInformation("reload: applied ({Count} neighbor change(s), policy {Policy})", diff.Neighbors.Count, diff.PolicyChanged ? "changed" : "unchanged");
    }

    private async Task RemovePeerAsync(Peer peer)
    {
        if (peer.Session is { } s) await s.StopAsync(Wire.CeaseSubcode.PeerDeconfigured, null).ConfigureAwait(false);
        _listener?.RemovePeer(peer.Address);
        _peers.TryRemove(new KeyValuePair<string, Peer>(peer.Config.Id, peer));
        await peer.DisposeAsync().ConfigureAwait(false);
        if (peer.Config.Bfd && _bfd is not null) await _bfd.ReconcileAsync().ConfigureAwait(false); // its session goes
    }
}
