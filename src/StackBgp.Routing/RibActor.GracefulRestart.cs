using Microsoft.Extensions.Logging;
using StackBgp.Wire;

namespace StackBgp.Routing;

// Graceful restart on the actor: the helper's timers and F-bit check (RFC 4724 §4.2), long-lived stale
// routes (RFC 9494 §4), and the restarting speaker's selection deferral (RFC 4724 §4.1). Every timer
// posts a GrTimerFired back to the channel, so all state changes stay on the single writer.
public sealed partial class RibActor
{
    private readonly TaskCompletionSource _converged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _deferring;
    private bool _convergedToSignal;
    private ITimer? _deferTimer;

    /// <summary>
    /// Completes when a restarting instance (<see cref="RibOptions.SelectDeferTime"/>) has ended its selection
    /// deferral and sent its tables and End-of-RIB; already complete when the instance is not restarting.
    /// </summary>
    public Task InitialConvergence => _converged.Task;

    /// <summary>True while a restarting instance still defers advertisement (snapshot, answered on the actor).</summary>
    public Task<bool> IsSelectionDeferredAsync() => QueryAsync(a => a._deferring);

    private void InitDeferral()
    {
        _deferring = _options.SelectDeferTime is not null;
        if (!_deferring) _converged.TrySetResult();
    }

    private void StartDeferralTimer()
    {
        if (!_deferring || _options.SelectDeferTime is not { } t) return;
        _deferTimer = _time.CreateTimer(_ => PostTimer(new RibCommand.GrTimerFired(-1, GrTimer.SelectDefer, 0, default)), null, t, Timeout.InfiniteTimeSpan);
    }

    private void PostTimer(RibCommand.GrTimerFired fired)
    {
        if (TryPost(fired)) return;
        _ = PostLaterAsync(fired);

        async Task PostLaterAsync(RibCommand c)
        {
            try
            {
                await PostAsync(c).ConfigureAwait(false);
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                // stopping: nothing to time any more
            }
        }
    }

    private ITimer Arm(PeerState peer, GrTimer kind, TimeSpan due, AddressFamily family = default)
    {
        var fired = new RibCommand.GrTimerFired(peer.Id, kind, peer.GrGeneration, family);
        return _time.CreateTimer(_ => PostTimer(fired), null, due, Timeout.InfiniteTimeSpan);
    }

    private static void CancelGrTimers(PeerState peer)
    {
        peer.GrGeneration++;
        peer.RestartTimer?.Dispose();
        peer.RestartTimer = null;
        peer.StalePathTimer?.Dispose();
        peer.StalePathTimer = null;
        foreach (var t in peer.LongLivedTimers.Values) t.Dispose();
        peer.LongLivedTimers.Clear();
    }

    private void HandleGrTimer(RibCommand.GrTimerFired t)
    {
        if (t.Timer == GrTimer.SelectDefer)
        {
            if (_deferring) EndDeferral("select-defer-time expired");
            return;
        }
        if (!_peers.TryGetValue(t.PeerId, out var peer) || peer.GrGeneration != t.Generation) return;
        string name = peer.Descriptor?.Address.ToString() ?? t.PeerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (t.Timer)
        {
            case GrTimer.Restart when !peer.Up:
                Log.GrExpired(_log, name, "restart time", "routes without long-lived stale time removed");
                peer.RestartTimer?.Dispose();
                peer.RestartTimer = null;
                RestartTimeExpired(peer);
                break;
            case GrTimer.StalePath when peer.Up:
                Log.GrExpired(_log, name, "stalepath-time", "stale routes removed without End-of-RIB");
                peer.StalePathTimer?.Dispose();
                peer.StalePathTimer = null;
                RemoveStale(peer, _ => true);
                ForgetStale(peer);
                break;
            case GrTimer.LongLived when !peer.Up:
                Log.GrExpired(_log, name, $"long-lived stale time of {t.Family}", "LLGR_STALE routes removed");
                if (peer.LongLivedTimers.Remove(t.Family, out var timer)) timer.Dispose();
                peer.LongLivedStale.Remove(t.Family);
                RemoveStale(peer, f => f == t.Family);
                ForgetStale(peer);
                break;
        }
    }

    /// <summary>
    /// RFC 4724 §4.2: the session dropped while graceful restart applies. The routes of the families in the
    /// peer's capability stay, marked stale (they keep forwarding); the others go. The peer's restart time runs.
    /// </summary>
    private void KeepStale(PeerState peer, PeerGracefulRestart gr)
    {
        CancelGrTimers(peer);
        foreach (var table in (DestinationTable[])[_v4, _v6])
        {
            foreach (var d in table.Values)
            {
                var family = FamilyOf(d);
                bool keep = gr.Families.Contains(family);
                for (int i = d.Count - 1; i >= 0; i--)
                {
                    ref var p = ref d.At(i);
                    if (!ReferenceEquals(p.Peer, peer)) continue;
                    if (!keep) { RemovePath(d, i); continue; }
                    p.Flags |= PathFlags.Stale;
                    MarkDirty(d);
                }
            }
        }
        peer.StaleSince ??= _time.GetUtcNow();
        peer.LastGracefulRestart = gr;
        if (gr.RestartTime <= TimeSpan.Zero) RestartTimeExpired(peer); // RFC 9494 §4.2: straight to long-lived stale
        else peer.RestartTimer = Arm(peer, GrTimer.Restart, gr.RestartTime);
    }

    /// <summary>
    /// The peer did not come back within its restart time. Families with a long-lived stale time (RFC 9494
    /// §4.2) keep their routes with LLGR_STALE attached, except routes carrying NO_LLGR; the rest is removed.
    /// </summary>
    private void RestartTimeExpired(PeerState peer)
    {
        var llst = peer.LastGracefulRestart?.LongLivedStaleTime ?? System.Collections.Immutable.ImmutableDictionary<AddressFamily, TimeSpan>.Empty;
        var entered = new HashSet<AddressFamily>();
        foreach (var table in (DestinationTable[])[_v4, _v6])
        {
            foreach (var d in table.Values)
            {
                var family = FamilyOf(d);
                bool longLived = llst.TryGetValue(family, out var t) && t > TimeSpan.Zero;
                for (int i = d.Count - 1; i >= 0; i--)
                {
                    ref var p = ref d.At(i);
                    if (!ReferenceEquals(p.Peer, peer) || !p.IsStale || p.IsLlgrStale) continue;
                    if (!longLived || p.PreAttrs.HasCommunity(Community.NoLlgr)) { RemovePath(d, i); continue; }
                    p.Flags |= PathFlags.LlgrStale;
                    if (p.Attrs is { } a) d.SetAttrs(i, WithLlgrStale(a));
                    entered.Add(family);
                    MarkDirty(d);
                }
            }
        }
        foreach (var family in entered)
        {
            if (!peer.LongLivedStale.Add(family)) continue;
            peer.LongLivedTimers[family] = Arm(peer, GrTimer.LongLived, llst[family], family);
        }
        ForgetStale(peer);
    }

    /// <summary>The post-policy attributes with LLGR_STALE (RFC 9494 §4.2), interned; releases the old ones.</summary>
    private PathAttributes WithLlgrStale(PathAttributes a)
    {
        if (a.HasCommunity(Community.LlgrStale)) return a;
        var n = _interner.Intern(a with { Communities = a.Communities.Add(Community.LlgrStale) });
        _interner.Release(a);
        return n;
    }

    /// <summary>
    /// The restarted peer is Established again (RFC 4724 §4.2): its restart timer stops; stale routes of a
    /// family stay only when the new capability lists the family with the F bit (forwarding was preserved),
    /// otherwise they are removed now. The rest wait for End-of-RIB, at most stalepath-time.
    /// </summary>
    private void ResumeAfterRestart(PeerState peer, PeerDescriptor descriptor)
    {
        CancelGrTimers(peer);
        peer.LongLivedStale.Clear();
        var gr = descriptor.GracefulRestart;
        RemoveStale(peer, f => gr is null || !descriptor.Families.Contains(f) || !gr.ForwardingPreserved.Contains(f));
        if (!HasStale(peer)) { ForgetStale(peer); return; }
        peer.StalePathTimer = Arm(peer, GrTimer.StalePath, _options.StalePathTime);
    }

    private void RemoveStale(PeerState peer, Func<AddressFamily, bool> family)
    {
        foreach (var table in (DestinationTable[])[_v4, _v6])
        {
            foreach (var d in table.Values)
            {
                if (!family(FamilyOf(d))) continue;
                for (int i = d.Count - 1; i >= 0; i--)
                    if (ReferenceEquals(d.At(i).Peer, peer) && d.At(i).IsStale) RemovePath(d, i);
            }
        }
    }

    private bool HasStale(PeerState peer)
    {
        foreach (var table in (DestinationTable[])[_v4, _v6])
            foreach (var d in table.Values)
                for (int i = 0; i < d.Count; i++)
                    if (ReferenceEquals(d.At(i).Peer, peer) && d.At(i).IsStale) return true;
        return false;
    }

    /// <summary>When no stale route is left: the helper state ends (and a peer that is down is forgotten).</summary>
    private void ForgetStale(PeerState peer)
    {
        if (HasStale(peer)) return;
        CancelGrTimers(peer);
        peer.StaleSince = null;
        peer.LongLivedStale.Clear();
        if (!peer.Up && _peers.TryGetValue(peer.Id, out var known) && ReferenceEquals(known, peer)) _peers.Remove(peer.Id);
    }

    private static AddressFamily FamilyOf(Destination d) => d.Prefix.IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;

    // ── restarting speaker ──

    /// <summary>Ends the deferral once every graceful-restart peer that is up has sent End-of-RIB for all its families.</summary>
    private void CheckDeferral()
    {
        if (!_deferring) return;
        bool any = false;
        foreach (var p in _peers.Values)
        {
            if (!p.Up || p.Descriptor?.GracefulRestart is null) continue;
            any = true;
            foreach (var f in p.Descriptor.Families)
                if (!p.EndOfRibReceived.Contains(f)) return;
        }
        if (any) EndDeferral("End-of-RIB received from every graceful-restart peer");
    }

    /// <summary>RFC 4724 §4.1: selection is complete; every peer gets the table and End-of-RIB, the FIB may sweep.</summary>
    private void EndDeferral(string why)
    {
        _deferring = false;
        _deferTimer?.Dispose();
        _deferTimer = null;
        Log.DeferralEnded(_log, why);
        foreach (var p in _peers.Values)
            if (p.Up && p.Groups.Count == 0) JoinGroups(p, sendEndOfRib: true);
        _convergedToSignal = true;
    }

    /// <summary>After the FIB batch of the wake-up that ended the deferral: tell the sink, complete <see cref="InitialConvergence"/>.</summary>
    private void SignalConverged()
    {
        if (!_convergedToSignal) return;
        _convergedToSignal = false;
        _fib?.Converged();
        _converged.TrySetResult();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer}: graceful restart {Timer} expired, {Action}")]
        public static partial void GrExpired(ILogger logger, string peer, string timer, string action);

        [LoggerMessage(Level = LogLevel.Information, Message = "graceful restart: best-path selection deferral ended ({Reason}); advertising and sending End-of-RIB")]
        public static partial void DeferralEnded(ILogger logger, string reason);
    }
}
