using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using StackBgp.Api.V1;

namespace StackBgp.Cli;

/// <summary>
/// stackbgp — the vtysh of StackBgp. `stackbgp -c "show bgp summary"` or `stackbgp show bgp summary`.
/// Several -c options run in order. `--socket PATH` picks the daemon (default: see <see cref="ApiSocket"/>).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        string socket = Environment.GetEnvironmentVariable("STACKBGP_SOCKET") ?? ApiSocket.DefaultPath();
        var commands = new List<string>();
        var words = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-c" or "--command" when i + 1 < args.Length:
                    commands.Add(args[++i]);
                    break;
                case "-s" or "--socket" when i + 1 < args.Length:
                    socket = args[++i];
                    break;
                case "-h" or "--help":
                    PrintUsage();
                    return 0;
                default:
                    words.Add(args[i]);
                    break;
            }
        }
        if (words.Count > 0) commands.Add(string.Join(' ', words));
        if (commands.Count == 0)
        {
            PrintUsage();
            return 2;
        }

        if (!File.Exists(socket))
        {
            await Console.Error.WriteLineAsync($"% stackbgpd is not running: no API socket at {socket} (start it with `stackbgpd --config FILE`, or pass --socket PATH)").ConfigureAwait(false);
            return 1;
        }

        using var channel = CreateChannel(socket);
        var client = new Control.ControlClient(channel);
        int rc = 0;
        foreach (string command in commands)
        {
            try
            {
                var reply = await client.ExecuteAsync(new ExecuteRequest { Command = command }, deadline: DateTime.UtcNow.AddSeconds(30)).ConfigureAwait(false);
                if (reply.Output.Length > 0)
                {
                    Console.Out.Write(reply.Output);
                    if (!reply.Output.EndsWith('\n')) Console.Out.WriteLine();
                }
                if (reply.Error.Length > 0)
                {
                    await Console.Error.WriteLineAsync($"% {reply.Error}").ConfigureAwait(false);
                    rc = 1;
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                await Console.Error.WriteLineAsync($"% stackbgpd is not answering on {socket}: {e.Status.Detail}").ConfigureAwait(false);
                return 1;
            }
        }
        return rc;
    }

    private static GrpcChannel CreateChannel(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(System.Net.Sockets.AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
    }

    private static void PrintUsage()
    {
        Console.WriteLine("""
            usage: stackbgp [-s SOCKET] -c "COMMAND" [-c "COMMAND" ...]
                   stackbgp [-s SOCKET] COMMAND WORDS...

            Commands (as in vtysh):
              show bgp summary [json]
              show bgp neighbors [ADDR] [json]
              show bgp neighbors ADDR advertised-routes|received-routes [json]
              show bgp ipv4|ipv6 unicast [PREFIX] [json]
              show ip route [json]
              show interface
              show bfd peers [brief] [json]
              show running-config
              clear bgp ADDR|* [soft [in|out]]
            """);
    }
}
