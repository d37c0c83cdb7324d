using System.Globalization;
using Microsoft.Extensions.Logging;
using StackBgp.Session;

namespace StackBgp.Core;

/// <summary>
/// The kernel drops a BGP peer's TCP segments silently when their TCP-MD5 signature (RFC 2385) is wrong or
/// missing, or when they arrive with a TTL below the GTSM minimum (RFC 5082). The side that connects sees
/// its attempts go unanswered and says so; the side that only listens sees nothing at all. This watch reads
/// the namespace's TCP counters (/proc/net/netstat: TcpExtTCPMD5NotFound, TCPMD5Unexpected, TCPMD5Failure,
/// TCPMinTTLDrop) every few seconds while a neighbor uses a password or ttl-security (nothing otherwise), and when they rise it
/// names the neighbors concerned that are not Established. The counters are per namespace, not per peer.
/// At most one line per cause per minute.
/// </summary>
internal sealed class KernelDropWatch : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);
    private readonly Router _router;
    private readonly ILogger _log;
    private readonly string _path;
    private readonly ITimer _timer;
    private long _md5 = -1, _ttl = -1;
    private long _md5LoggedAt = long.MinValue, _ttlLoggedAt = long.MinValue;

    public KernelDropWatch(Router router, ILogger log, string path = "/proc/net/netstat")
    {
        _router = router;
        _log = log;
        _path = path;
        Sample(); // the baseline: only drops from now on are reported
        _timer = router.Time.CreateTimer(_ => Sample(), null, Period, Period);
    }

    private void Sample()
    {
        // No neighbor with a password or ttl-security (most nodes): no reading; the next one after a reload
        // that adds one starts a fresh baseline.
        if (!_router.Peers.Any(p => p.Config.Password is not null || p.Config.TtlSecurityHops is not null))
        {
            _md5 = _ttl = -1;
            return;
        }
        if (!TryRead(out long md5, out long ttl)) return;
        long now = _router.Time.GetTimestamp();
        if (_md5 >= 0 && md5 > _md5) Report(ref _md5LoggedAt, now, md5 - _md5, "TCP-MD5", "with a missing or wrong TCP-MD5 signature (RFC 2385)",
            n => n.Config.Password is not null, "check that both sides have the same password");
        if (_ttl >= 0 && ttl > _ttl) Report(ref _ttlLoggedAt, now, ttl - _ttl, "GTSM", "below the ttl-security minimum TTL (RFC 5082)",
            n => n.Config.TtlSecurityHops is not null, "the peer may be more hops away than ttl-security hops allows, or not send TTL 255");
        _md5 = md5;
        _ttl = ttl;
    }

    private void Report(ref long loggedAt, long now, long delta, string cause, string what, Func<Peer, bool> concerned, string advice)
    {
        if (loggedAt != long.MinValue && _router.Time.GetElapsedTime(loggedAt, now) < Quiet) return;
        var names = _router.Peers.Where(p => concerned(p) && p.State != BgpState.Established).Select(p => p.Config.Id).ToArray();
        if (names.Length == 0) return; // someone else's sessions in this namespace
        loggedAt = now;
        _log.LogWarning("{Cause}: the kernel dropped {Count} TCP segment(s) {What}; neighbors concerned that are not Established: {Neighbors}; {Advice}",
            cause, delta, what, string.Join(", ", names), advice);
    }

    private bool TryRead(out long md5, out long ttl)
    {
        md5 = ttl = 0;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal)) continue;
            string[] names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int k = 1; k < names.Length && k < values.Length; k++)
            {
                if (!long.TryParse(values[k], NumberStyles.None, CultureInfo.InvariantCulture, out long v)) continue;
                switch (names[k])
                {
                    case "TCPMD5NotFound" or "TCPMD5Unexpected" or "TCPMD5Failure": md5 += v; break;
                    case "TCPMinTTLDrop": ttl += v; break;
                }
            }
            return true;
        }
        return false;
    }

    public void Dispose() => _timer.Dispose();
}
