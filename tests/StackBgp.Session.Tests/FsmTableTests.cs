using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>
/// RFC 4271 §8.2.2 restated as a table: every state × every event (1-29), with default options
/// (active, no DelayOpen, DampPeerOscillations on, no NOTIFICATION without OPEN), starting with
/// ConnectRetryCounter 5. Events 21/22/28 carry errors 1/2, 2/2, 3/1; events 19/20 a hold time of 90.
/// "-" = no action. Notify(c/s) = SendNotification with that code/subcode.
/// </summary>
public class FsmTableTests
{
    private const string Table = """
        # state       events                          -> state        counter  actions
        Idle          1,3                             -> Connect      0  InitializeResources StartConnectRetryTimer Connect
        Idle          4,5                             -> Active       0  InitializeResources StartConnectRetryTimer
        Idle          6,7                             -> Idle         5  StartIdleHoldTimer
        Idle          13                              -> Connect      0  InitializeResources StartConnectRetryTimer Connect
        Idle          2,8-12,14-29                    -> Idle         5  -

        Connect       1,3-7,14,15                     -> Connect      5  -
        Connect       2                               -> Idle         0  DropConnection ReleaseResources StopConnectRetryTimer
        Connect       9                               -> Connect      5  DropConnection StartConnectRetryTimer StopDelayOpenTimer Connect
        Connect       12                              -> OpenSent     5  SendOpen StartLargeHoldTimer
        Connect       16,17                           -> OpenSent     5  StopConnectRetryTimer SendOpen StartLargeHoldTimer
        Connect       18                              -> Active       5  DropConnection StartConnectRetryTimer
        Connect       20                              -> OpenConfirm  5  StopConnectRetryTimer StopDelayOpenTimer SendOpen SendKeepalive StartKeepaliveTimer RestartHoldTimer
        Connect       21,22,24                        -> Idle         6  StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        Connect       8,10,11,13,19,23,25-29          -> Idle         6  StopConnectRetryTimer StopDelayOpenTimer ReleaseResources DropConnection DampPeerOscillations

        Active        1,3-7,14,15                     -> Active       5  -
        Active        2                               -> Idle         0  ReleaseResources StopDelayOpenTimer DropConnection StopConnectRetryTimer
        Active        9                               -> Connect      5  StartConnectRetryTimer Connect
        Active        12                              -> OpenSent     5  StopConnectRetryTimer StopDelayOpenTimer SendOpen StartLargeHoldTimer
        Active        16,17                           -> OpenSent     5  StopConnectRetryTimer SendOpen StartLargeHoldTimer
        Active        18                              -> Idle         6  StartConnectRetryTimer StopDelayOpenTimer ReleaseResources DampPeerOscillations
        Active        20                              -> OpenConfirm  5  StopConnectRetryTimer StopDelayOpenTimer SendOpen SendKeepalive StartKeepaliveTimer RestartHoldTimer
        Active        21,22,24                        -> Idle         6  StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        Active        8,10,11,13,19,23,25-29          -> Idle         6  StopConnectRetryTimer StopDelayOpenTimer ReleaseResources DropConnection DampPeerOscillations

        OpenSent      1,3-7,14-17                     -> OpenSent     5  -
        OpenSent      2                               -> Idle         0  Notify(6/2) StopConnectRetryTimer ReleaseResources DropConnection
        OpenSent      8                               -> Idle         6  Notify(6/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      10                              -> Idle         6  Notify(4/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      29                              -> Idle         6  Notify(8/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      18                              -> Active       5  DropConnection StartConnectRetryTimer
        OpenSent      19                              -> OpenConfirm  5  StopDelayOpenTimer StopConnectRetryTimer SendKeepalive StartKeepaliveTimer RestartHoldTimer
        OpenSent      21                              -> Idle         6  Notify(1/2) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      22                              -> Idle         6  Notify(2/2) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      23                              -> Idle         6  Notify(6/7) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      24                              -> Idle         5  StopConnectRetryTimer ReleaseResources DropConnection
        OpenSent      9,11-13                         -> Idle         6  Notify(5/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      25                              -> Idle         6  StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenSent      20,26-28                        -> Idle         6  Notify(5/1) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations

        OpenConfirm   1,3-7,14-17                     -> OpenConfirm  5  -
        OpenConfirm   2                               -> Idle         0  Notify(6/2) ReleaseResources DropConnection StopConnectRetryTimer
        OpenConfirm   8                               -> Idle         6  Notify(6/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   10                              -> Idle         6  Notify(4/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   29                              -> Idle         6  Notify(8/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   11                              -> OpenConfirm  5  SendKeepalive StartKeepaliveTimer
        OpenConfirm   18,25                           -> Idle         6  StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   24                              -> Idle         5  StopConnectRetryTimer ReleaseResources DropConnection
        OpenConfirm   21                              -> Idle         6  Notify(1/2) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   22                              -> Idle         6  Notify(2/2) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   23                              -> Idle         6  Notify(6/7) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   26                              -> Established  5  RestartHoldTimer SessionUp
        OpenConfirm   9,12,13                         -> Idle         6  Notify(5/0) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations
        OpenConfirm   19,20,27,28                     -> Idle         6  Notify(5/2) StopConnectRetryTimer ReleaseResources DropConnection DampPeerOscillations

        Established   1,3-7,14-17                     -> Established  5  -
        Established   2                               -> Idle         0  Notify(6/2) StopConnectRetryTimer SessionDown ReleaseResources DropConnection
        Established   8                               -> Idle         6  Notify(6/0) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   10                              -> Idle         6  Notify(4/0) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   29                              -> Idle         6  Notify(8/0) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   11                              -> Established  5  SendKeepalive StartKeepaliveTimer
        Established   18,24,25                        -> Idle         6  StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   21                              -> Idle         6  Notify(1/2) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   22                              -> Idle         6  Notify(2/2) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   23                              -> Idle         6  Notify(6/7) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   28                              -> Idle         6  Notify(3/1) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   26                              -> Established  5  RestartHoldTimer
        Established   27                              -> Established  5  ProcessUpdate RestartHoldTimer
        Established   9,12,13                         -> Idle         6  Notify(5/0) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        Established   19,20                           -> Idle         6  Notify(5/3) StopConnectRetryTimer SessionDown ReleaseResources DropConnection DampPeerOscillations
        """;

    internal sealed record Row(BgpState From, FsmEvent Event, BgpState To, uint Counter, string Actions);

    internal static List<Row> ParseTable()
    {
        var rows = new List<Row>();
        foreach (string raw in Table.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string[] halves = line.Split("->");
            string[] left = halves[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] right = halves[1].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var from = Enum.Parse<BgpState>(left[0]);
            foreach (int ev in ExpandEvents(left[1]))
                rows.Add(new Row(from, (FsmEvent)ev, Enum.Parse<BgpState>(right[0]), uint.Parse(right[1], System.Globalization.CultureInfo.InvariantCulture), right[2].Trim()));
        }
        return rows;
    }

    private static IEnumerable<int> ExpandEvents(string spec)
    {
        foreach (string part in spec.Split(','))
        {
            string[] r = part.Split('-');
            int a = int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture);
            int b = r.Length == 2 ? int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture) : a;
            for (int i = a; i <= b; i++) yield return i;
        }
    }

    internal static FsmInput InputFor(FsmEvent e) => e switch
    {
        FsmEvent.BGPHeaderErr => new FsmInput(e, new NotificationMessage(BgpErrorCode.MessageHeader, 2)),
        FsmEvent.BGPOpenMsgErr => new FsmInput(e, new NotificationMessage(BgpErrorCode.OpenMessage, 2)),
        FsmEvent.UpdateMsgErr => new FsmInput(e, new NotificationMessage(BgpErrorCode.UpdateMessage, 1)),
        FsmEvent.BGPOpen or FsmEvent.BGPOpen_with_DelayOpenTimer_running => new FsmInput(e, NegotiatedHoldTime: 90),
        _ => new FsmInput(e),
    };

    internal static string Format(FsmResult r)
    {
        if (r.Count == 0) return "-";
        return string.Join(' ', r.ToArray().Select(a => a.Kind == FsmActionKind.SendNotification ? $"Notify({(byte)a.Notification!.Code}/{a.Notification.Subcode})" : a.Kind.ToString()));
    }

    [Fact]
    public void Table_covers_every_state_and_event_exactly_once()
    {
        var rows = ParseTable();
        var seen = rows.GroupBy(r => (r.From, r.Event)).ToDictionary(g => g.Key, g => g.Count());
        var problems = new List<string>();
        foreach (BgpState s in Enum.GetValues<BgpState>())
        {
            foreach (FsmEvent e in Enum.GetValues<FsmEvent>())
            {
                int n = seen.GetValueOrDefault((s, e));
                if (n != 1) problems.Add($"{s} × {e}: {n} rows");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(6 * 29, rows.Count);
    }

    public static TheoryData<string, string> TableRows()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in ParseTable()) data.Add(r.From.ToString(), r.Event.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(TableRows))]
    public void Step_matches_the_table(string state, string ev)
    {
        var from = Enum.Parse<BgpState>(state);
        var e = Enum.Parse<FsmEvent>(ev);
        Row row = ParseTable().Single(r => r.From == from && r.Event == e);

        FsmResult result = BgpFsm.Step(new FsmState(from, 5), new FsmOptions(), InputFor(e));

        Assert.Equal(row.To, result.State.State);
        Assert.Equal(row.Counter, result.State.ConnectRetryCounter);
        Assert.Equal(row.Actions, Format(result));
    }
}
