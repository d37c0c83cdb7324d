using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

public class TimingTests
{
    [Theory]
    [InlineData(90, 180, 90)]
    [InlineData(180, 90, 90)]
    [InlineData(90, 0, 0)]
    [InlineData(0, 30, 0)]
    [InlineData(3, 3, 3)]
    public void Hold_time_is_the_smaller_of_both(ushort local, ushort remote, ushort expected)
    {
        Assert.True(HoldTimes.TryNegotiate(local, remote, out ushort n, out var err));
        Assert.Null(err);
        Assert.Equal(expected, n);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Hold_time_of_one_or_two_seconds_is_rejected_with_OPEN_error_6(ushort remote)
    {
        Assert.False(HoldTimes.TryNegotiate(90, remote, out _, out var err));
        Assert.Equal(BgpErrorCode.OpenMessage, err!.Code);
        Assert.Equal((byte)OpenMessageSubcode.UnacceptableHoldTime, err.Subcode);
    }

    [Theory]
    [InlineData(90, 60, 30)]
    [InlineData(90, 10, 10)]
    [InlineData(9, 60, 3)]
    [InlineData(0, 60, 0)]
    [InlineData(3, 60, 1)]
    public void Keepalive_is_a_third_of_hold_or_the_configured_value_when_smaller(ushort hold, int configured, int expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), HoldTimes.KeepaliveInterval(hold, TimeSpan.FromSeconds(configured)));
    }

    [Theory]
    [InlineData(0, 480)]
    [InlineData(90, 480)]
    [InlineData(240, 480)]
    [InlineData(600, 1200)]
    public void Send_hold_time_is_max_of_8_minutes_and_twice_hold(ushort hold, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), HoldTimes.SendHoldTime(hold));
    }

    [Fact]
    public void Idle_hold_doubles_per_flap_up_to_max_and_resets_after_a_stable_session()
    {
        var b = IdleHoldBackoff.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        var seen = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            b = b.AfterFlap(TimeSpan.FromSeconds(30));
            seen.Add(b.Current.TotalSeconds);
        }
        Assert.Equal(new double[] { 2, 4, 8, 10, 10, 10 }, seen);
        b = b.AfterFlap(TimeSpan.FromMinutes(6));
        Assert.Equal(TimeSpan.FromSeconds(1), b.Current);
    }

    [Theory]
    [InlineData(0x0A000002u, 65001u, 0x0A000001u, 65002u, ConnectionDirection.Outbound)]
    [InlineData(0x0A000001u, 65001u, 0x0A000002u, 65002u, ConnectionDirection.Inbound)]
    [InlineData(0xC0000001u, 65001u, 0x0A000001u, 65002u, ConnectionDirection.Outbound)] // unsigned compare
    [InlineData(0x0A000001u, 65002u, 0x0A000001u, 65001u, ConnectionDirection.Outbound)] // RFC 6286: equal ids, larger AS
    [InlineData(0x0A000001u, 65001u, 0x0A000001u, 65002u, ConnectionDirection.Inbound)]
    public void Collision_keeps_the_connection_of_the_higher_identifier(uint localId, uint localAs, uint remoteId, uint remoteAs, ConnectionDirection expected)
    {
        Assert.Equal(expected, Collision.Survivor(localId, localAs, remoteId, remoteAs));
        // Both ends must agree: seen from the peer, the same physical connection survives.
        var mirrored = Collision.Survivor(remoteId, remoteAs, localId, localAs);
        Assert.NotEqual(expected, mirrored);
    }
}
