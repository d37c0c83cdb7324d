using System.Globalization;
using StackBgp.Wire;

namespace StackBgp.Routing;

// Adj-RIB-In: import checks, import policy (with RFC 8212), storing paths, withdrawals.
public sealed partial class RibActor
{
    private void HandleUpdate(int peerId, InboundBatch batch)
    {
        if (!_peers.TryGetValue(peerId, out var peer) || !peer.Up)
        {
            Log.UnknownPeer(_log, peerId, "Update");
            return;
        }
        var desc = peer.Descriptor!;
        uint now = RoutePath.Seconds(_time.GetUtcNow());
        var nlri = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch.Nlri);
        foreach (var item in batch.Items)
        {
            peer.UpdatesReceived++;
            foreach (var n in nlri.Slice(item.WithdrawnStart, item.WithdrawnCount))
            {
                peer.WithdrawsReceived++;
                Withdraw(peer, n.Prefix, n.PathId);
            }
            var announced = nlri.Slice(item.AnnouncedStart, item.AnnouncedCount);
            if (announced.IsEmpty) continue;
            if (item.Action >= ErrorAction.TreatAsWithdraw || item.Attributes is null)
            {
                // RFC 7606 §2 treat-as-withdraw.
                foreach (var n in announced) Withdraw(peer, n.Prefix, n.PathId);
                continue;
            }
            var pre = _interner.Intern(item.Attributes);
            var rejection = CheckLoops(peer, pre);
            PathAttributes? fixedPost = null;
            var policy = desc.ImportPolicy;
            if (rejection == Rejection.None && policy is null)
            {
                if (peer.Kind != PeerKind.Internal && _options.EbgpRequiresPolicy) rejection = Rejection.Rfc8212;
                else fixedPost = _interner.Intern(AfterImport(pre));
            }
            foreach (var n in announced)
            {
                PathAttributes? post = fixedPost;
                ushort weight = 0;
                var rej = rejection;
                if (rej == Rejection.None && policy is not null)
                {
                    var r = policy.Evaluate(n.Prefix, pre, new PolicyContext(PolicyDirection.Import, desc.Address, desc.PeerAs, desc.IsInternal, 0, peer.Kind));
                    if (r.Permit)
                    {
                        post = _interner.Intern(AfterImport(r.Attributes));
                        weight = (ushort)Math.Clamp(r.Weight, 0, ushort.MaxValue);
                    }
                    else rej = Rejection.Policy;
                }
                else if (post is not null)
                {
                    _interner.AddRef(post);
                }
                _interner.AddRef(pre);
                StorePath(peer, n.Prefix, n.PathId, pre, post, weight, rej, now);
            }
            _interner.Release(pre);
            if (fixedPost is not null) _interner.Release(fixedPost);
        }
        CheckMaximumPrefix(peer);
    }

    /// <summary>RFC 8326 §4.2: a received GRACEFUL_SHUTDOWN community lowers LOCAL_PREF to 0.</summary>
    private PathAttributes AfterImport(PathAttributes attrs) =>
        _options.HonorGracefulShutdown && attrs.HasCommunity(Community.GracefulShutdown) && attrs.LocalPref != 0
            ? attrs with { LocalPref = 0 }
            : attrs;

    /// <summary>Loop detection: our AS in the path (RFC 4271 §9.1.2, allowas-in), ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8).</summary>
    private Rejection CheckLoops(PeerState peer, PathAttributes attrs)
    {
        var desc = peer.Descriptor!;
        uint localAs = desc.LocalAs;
        int count = attrs.AsPath.Count(localAs);
        if (count > 0)
        {
            var allow = desc.AllowAsIn;
            bool ok = allow.Origin ? attrs.AsPath.OriginAs == localAs : count <= allow.Count;
            if (!ok) return Rejection.AsLoop;
        }
        if (peer.Kind == PeerKind.Internal)
        {
            if (attrs.OriginatorId == _options.RouterId) return Rejection.OriginatorLoop;
            if (attrs.ClusterList.Contains(_options.EffectiveClusterId)) return Rejection.ClusterLoop;
        }
        return Rejection.None;
    }

    private void StorePath(PeerState peer, Prefix prefix, uint pathId, PathAttributes pre, PathAttributes? post, ushort weight, Rejection rejection, uint now)
    {
        if (!Table(prefix).TryGetOrAdd(prefix, out var d))
        {
            // 16.7 million prefixes in one family: only a peer without maximum-prefix flooding us gets here.
            if (!_tableFullLogged)
            {
                _tableFullLogged = true;
                Log.TableFull(_log, peer.Descriptor?.Address.ToString() ?? peer.Id.ToString(CultureInfo.InvariantCulture), prefix.ToString(), DestinationTable.MaxEntries);
            }
            _interner.Release(pre);
            if (post is not null) _interner.Release(post);
            return;
        }
        int i = d.Find(peer, pathId);
        if (i >= 0)
        {
            ref var p = ref d.At(i);
            if (ReferenceEquals(p.PreAttrs, pre) && ReferenceEquals(p.Attrs, post) && p.Weight == weight && !p.IsStale)
            {
                // Duplicate announcement: nothing changes.
                _interner.Release(pre);
                if (post is not null) _interner.Release(post);
                return;
            }
            Account(peer, p.Rejection, p.Attrs is not null, -1);
            _interner.Release(p.PreAttrs);
            if (p.Attrs is not null) _interner.Release(p.Attrs);
            d.SetAttrs(i, post);
            Fill(ref p, pre, weight, rejection, now);
        }
        else
        {
            if (d.Count >= Destination.MaxPaths)
            {
                // Only ADD-PATH (RFC 7911) from a peer inventing path ids gets here: the prefix's other
                // paths stay, the new one is not stored.
                Log.TooManyPaths(_log, peer.Descriptor?.Address.ToString() ?? peer.Id.ToString(CultureInfo.InvariantCulture), pathId, prefix.ToString(), Destination.MaxPaths);
                _interner.Release(pre);
                if (post is not null) _interner.Release(post);
                return;
            }
            ref var p = ref d.Add(peer, pathId);
            peer.Received++;
            p.Attrs = post;
            Fill(ref p, pre, weight, rejection, now);
        }
        Account(peer, rejection, post is not null, +1);
        MarkDirty(d);

        static void Fill(ref RoutePath p, PathAttributes pre, ushort weight, Rejection rejection, uint now)
        {
            p.PreAttrs = pre;
            p.Weight = weight;
            p.Rejection = rejection;
            p.LastUpdate = now;
            p.Flags &= ~(PathFlags.Stale | PathFlags.LlgrStale);
        }
    }

    private static void Account(PeerState peer, Rejection rejection, bool accepted, int delta)
    {
        if (accepted) peer.Accepted += delta;
        switch (rejection)
        {
            case Rejection.Policy: peer.DeniedByPolicy += delta; break;
            case Rejection.Rfc8212: peer.DeniedByRfc8212 += delta; break;
            case Rejection.AsLoop or Rejection.OriginatorLoop or Rejection.ClusterLoop: peer.DeniedByLoop += delta; break;
        }
    }

    private void Withdraw(PeerState peer, Prefix prefix, uint pathId)
    {
        if (!Table(prefix).TryGetValue(prefix, out var d)) return;
        int i = d.Find(peer, pathId);
        if (i < 0) return;
        RemovePath(d, i);
    }

    private void RemovePath(Destination d, int i)
    {
        ref var p = ref d.At(i);
        var peer = p.Peer;
        Account(peer, p.Rejection, p.Attrs is not null, -1);
        peer.Received--;
        _interner.Release(p.PreAttrs);
        if (p.Attrs is not null) _interner.Release(p.Attrs);
        d.RemoveAt(i);
        MarkDirty(d);
    }

    private void CheckMaximumPrefix(PeerState peer)
    {
        var max = peer.Descriptor!.MaximumPrefix;
        if (max.Limit <= 0 || peer.Accepted <= max.Limit || peer.MaxPrefixSignalled) return;
        peer.MaxPrefixSignalled = true;
        Log.MaxPrefix(_log, peer.Descriptor.Address.ToString(), peer.Accepted, max.Limit);
        // RFC 4271 §8.2.2 / RFC 4486: Cease, Maximum Number of Prefixes Reached.
        if (!max.WarningOnly) peer.Descriptor.Sender.Close(CeaseSubcode.MaximumPrefixesReached, $"maximum-prefix {max.Limit} exceeded ({peer.Accepted})");
    }

    /// <summary>Re-runs import for every kept pre-policy path of <paramref name="peer"/> (clear soft in, policy change).</summary>
    private void ReimportPeer(PeerState peer)
    {
        uint now = RoutePath.Seconds(_time.GetUtcNow());
        var desc = peer.Descriptor!;
        foreach (var table in (DestinationTable[])[_v4, _v6])
        {
            foreach (var d in table.Values)
            {
                for (int i = 0; i < d.Count; i++)
                {
                    ref var p = ref d.At(i);
                    if (!ReferenceEquals(p.Peer, peer)) continue;
                    var pre = p.PreAttrs;
                    var rej = CheckLoops(peer, pre);
                    PathAttributes? post = null;
                    ushort weight = 0;
                    if (rej == Rejection.None)
                    {
                        if (desc.ImportPolicy is { } policy)
                        {
                            var r = policy.Evaluate(d.Prefix, pre, new PolicyContext(PolicyDirection.Import, desc.Address, desc.PeerAs, desc.IsInternal, 0, peer.Kind));
                            if (r.Permit)
                            {
                                post = _interner.Intern(AfterImport(r.Attributes));
                                weight = (ushort)Math.Clamp(r.Weight, 0, ushort.MaxValue);
                            }
                            else rej = Rejection.Policy;
                        }
                        else if (peer.Kind != PeerKind.Internal && _options.EbgpRequiresPolicy) rej = Rejection.Rfc8212;
                        else post = _interner.Intern(AfterImport(pre));
                    }
                    if (post is not null && p.IsLlgrStale) post = WithLlgrStale(post); // RFC 9494 §4.2: stays attached until refreshed
                    if (ReferenceEquals(post, p.Attrs) && rej == p.Rejection && weight == p.Weight)
                    {
                        if (post is not null) _interner.Release(post);
                        continue;
                    }
                    Account(peer, p.Rejection, p.Attrs is not null, -1);
                    if (p.Attrs is not null) _interner.Release(p.Attrs);
                    d.SetAttrs(i, post);
                    p.Rejection = rej;
                    p.Weight = weight;
                    p.LastUpdate = now;
                    Account(peer, rej, post is not null, +1);
                    MarkDirty(d);
                }
            }
        }
    }

    private void HandleAddLocal(LocalRoute route)
    {
        var attrs = new PathAttributes
        {
            Origin = route.Origin,
            Med = route.Med,
            Communities = route.Communities,
            LargeCommunities = route.LargeCommunities,
        };
        ushort weight = _options.LocalWeight;
        var rej = Rejection.None;
        if (route.RouteMap is { } rm)
        {
            var r = rm.Evaluate(route.Prefix, attrs, new PolicyContext(PolicyDirection.Import, System.Net.IPAddress.Any, _options.LocalAs, true, weight, PeerKind.Local));
            if (!r.Permit) rej = Rejection.Policy;
            attrs = r.Attributes;
            weight = (ushort)Math.Clamp(r.Weight, 0, ushort.MaxValue);
        }
        var pre = _interner.Intern(attrs);
        PathAttributes? post = null;
        if (rej == Rejection.None)
        {
            post = pre;
            _interner.AddRef(pre);
        }
        StorePath(_self, route.Prefix, (uint)route.Source, pre, post, weight, rej, RoutePath.Seconds(_time.GetUtcNow()));
    }

    private void HandleRemoveLocal(Prefix prefix, LocalRouteSource source) => Withdraw(_self, prefix, (uint)source);
}
