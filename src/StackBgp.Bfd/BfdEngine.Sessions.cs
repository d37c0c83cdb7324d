using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StackBgp.Bfd.Linux;
using static StackBgp.Bfd.Linux.LinuxNative;

namespace StackBgp.Bfd;

/// <summary>Session table and commands, executed on the engine thread.</summary>
public sealed partial class BfdEngine
{
    private sealed class SessionEntry(int id, BfdSession session, BfdTransmitSocket transmit, BfdPeerKey peerKey, int ifIndex)
    {
        public int Id { get; } = id;
        public TransmitSlots? Slots { get; init; }
        public BfdSession Session { get; } = session;
        public BfdTransmitSocket Transmit { get; } = transmit;
        public BfdPeerKey PeerKey { get; } = peerKey;
        public int IfIndex { get; } = ifIndex;
        public BfdSessionKey Key => Session.Config.Key;
        public BfdAddress PeerAddress => PeerKey.Peer;
        public bool Multihop => PeerKey.Multihop;
    }

    private void DrainCommands()
    {
        while (_commands.TryDequeue(out var command))
        {
            try
            {
                object? result = command.Kind switch
                {
                    CommandKind.Add => AddOnThread(command.Config!),
                    CommandKind.Remove => RemoveOnThread(command.Key),
                    CommandKind.Update => UpdateOnThread(command.Config!),
                    CommandKind.Snapshot => SnapshotOnThread(),
                    _ => null,
                };
                command.Done.TrySetResult(result);
                _allocatedMark = GC.GetAllocatedBytesForCurrentThread();
            }
            catch (Exception e) when (e is ArgumentException or IOException or SocketException or InvalidOperationException)
            {
                command.Done.TrySetException(e);
            }
        }
    }

    private object? AddOnThread(BfdPeerConfig config)
    {
        var key = config.Key;
        if (_byKey.ContainsKey(key)) throw new ArgumentException($"BFD session {key} already exists");
        int ifIndex = 0;
        if (config.Interface is { } name)
        {
            ifIndex = (int)IfNameToIndex(name);
            if (ifIndex == 0) throw new IOException($"BFD peer {config.Peer}: no interface {name}");
        }
        bool v6 = config.Peer.AddressFamily == AddressFamily.InterNetworkV6;
        EnsureReceiver(v6, config.Multihop);
        var transmit = new BfdTransmitSocket(config.Peer, config.LocalAddress, config.Interface, ifIndex, config.Multihop, _random.NextDouble);
        long now = MonotonicMicroseconds();
        var session = new BfdSession(config, AllocateDiscriminator(), now, _jitter) { SourcePort = transmit.SourcePort };
        var peerKey = config.Multihop
            ? new BfdPeerKey(BfdAddress.From(config.Peer), config.LocalAddress is null ? default : BfdAddress.From(config.LocalAddress), 0, true)
            : new BfdPeerKey(BfdAddress.From(config.Peer), default, ifIndex, false);
        if (_byPeer.ContainsKey(peerKey))
        {
            transmit.Dispose();
            throw new ArgumentException($"BFD session {key} overlaps an existing session for the same peer and interface");
        }
        var entry = new SessionEntry(++_nextEntryId, session, transmit, peerKey, ifIndex)
        {
            Slots = _ring is null ? null : new TransmitSlots(SlotsPerSession),
        };
        _byId.Add(entry.Id, entry);
        _sessions.Add(entry);
        _byKey.Add(key, entry);
        _byDiscriminator.Add(session.LocalDiscriminator, entry);
        _byPeer.Add(peerKey, entry);
        _logger.LogInformation("BFD session {Key} added: discriminator {Disc}, source port {Port}", key, session.LocalDiscriminator, transmit.SourcePort);
        return null;
    }

    private object? RemoveOnThread(BfdSessionKey key)
    {
        if (!_byKey.Remove(key, out var entry)) return false;
        SendAdminDown(entry, MonotonicMicroseconds());
        _sessions.Remove(entry);
        _byDiscriminator.Remove(entry.Session.LocalDiscriminator);
        _byPeer.Remove(entry.PeerKey);
        Retire(entry);
        return true;
    }

    private object? UpdateOnThread(BfdPeerConfig config)
    {
        if (!_byKey.TryGetValue(config.Key, out var entry)) throw new ArgumentException($"BFD session {config.Key} does not exist");
        long now = MonotonicMicroseconds();
        Handle(entry, entry.Session.Reconfigure(config, now), now);
        return null;
    }

    /// <summary>§6.8.16: tell the peer we are going away so it does not wait for a timeout.</summary>
    private void SendAdminDown(SessionEntry entry, long now)
    {
        if (entry.Session.State != BfdState.AdminDown)
        {
            var output = entry.Session.Reconfigure(entry.Session.Config with { Shutdown = true }, now);
            if ((output & BfdSessionOutput.StateChanged) != 0 && !_stopping)
            {
                Publish(entry.Key, entry.Session.LastChange, entry.Session.RemoteDiagnostic);
            }
        }
        RewriteQueued(entry);
        Send(entry, final: false, now);
    }

    private void EnsureReceiver(bool v6, bool multihop)
    {
        int index = (v6 ? 1 : 0) + (multihop ? 2 : 0);
        if (_receivers[index] is not null) return;
        var receiver = new BfdReceiveSocket(v6, multihop, timestamps: _trace.Length > 0);
        try
        {
            Register(receiver.Fd);
        }
        catch
        {
            receiver.Dispose();
            throw;
        }
        _receivers[index] = receiver;
    }

    private uint AllocateDiscriminator()
    {
        while (true)
        {
            uint candidate = (uint)_random.NextInt64(1, uint.MaxValue);
            if (!_byDiscriminator.ContainsKey(candidate)) return candidate;
        }
    }

    private BfdSnapshot SnapshotOnThread()
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread() - _allocatedMark;
        long now = MonotonicMicroseconds();
        var peers = new List<BfdPeerStatus>(_sessions.Count);
        foreach (var entry in _sessions) peers.Add(entry.Session.ToStatus(now));
        var stats = new BfdEngineStatistics
        {
            Received = _received,
            DroppedTtl = _droppedTtl,
            DroppedInvalid = _droppedInvalid,
            DroppedNoSession = _droppedNoSession,
            SendErrors = _sendErrors,
            LoopIterations = _loopIterations,
            KernelTimedTransmit = _ring is not null,
            EngineAllocatedBytes = allocated,
        };
        return new BfdSnapshot(peers, stats);
    }
}
