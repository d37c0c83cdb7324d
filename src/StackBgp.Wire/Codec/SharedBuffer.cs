using System.Buffers;
using System.Runtime.InteropServices;

namespace StackBgp.Wire;

/// <summary>
/// Encoded messages handed to several consumers (the members of an update group) from one buffer that is
/// reused once every consumer is done with it. A consumer that has copied the bytes out and will not read
/// them again calls <see cref="ReleaseIfShared"/>; one that keeps them, or drops them, simply does not
/// (the buffer is then never reused: the GC takes it, as for plain arrays). The producer counts one
/// reference per hand-out.
/// </summary>
public abstract class SharedBuffer : MemoryManager<byte>
{
    /// <summary>Drops the reference a hand-out of <paramref name="memory"/> carried, when it comes from a shared buffer.</summary>
    public static void ReleaseIfShared(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetMemoryManager(memory, out SharedBuffer? buffer)) buffer.Release();
    }

    /// <summary>Adds the reference of one more hand-out.</summary>
    public abstract void AddRef();

    /// <summary>Drops one reference; at none left the buffer may be written again.</summary>
    public abstract void Release();
}
