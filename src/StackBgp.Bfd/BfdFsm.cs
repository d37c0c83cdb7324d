namespace StackBgp.Bfd;

/// <summary>Events that move the session state machine (RFC 5880 §6.2, §6.8.6, §6.8.4, §6.8.16).</summary>
public enum BfdFsmEvent : byte
{
    /// <summary>A valid packet arrived with State = AdminDown.</summary>
    ReceivedAdminDown,
    ReceivedDown,
    ReceivedInit,
    ReceivedUp,
    /// <summary>No valid packet for a Detection Time (§6.8.4).</summary>
    DetectionTimeExpired,
    /// <summary>The operator shut the session down (§6.8.16).</summary>
    AdminDown,
    /// <summary>The operator enabled the session again.</summary>
    AdminUp,
}

/// <summary>Result of one FSM step: the next state and, when it changes, the diagnostic to set.</summary>
public readonly record struct BfdTransition(BfdState State, BfdDiagnostic? Diagnostic);

/// <summary>
/// The BFD session state machine as a pure function. Reads like RFC 5880 §6.2:
/// <code>
///                        +--+
///                        |  | UP, ADMIN DOWN, TIMER
///                        |  V
///                DOWN  +------+  INIT
///         +------------|      |------------+
///         |            | DOWN |            |
///         |  +-------->|      |<--------+  |
///         |  |         +------+         |  |
///         |  |                          |  |
///         |  |               ADMIN DOWN,|  |
///         |  |ADMIN DOWN,          DOWN,|  |
///         |  |TIMER                TIMER|  |
///         V  |                          |  V
///       +------+                      +------+
///  +----|      |                      |      |----+
///  DOWN |  INIT|--------------------->|  UP  |    |INIT, UP
///  +--->|      | INIT, UP             |      |<---+
///       +------+                      +------+
/// </code>
/// AdminDown (§6.8.16) is entered and left only by the operator.
/// </summary>
public static class BfdFsm
{
    public static BfdTransition Next(BfdState state, BfdFsmEvent ev)
    {
        if (ev == BfdFsmEvent.AdminDown)
        {
            return state == BfdState.AdminDown
                ? new BfdTransition(state, null)
                : new BfdTransition(BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown);
        }
        if (ev == BfdFsmEvent.AdminUp)
        {
            return state == BfdState.AdminDown
                ? new BfdTransition(BfdState.Down, BfdDiagnostic.None)
                : new BfdTransition(state, null);
        }
        return state switch
        {
            // §6.8.6: "If bfd.SessionState is AdminDown, discard the packet"; timers do not run.
            BfdState.AdminDown => new BfdTransition(state, null),
            BfdState.Down => ev switch
            {
                BfdFsmEvent.ReceivedDown => new BfdTransition(BfdState.Init, null),
                BfdFsmEvent.ReceivedInit => new BfdTransition(BfdState.Up, BfdDiagnostic.None),
                _ => new BfdTransition(state, null),
            },
            BfdState.Init => ev switch
            {
                BfdFsmEvent.ReceivedAdminDown => new BfdTransition(BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown),
                BfdFsmEvent.ReceivedInit or BfdFsmEvent.ReceivedUp => new BfdTransition(BfdState.Up, BfdDiagnostic.None),
                BfdFsmEvent.DetectionTimeExpired => new BfdTransition(BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired),
                _ => new BfdTransition(state, null),
            },
            BfdState.Up => ev switch
            {
                BfdFsmEvent.ReceivedAdminDown or BfdFsmEvent.ReceivedDown => new BfdTransition(BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown),
                BfdFsmEvent.DetectionTimeExpired => new BfdTransition(BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired),
                _ => new BfdTransition(state, null),
            },
            _ => new BfdTransition(state, null),
        };
    }

    /// <summary>The FSM event for a received packet's State field.</summary>
    public static BfdFsmEvent Received(BfdState remoteState) => remoteState switch
    {
        BfdState.AdminDown => BfdFsmEvent.ReceivedAdminDown,
        BfdState.Down => BfdFsmEvent.ReceivedDown,
        BfdState.Init => BfdFsmEvent.ReceivedInit,
        _ => BfdFsmEvent.ReceivedUp,
    };
}
