using StackBgp.Bfd;

namespace StackBgp.Bfd.Tests;

public class FsmTests
{
    private const BfdDiagnostic Keep = (BfdDiagnostic)255;

    // The whole table of RFC 5880 §6.2 / §6.8.6 / §6.8.16: state × event → state, diagnostic set (Keep = unchanged).
    public static TheoryData<BfdState, BfdFsmEvent, BfdState, BfdDiagnostic> Table => new()
    {
        { BfdState.AdminDown, BfdFsmEvent.ReceivedAdminDown, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.ReceivedDown, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.ReceivedInit, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.ReceivedUp, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.DetectionTimeExpired, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.AdminDown, BfdState.AdminDown, Keep },
        { BfdState.AdminDown, BfdFsmEvent.AdminUp, BfdState.Down, BfdDiagnostic.None },

        { BfdState.Down, BfdFsmEvent.ReceivedAdminDown, BfdState.Down, Keep },
        { BfdState.Down, BfdFsmEvent.ReceivedDown, BfdState.Init, Keep },
        { BfdState.Down, BfdFsmEvent.ReceivedInit, BfdState.Up, BfdDiagnostic.None },
        { BfdState.Down, BfdFsmEvent.ReceivedUp, BfdState.Down, Keep },
        { BfdState.Down, BfdFsmEvent.DetectionTimeExpired, BfdState.Down, Keep },
        { BfdState.Down, BfdFsmEvent.AdminDown, BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown },
        { BfdState.Down, BfdFsmEvent.AdminUp, BfdState.Down, Keep },

        { BfdState.Init, BfdFsmEvent.ReceivedAdminDown, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown },
        { BfdState.Init, BfdFsmEvent.ReceivedDown, BfdState.Init, Keep },
        { BfdState.Init, BfdFsmEvent.ReceivedInit, BfdState.Up, BfdDiagnostic.None },
        { BfdState.Init, BfdFsmEvent.ReceivedUp, BfdState.Up, BfdDiagnostic.None },
        { BfdState.Init, BfdFsmEvent.DetectionTimeExpired, BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired },
        { BfdState.Init, BfdFsmEvent.AdminDown, BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown },
        { BfdState.Init, BfdFsmEvent.AdminUp, BfdState.Init, Keep },

        { BfdState.Up, BfdFsmEvent.ReceivedAdminDown, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown },
        { BfdState.Up, BfdFsmEvent.ReceivedDown, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown },
        { BfdState.Up, BfdFsmEvent.ReceivedInit, BfdState.Up, Keep },
        { BfdState.Up, BfdFsmEvent.ReceivedUp, BfdState.Up, Keep },
        { BfdState.Up, BfdFsmEvent.DetectionTimeExpired, BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired },
        { BfdState.Up, BfdFsmEvent.AdminDown, BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown },
        { BfdState.Up, BfdFsmEvent.AdminUp, BfdState.Up, Keep },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Follows_rfc5880_table(BfdState from, BfdFsmEvent ev, BfdState to, BfdDiagnostic diag)
    {
        var next = BfdFsm.Next(from, ev);
        Assert.Equal(to, next.State);
        Assert.Equal(diag == Keep ? null : diag, next.Diagnostic);
    }

    [Fact]
    public void Table_covers_every_state_and_event()
    {
        var covered = Table.Select(row => ((BfdState)row[0], (BfdFsmEvent)row[1])).ToHashSet();
        foreach (var state in Enum.GetValues<BfdState>())
        {
            foreach (var ev in Enum.GetValues<BfdFsmEvent>()) Assert.Contains((state, ev), covered);
        }
    }

    [Theory]
    [InlineData(BfdState.AdminDown, BfdFsmEvent.ReceivedAdminDown)]
    [InlineData(BfdState.Down, BfdFsmEvent.ReceivedDown)]
    [InlineData(BfdState.Init, BfdFsmEvent.ReceivedInit)]
    [InlineData(BfdState.Up, BfdFsmEvent.ReceivedUp)]
    public void Maps_received_state_to_event(BfdState received, BfdFsmEvent expected) =>
        Assert.Equal(expected, BfdFsm.Received(received));
}
