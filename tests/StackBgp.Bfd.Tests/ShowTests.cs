using System.Net;
using System.Text.Json;
using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

public class ShowTests
{
    private static readonly BfdPeerStatus SingleHop = new()
    {
        Key = new BfdSessionKey(IPAddress.Parse("10.0.0.2"), null, "eth0", false),
        State = BfdState.Up,
        Diagnostic = BfdDiagnostic.None,
        RemoteDiagnostic = BfdDiagnostic.ControlDetectionTimeExpired,
        LocalDiscriminator = 11,
        RemoteDiscriminator = 22,
        SinceLastChange = TimeSpan.FromSeconds(125),
        DetectMultiplier = 3,
        DesiredMinTx = TimeSpan.FromMilliseconds(50),
        RequiredMinRx = TimeSpan.FromMilliseconds(60),
        TransmitInterval = TimeSpan.FromMilliseconds(70),
        ReceiveInterval = TimeSpan.FromMilliseconds(80),
        DetectionTime = TimeSpan.FromMilliseconds(240),
        RemoteDetectMultiplier = 4,
        RemoteDesiredMinTx = TimeSpan.FromMilliseconds(80),
        RemoteRequiredMinRx = TimeSpan.FromMilliseconds(70),
        PacketsIn = 100,
        PacketsOut = 101,
        StateChanges = 3,
        SessionDowns = 1,
        Profile = "fast",
    };

    private static readonly BfdPeerStatus Multihop = SingleHop with
    {
        Key = new BfdSessionKey(IPAddress.Parse("192.0.2.9"), IPAddress.Parse("192.0.2.1"), null, true),
        State = BfdState.Down,
        MinimumTtl = 254,
        Profile = null,
    };

    [Fact]
    public void Json_uses_frr_field_names_and_units()
    {
        using var doc = JsonDocument.Parse(BfdShow.FormatJson([SingleHop, Multihop]));
        var up = doc.RootElement[0];
        Assert.False(up.GetProperty("multihop").GetBoolean());
        Assert.Equal("10.0.0.2", up.GetProperty("peer").GetString());
        Assert.Equal("eth0", up.GetProperty("interface").GetString());
        Assert.False(up.TryGetProperty("local", out _));
        Assert.Equal("up", up.GetProperty("status").GetString());
        Assert.Equal(125, up.GetProperty("uptime").GetInt64());
        Assert.Equal("ok", up.GetProperty("diagnostic").GetString());
        Assert.Equal("control detection time expired", up.GetProperty("remote-diagnostic").GetString());
        Assert.Equal(60, up.GetProperty("receive-interval").GetInt64());
        Assert.Equal(50, up.GetProperty("transmit-interval").GetInt64());
        Assert.Equal(70, up.GetProperty("remote-receive-interval").GetInt64());
        Assert.Equal(80, up.GetProperty("remote-transmit-interval").GetInt64());
        Assert.Equal(3, up.GetProperty("detect-multiplier").GetInt32());
        Assert.Equal(4, up.GetProperty("remote-detect-multiplier").GetInt32());
        Assert.Equal(11u, up.GetProperty("id").GetUInt32());
        Assert.Equal(22u, up.GetProperty("remote-id").GetUInt32());
        Assert.Equal(70, up.GetProperty("negotiated-transmit-interval").GetInt64());
        Assert.Equal(240, up.GetProperty("detection-time").GetInt64());

        var mh = doc.RootElement[1];
        Assert.True(mh.GetProperty("multihop").GetBoolean());
        Assert.Equal("192.0.2.1", mh.GetProperty("local").GetString());
        Assert.Equal("down", mh.GetProperty("status").GetString());
        Assert.Equal(125, mh.GetProperty("downtime").GetInt64());
        Assert.Equal(254, mh.GetProperty("minimum-ttl").GetInt32());
    }

    [Fact]
    public void Counters_json_has_frr_counter_names()
    {
        using var doc = JsonDocument.Parse(BfdShow.FormatCountersJson([SingleHop]));
        var row = doc.RootElement[0];
        Assert.Equal(100, row.GetProperty("control-packet-input").GetInt64());
        Assert.Equal(101, row.GetProperty("control-packet-output").GetInt64());
        Assert.Equal(2, row.GetProperty("session-up").GetInt64());
        Assert.Equal(1, row.GetProperty("session-down").GetInt64());
    }

    [Fact]
    public void Text_and_brief_show_state_timers_and_diagnostics()
    {
        string text = BfdShow.FormatText([SingleHop, Multihop]);
        Assert.Contains("\tpeer 10.0.0.2 vrf default interface eth0\n", text, StringComparison.Ordinal);
        Assert.Contains("\tpeer 192.0.2.9 multihop local-address 192.0.2.1 vrf default\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tStatus: up\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tUptime: 2 minute(s), 5 second(s)\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tRemote diagnostics: control detection time expired\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\t\tReceive interval: 60ms\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tMinimum TTL: 254\n", text, StringComparison.Ordinal);

        string brief = BfdShow.FormatBrief([SingleHop, Multihop]);
        var lines = brief.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Session count: 2", lines[0]);
        Assert.StartsWith("SessionId  LocalAddress", lines[1], StringComparison.Ordinal);
        Assert.Matches(@"^11\s+0\.0\.0\.0\s+10\.0\.0\.2\s+up\s*$", lines[3]);
        Assert.Matches(@"^11\s+192\.0\.2\.1\s+192\.0\.2\.9\s+down\s*$", lines[4]);
    }

    [Theory]
    [InlineData(5, "5 second(s)")]
    [InlineData(65, "1 minute(s), 5 second(s)")]
    [InlineData(3600 * 26 + 1, "1 day(s), 2 hour(s), 0 minute(s), 1 second(s)")]
    public void Formats_durations(int seconds, string expected) =>
        Assert.Equal(expected, BfdShow.FormatDuration(TimeSpan.FromSeconds(seconds)));
}
