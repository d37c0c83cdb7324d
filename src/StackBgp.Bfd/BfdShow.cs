using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StackBgp.Bfd;

/// <summary>
/// <c>show bfd peers [brief] [json]</c> and <c>show bfd peers counters [json]</c> in the shapes
/// FRR's vtysh prints, so tools written against FRR keep working. JSON field names follow FRR 8.4;
/// intervals are in milliseconds, uptime/downtime in seconds. Extra fields FRR does not have:
/// "negotiated-transmit-interval", "negotiated-receive-interval", "detection-time", "profile".
/// </summary>
public static class BfdShow
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static string FormatText(IEnumerable<BfdPeerStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var sb = new StringBuilder("BFD Peers:\n");
        foreach (var p in peers)
        {
            sb.Append("\tpeer ").Append(p.Key.Peer);
            if (p.Key.Multihop) sb.Append(" multihop");
            if (p.Key.LocalAddress is not null) sb.Append(" local-address ").Append(p.Key.LocalAddress);
            sb.Append(" vrf default");
            if (p.Key.Interface is not null) sb.Append(" interface ").Append(p.Key.Interface);
            sb.Append('\n');
            Line(sb, 2, $"ID: {p.LocalDiscriminator}");
            Line(sb, 2, $"Remote ID: {p.RemoteDiscriminator}");
            Line(sb, 2, p.Passive ? "Passive mode" : "Active mode");
            if (p.Profile is not null) Line(sb, 2, $"Profile: {p.Profile}");
            if (p.Key.Multihop) Line(sb, 2, $"Minimum TTL: {p.MinimumTtl}");
            Line(sb, 2, $"Status: {BfdNames.Format(p.State)}");
            Line(sb, 2, $"{(p.State == BfdState.Up ? "Uptime" : "Downtime")}: {FormatDuration(p.SinceLastChange)}");
            Line(sb, 2, $"Diagnostics: {BfdNames.Format(p.Diagnostic)}");
            Line(sb, 2, $"Remote diagnostics: {BfdNames.Format(p.RemoteDiagnostic)}");
            Line(sb, 2, "Peer Type: configured");
            Line(sb, 2, "Local timers:");
            Line(sb, 3, $"Detect-multiplier: {p.DetectMultiplier}");
            Line(sb, 3, $"Receive interval: {Ms(p.RequiredMinRx)}ms");
            Line(sb, 3, $"Transmission interval: {Ms(p.DesiredMinTx)}ms");
            Line(sb, 3, "Echo transmission interval: disabled");
            Line(sb, 2, "Remote timers:");
            Line(sb, 3, $"Detect-multiplier: {p.RemoteDetectMultiplier}");
            Line(sb, 3, $"Receive interval: {Ms(p.RemoteRequiredMinRx)}ms");
            Line(sb, 3, $"Transmission interval: {Ms(p.RemoteDesiredMinTx)}ms");
            Line(sb, 3, "Echo receive interval: disabled");
            Line(sb, 2, "Negotiated:");
            Line(sb, 3, $"Transmission interval: {Ms(p.TransmitInterval)}ms{(p.PollInProgress ? " (poll in progress)" : "")}");
            Line(sb, 3, $"Receive interval: {Ms(p.ReceiveInterval)}ms");
            Line(sb, 3, $"Detection time: {Ms(p.DetectionTime)}ms");
            Line(sb, 2, $"Counters: in {p.PacketsIn}, out {p.PacketsOut}, state changes {p.StateChanges}, session down {p.SessionDowns}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static string FormatBrief(IReadOnlyCollection<BfdPeerStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Session count: {peers.Count}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{"SessionId",-10} {"LocalAddress",-40} {"PeerAddress",-40} {"Status",-15}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{"=========",-10} {"============",-40} {"===========",-40} {"======",-15}\n");
        foreach (var p in peers)
        {
            string local = p.Key.LocalAddress?.ToString() ?? (p.Key.Peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "::" : "0.0.0.0");
            sb.Append(CultureInfo.InvariantCulture, $"{p.LocalDiscriminator,-10} {local,-40} {p.Key.Peer,-40} {BfdNames.Format(p.State),-15}\n");
        }
        return sb.ToString();
    }

    public static string FormatJson(IEnumerable<BfdPeerStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartArray();
            foreach (var p in peers)
            {
                w.WriteStartObject();
                WriteIdentity(w, p);
                w.WriteNumber("id", p.LocalDiscriminator);
                w.WriteNumber("remote-id", p.RemoteDiscriminator);
                w.WriteBoolean("passive-mode", p.Passive);
                if (p.Profile is not null) w.WriteString("profile", p.Profile);
                if (p.Key.Multihop) w.WriteNumber("minimum-ttl", p.MinimumTtl);
                w.WriteString("status", BfdNames.Format(p.State));
                w.WriteNumber(p.State == BfdState.Up ? "uptime" : "downtime", (long)p.SinceLastChange.TotalSeconds);
                w.WriteString("diagnostic", BfdNames.Format(p.Diagnostic));
                w.WriteString("remote-diagnostic", BfdNames.Format(p.RemoteDiagnostic));
                w.WriteNumber("receive-interval", Ms(p.RequiredMinRx));
                w.WriteNumber("transmit-interval", Ms(p.DesiredMinTx));
                w.WriteNumber("echo-receive-interval", 0);
                w.WriteNumber("echo-transmit-interval", 0);
                w.WriteNumber("detect-multiplier", p.DetectMultiplier);
                w.WriteNumber("remote-receive-interval", Ms(p.RemoteRequiredMinRx));
                w.WriteNumber("remote-transmit-interval", Ms(p.RemoteDesiredMinTx));
                w.WriteNumber("remote-echo-receive-interval", 0);
                w.WriteNumber("remote-detect-multiplier", p.RemoteDetectMultiplier);
                w.WriteNumber("negotiated-transmit-interval", Ms(p.TransmitInterval));
                w.WriteNumber("negotiated-receive-interval", Ms(p.ReceiveInterval));
                w.WriteNumber("detection-time", Ms(p.DetectionTime));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary><c>show bfd peers counters json</c>.</summary>
    public static string FormatCountersJson(IEnumerable<BfdPeerStatus> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartArray();
            foreach (var p in peers)
            {
                w.WriteStartObject();
                WriteIdentity(w, p);
                w.WriteNumber("control-packet-input", p.PacketsIn);
                w.WriteNumber("control-packet-output", p.PacketsOut);
                w.WriteNumber("echo-packet-input", 0);
                w.WriteNumber("echo-packet-output", 0);
                w.WriteNumber("session-up", CountUps(p));
                w.WriteNumber("session-down", p.SessionDowns);
                w.WriteNumber("state-changes", p.StateChanges);
                w.WriteNumber("auth-failures", p.AuthFailures);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Ups = downs, plus one if currently Up (every Down counted came after an Up).</summary>
    private static long CountUps(BfdPeerStatus p) => p.SessionDowns + (p.State == BfdState.Up ? 1 : 0);

    private static void WriteIdentity(Utf8JsonWriter w, BfdPeerStatus p)
    {
        w.WriteBoolean("multihop", p.Key.Multihop);
        w.WriteString("peer", p.Key.Peer.ToString());
        if (p.Key.LocalAddress is not null) w.WriteString("local", p.Key.LocalAddress.ToString());
        w.WriteString("vrf", "default");
        if (p.Key.Interface is not null) w.WriteString("interface", p.Key.Interface);
    }

    /// <summary>"1 day(s), 2 hour(s), 3 minute(s), 4 second(s)", omitting leading zero units.</summary>
    public static string FormatDuration(TimeSpan t)
    {
        var parts = new List<string>(4);
        if (t.Days > 0) parts.Add($"{t.Days} day(s)");
        if (t.Days > 0 || t.Hours > 0) parts.Add($"{t.Hours} hour(s)");
        if (t.TotalMinutes >= 1) parts.Add($"{t.Minutes} minute(s)");
        parts.Add($"{t.Seconds} second(s)");
        return string.Join(", ", parts);
    }

    private static long Ms(TimeSpan t) => (long)t.TotalMilliseconds;

    private static void Line(StringBuilder sb, int tabs, string text) => sb.Append('\t', tabs).Append(text).Append('\n');
}
