using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Routing;
using StackBgp.Session;
using StackBgp.Wire;

namespace StackBgp.Core;

// Graceful restart (RFC 4724, RFC 8538, RFC 9494): what we announce, what the RIB is told about a peer's
// capability, and the restarting-speaker life cycle (R bit until the RIB has converged).
public sealed partial class Router
{
    /// <summary>FRR's defaults: restart-time 120 s, stalepath-time 360 s, select-defer-time 360 s.</summary>
    private const int DefaultRestartTime = 120;
    private const int DefaultStalePathTime = 360;
    private const int DefaultSelectDeferTime = 360;

    private volatile bool _restarting;

    /// <summary>True from a start that found our forwarding state kept (restarting speaker) until the RIB converged.</summary>
    internal bool Restarting => _restarting;

    /// <summary>Some neighbor runs graceful restart in full (not only as helper): <c>bgp graceful-restart</c> or per neighbor.</summary>
    private bool GracefulRestartConfigured(BgpInstance bgp) =>
        bgp.EffectiveNeighbors(_config.TimerDefaults).Any(n => n.GracefulRestart == GracefulRestartMode.Enabled);

    /// <summary>
    /// RFC 4724 §4.1: we are a restarting speaker when graceful restart is configured and either the daemon was
    /// told so (<see cref="RouterOptions.GracefulRestartRestarting"/>, FRR's <c>bgpd -K</c>) or the FIB found our
    /// routes still in the kernel from the previous run (they kept forwarding while we were away).
    /// </summary>
    private bool DetectRestart(BgpInstance? bgp)
    {
        // The marker of a graceful stop is read (and removed) whatever the config says now: it is good for one start.
        bool marked = TakeRestartMarker();
        return bgp is not null && !bgp.GracefulRestartDisable && GracefulRestartConfigured(bgp)
            && (_options.GracefulRestartRestarting ?? (marked || _kernel?.PreservedRoutes > 0));
    }

    private string? RestartMarkerPath => _options.StateDirectory is { } dir ? Path.Combine(dir, "graceful-restart") : null;

    /// <summary>A graceful stop to at least one peer: note until when our peers keep our routes (the longest restart time).</summary>
    private void WriteRestartMarker(int restartSeconds)
    {
        if (RestartMarkerPath is not { } path) return;
        try
        {
            File.WriteAllText(path, Time.GetUtcNow().AddSeconds(restartSeconds).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Logger.LogWarning("graceful restart: could not write {Path}: {Error}", path, e.Message);
        }
    }

    /// <summary>True when the previous run stopped gracefully and its peers still keep our routes (the deadline has not passed).</summary>
    private bool TakeRestartMarker()
    {
        if (RestartMarkerPath is not { } path || !File.Exists(path)) return false;
        try
        {
            string text = File.ReadAllText(path).Trim();
            File.Delete(path);
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long deadline)
                && Time.GetUtcNow().ToUnixTimeSeconds() < deadline;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Logger.LogWarning("graceful restart: could not read {Path}: {Error}", path, e.Message);
            return false;
        }
    }

    /// <summary>The graceful-restart capability for a neighbor (null = not sent: <c>graceful-restart-disable</c>).</summary>
    internal GracefulRestartCapability? BuildGracefulRestart(EffectiveNeighbor n, BgpInstance bgp, bool restarting)
    {
        var time = (ushort)(bgp.GracefulRestartTime ?? DefaultRestartTime);
        bool notification = bgp.GracefulRestartNotification;
        return n.GracefulRestart switch
        {
            // R bit while restarting; F bit (forwarding state kept) when restarting with the kernel routes kept,
            // or always with preserve-fw-state (as FRR).
            GracefulRestartMode.Enabled => new GracefulRestartCapability(restarting, notification, time,
                [.. Peer.Families(n).Select(f => new GracefulRestartFamily(f, restarting || bgp.GracefulRestartPreserveFwState))]),
            // Helper only: no families (RFC 4724 §3: we do not preserve anything ourselves).
            GracefulRestartMode.HelperOnly => new GracefulRestartCapability(false, notification, time, []),
            _ => null,
        };
    }

    /// <summary>RFC 9494 §3: the long-lived capability when a long-lived stale time is configured.</summary>
    private static LongLivedGracefulRestartCapability? BuildLongLived(EffectiveNeighbor n, BgpInstance bgp) =>
        n.GracefulRestart == GracefulRestartMode.Disabled || bgp.LongLivedStaleTime is not int st
            ? null
            : new LongLivedGracefulRestartCapability([.. Peer.Families(n).Select(f => new LlgrFamily(f, true, (uint)st))]);

    /// <summary>What the RIB needs to keep a peer's routes when it restarts (null = we are not its helper).</summary>
    internal static PeerGracefulRestart? HelperView(EffectiveNeighbor n, NegotiatedSession negotiated)
    {
        if (n.GracefulRestart == GracefulRestartMode.Disabled || negotiated.PeerGracefulRestart is not { } gr) return null;
        var llgr = ImmutableDictionary<AddressFamily, TimeSpan>.Empty;
        if (negotiated.PeerLongLivedGracefulRestart is { } l)
            foreach (var f in l.Families) llgr = llgr.SetItem(f.Family, TimeSpan.FromSeconds(f.StaleTime));
        return new PeerGracefulRestart
        {
            RestartTime = TimeSpan.FromSeconds(gr.RestartTime),
            Restarting = gr.Restarting,
            Families = [.. gr.Families.Select(f => f.Family)],
            ForwardingPreserved = [.. gr.Families.Where(f => f.ForwardingPreserved).Select(f => f.Family)],
            LongLivedStaleTime = llgr,
        };
    }

    /// <summary>
    /// Whether the end of an Established session keeps the peer's routes (RFC 4724 §4.2 helper; RFC 8538 §4:
    /// a NOTIFICATION or hold-timer expiry only with the N bit negotiated, never a Hard Reset).
    /// </summary>
    internal static bool KeepsRoutesStale(EffectiveNeighbor n, NegotiatedSession? negotiated, SessionDownReason reason) =>
        n.GracefulRestart != GracefulRestartMode.Disabled && negotiated?.PeerGracefulRestart is not null
        && GracefulRestartNotification.KeepsRoutes(reason.Notification, negotiated.GracefulRestartNotification);

    /// <summary>
    /// The restart time a helper peer keeps our routes for when we stop for a planned restart, or null when this
    /// peer must get a NOTIFICATION instead: it must be Established, run graceful restart in full here (not
    /// helper-only or disabled, now and in the OPEN we sent: families listed) and have announced the capability.
    /// </summary>
    /// <remarks>
    /// The session is closed without a NOTIFICATION rather than with a non-hard Cease: FRR's bgpd does the same
    /// for a peer with graceful restart in both directions (it skips the shutdown NOTIFICATION), and a dropped
    /// transport is the one trigger every helper honours (RFC 4724 §4.2), with or without the N bit of RFC 8538.
    /// </remarks>
    internal static ushort? GracefulStopRestartTime(Peer p)
    {
        if (p.Config.GracefulRestart != GracefulRestartMode.Enabled || p.Session is not { State: BgpState.Established } s) return null;
        if (s.Negotiated is not { PeerGracefulRestart: not null } neg) return null;
        return neg.SentOpen.GetCapability<GracefulRestartCapability>() is { Families.IsEmpty: false } ours ? ours.RestartTime : null;
    }

    private TimeSpan? SelectDeferTime(BgpInstance bgp) =>
        !_restarting || bgp.GracefulRestartSelectDeferTime == 0 ? null
            : TimeSpan.FromSeconds(bgp.GracefulRestartSelectDeferTime ?? DefaultSelectDeferTime);

    private static TimeSpan StalePathTime(BgpInstance bgp) => TimeSpan.FromSeconds(bgp.GracefulRestartStalepathTime ?? DefaultStalePathTime);

    /// <summary>Once the RIB has converged after a restart, our next OPENs no longer carry the R bit (RFC 4724 §4.1).</summary>
    private async Task EndRestartWhenConvergedAsync()
    {
        await Rib.InitialConvergence.ConfigureAwait(false);
        if (!_restarting) return;
        _restarting = false;
        GrLog.Converged(Log.Logger);
        var bgp = _config.Bgp;
        if (bgp is null) return;
        foreach (var p in _peers.Values)
            p.Session?.SetGracefulRestart(BuildGracefulRestart(p.Config, bgp, restarting: false));
    }

    private static string LocalGrMode(EffectiveNeighbor n) => n.GracefulRestart switch
    {
        GracefulRestartMode.Enabled => "Restart",
        GracefulRestartMode.HelperOnly => "Helper",
        _ => "Disable",
    };

    private static string RemoteGrMode(NegotiatedSession? neg) =>
        neg?.PeerGracefulRestart is not { } gr ? (neg is null ? "Unknown" : "Disable") : gr.Families.IsEmpty ? "Helper" : "Restart";

    private static string FamilyText(AddressFamily f) => f == AddressFamily.Ipv4Unicast ? "IPv4 Unicast" : f == AddressFamily.Ipv6Unicast ? "IPv6 Unicast" : f.ToString();

    private static string FamilyKey(AddressFamily f) => f == AddressFamily.Ipv4Unicast ? "ipv4Unicast" : f == AddressFamily.Ipv6Unicast ? "ipv6Unicast" : f.ToString();

    /// <summary>The "Graceful restart information" block of <c>show bgp neighbors</c>, in FRR's wording.</summary>
    internal void AppendGracefulRestart(StringBuilder text, Peer p, NegotiatedSession? neg, NeighborRibSnapshot? rn)
    {
        var bgp = _config.Bgp!;
        var inv = CultureInfo.InvariantCulture;
        text.Append("  Graceful restart information:\n");
        if (rn is not null)
        {
            text.Append(inv, $"    End-of-RIB send: {string.Join(", ", rn.EndOfRibSent.Select(FamilyText))}\n");
            text.Append(inv, $"    End-of-RIB received: {string.Join(", ", rn.EndOfRibReceived.Select(FamilyText))}\n");
        }
        text.Append(inv, $"    Local GR Mode: {LocalGrMode(p.Config)}\n");
        text.Append(inv, $"    Remote GR Mode: {RemoteGrMode(neg)}\n");
        text.Append(inv, $"    R bit: {(neg?.PeerGracefulRestart?.Restarting ?? false ? "True" : "False")}\n");
        text.Append(inv, $"    N bit: {(neg?.GracefulRestartNotification ?? false ? "True" : "False")}\n");
        text.Append("    Timers:\n");
        text.Append(inv, $"      Configured Restart Time(sec): {bgp.GracefulRestartTime ?? DefaultRestartTime}\n");
        if (neg?.PeerGracefulRestart is { } gr) text.Append(inv, $"      Received Restart Time(sec): {gr.RestartTime}\n");
        if (rn?.StaleSince is { } since)
            text.Append(inv, $"    Stale routes kept: {rn.StalePaths} since {FormatUptime(Time.GetUtcNow() - since)} ago{(rn.LongLivedStale.IsEmpty ? "" : $" (long-lived: {string.Join(", ", rn.LongLivedStale.Select(FamilyText))})")}\n");
        foreach (var f in p.Config.ActiveFamilies)
        {
            text.Append(inv, $"    {FamilyText(f)}:\n");
            bool fbit = neg?.PeerGracefulRestart?.Families.Any(x => x.Family == f && x.ForwardingPreserved) ?? false;
            text.Append(inv, $"      F bit: {(fbit ? "True" : "False")}\n");
            text.Append(inv, $"      End-of-RIB sent: {(rn?.EndOfRibSent.Contains(f) == true ? "Yes" : "No")}\n");
            text.Append(inv, $"      End-of-RIB received: {(rn?.EndOfRibReceived.Contains(f) == true ? "Yes" : "No")}\n");
            text.Append(inv, $"      Timers:\n        Configured Stale Path Time(sec): {bgp.GracefulRestartStalepathTime ?? DefaultStalePathTime}\n");
        }
    }

    /// <summary>FRR's <c>gracefulRestartInfo</c> object of <c>show bgp neighbors json</c>.</summary>
    internal JsonObject GracefulRestartJson(Peer p, NegotiatedSession? neg, NeighborRibSnapshot? rn)
    {
        var bgp = _config.Bgp!;
        var eorSend = new JsonObject();
        var eorRecv = new JsonObject();
        foreach (var f in rn?.EndOfRibSent ?? []) eorSend[FamilyKey(f)] = true;
        foreach (var f in rn?.EndOfRibReceived ?? []) eorRecv[FamilyKey(f)] = true;
        var o = new JsonObject
        {
            ["endOfRibSend"] = eorSend,
            ["endOfRibRecv"] = eorRecv,
            ["localGrMode"] = LocalGrMode(p.Config),
            ["remoteGrMode"] = RemoteGrMode(neg),
            ["rBit"] = neg?.PeerGracefulRestart?.Restarting ?? false,
            ["nBit"] = neg?.GracefulRestartNotification ?? false,
            ["timers"] = new JsonObject
            {
                ["configuredRestartTimer"] = bgp.GracefulRestartTime ?? DefaultRestartTime,
                ["receivedRestartTimer"] = neg?.PeerGracefulRestart?.RestartTime,
            },
            ["stalePaths"] = rn?.StalePaths ?? 0,
            ["staleSinceMsecs"] = rn?.StaleSince is { } since ? (long)(Time.GetUtcNow() - since).TotalMilliseconds : null,
            ["restartTimerRunning"] = rn?.RestartTimerRunning ?? false,
            ["stalePathTimerRunning"] = rn?.StalePathTimerRunning ?? false,
            ["localRestarting"] = _restarting,
        };
        foreach (var f in p.Config.ActiveFamilies)
        {
            o[FamilyKey(f)] = new JsonObject
            {
                ["fBit"] = neg?.PeerGracefulRestart?.Families.Any(x => x.Family == f && x.ForwardingPreserved) ?? false,
                ["longLivedStale"] = rn?.LongLivedStale.Contains(f) ?? false,
                ["endOfRibStatus"] = new JsonObject
                {
                    ["endOfRibSend"] = rn?.EndOfRibSent.Contains(f) ?? false,
                    ["endOfRibRecv"] = rn?.EndOfRibReceived.Contains(f) ?? false,
                },
                ["timers"] = new JsonObject { ["stalePathTimer"] = bgp.GracefulRestartStalepathTime ?? DefaultStalePathTime },
            };
        }
        return o;
    }

    private static partial class GrLog
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "graceful restart: restarting with forwarding state kept ({Routes} kernel routes); R and F bits sent, advertisement deferred until End-of-RIB from every graceful-restart peer or {Defer} s")]
        public static partial void Restarting(ILogger logger, int routes, double defer);

        [LoggerMessage(Level = LogLevel.Information, Message = "graceful restart: converged after the restart; R bit cleared")]
        public static partial void Converged(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "graceful restart: neighbor {Neighbor} keeps our routes for restart-time {RestartTime} s (connection closed without NOTIFICATION)")]
        public static partial void GracefulStop(ILogger logger, string neighbor, ushort restartTime);

        [LoggerMessage(Level = LogLevel.Information, Message = "stop: neighbor {Neighbor} gets Cease/Administrative Shutdown and withdraws our routes ({Why})")]
        public static partial void FullStop(ILogger logger, string neighbor, string why);
    }
}
