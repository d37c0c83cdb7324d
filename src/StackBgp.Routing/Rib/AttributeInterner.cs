using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// One shared <see cref="PathAttributes"/> instance per distinct set, reference-counted. Owned by the
/// RIB actor (single-threaded, no locks). <see cref="Intern"/> returns the canonical instance and
/// counts a reference; <see cref="Release"/> drops one and forgets the set at zero.
/// <para>AS paths are not interned on their own: in a full table nearly every attribute set has its
/// own AS path (the benchmark's 1M table: 309k paths for 320k sets), so a second table cost ~40 bytes
/// and a hash lookup per set for ~3 % sharing. Sets derived from one another (an inbound policy
/// setting LOCAL_PREF, an outbound prepend's source) share their path by reference anyway.</para>
/// <para>The count lives in the canonical set itself (<c>InternRefs</c>), so that adding or dropping a
/// reference per prefix is a field update, not a hash lookup; a set is canonical in at most one
/// interner (<c>InternOwner</c>), and a set another interner holds is copied rather than shared.</para>
/// <para>The table is open addressing over the sets themselves (linear probing, at most 3/4 full,
/// backward-shift deletion): 8 bytes a slot, since a set caches its own hash, where a HashSet entry
/// takes 20 (a full table's ~320k sets: 4 MiB instead of ~8).</para>
/// </summary>
public sealed class AttributeInterner
{
    private static int s_lastId;
    private readonly int _id = Interlocked.Increment(ref s_lastId);
    private PathAttributes?[] _slots = new PathAttributes?[1024];
    private int _count;

    /// <summary>Distinct attribute sets currently referenced.</summary>
    public int Count => _count;

    /// <summary>Returns the canonical instance equal to <paramref name="attributes"/> and adds one reference.</summary>
    public PathAttributes Intern(PathAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.InternOwner == _id)
        {
            attributes.InternRefs++;
            return attributes;
        }
        int slot = Probe(attributes, out bool found);
        if (found)
        {
            var canonical = _slots[slot]!;
            canonical.InternRefs++;
            return canonical;
        }
        // Adopt the caller's instance unless another interner holds it (claimed atomically: the same
        // decoded set could in principle reach two RIBs).
        var stored = Interlocked.CompareExchange(ref attributes.InternOwner, _id, 0) == 0 ? attributes : attributes with { };
        stored.InternOwner = _id;
        stored.InternRefs = 1;
        _slots[slot] = stored;
        if (++_count > _slots.Length / 4 * 3) Grow();
        return stored;
    }

    /// <summary>Adds a reference to an instance already returned by <see cref="Intern"/>.</summary>
    public void AddRef(PathAttributes interned)
    {
        ArgumentNullException.ThrowIfNull(interned);
        if (interned.InternOwner != _id) throw new InvalidOperationException("attribute set is not interned");
        interned.InternRefs++;
    }

    /// <summary>Drops one reference; the set is forgotten when none remain.</summary>
    public void Release(PathAttributes interned)
    {
        ArgumentNullException.ThrowIfNull(interned);
        if (interned.InternOwner != _id) throw new InvalidOperationException("attribute set is not interned");
        if (--interned.InternRefs > 0) return;
        Remove(interned);
        Volatile.Write(ref interned.InternOwner, 0);
    }

    /// <summary>Reference count of a set (0 when unknown); for tests and memory figures.</summary>
    public int RefCount(PathAttributes attributes)
    {
        if (attributes is null) return 0;
        int slot = Probe(attributes, out bool found);
        return found ? _slots[slot]!.InternRefs : 0;
    }

    /// <summary>The slot holding a set equal to <paramref name="attributes"/> (<paramref name="found"/>), or the empty slot ending its probe run.</summary>
    private int Probe(PathAttributes attributes, out bool found)
    {
        int hash = attributes.GetHashCode();
        int mask = _slots.Length - 1;
        int i = hash & mask;
        PathAttributes? s;
        while ((s = _slots[i]) is not null)
        {
            if (ReferenceEquals(s, attributes) || (s.GetHashCode() == hash && s.Equals(attributes)))
            {
                found = true;
                return i;
            }
            i = (i + 1) & mask;
        }
        found = false;
        return i;
    }

    /// <summary>Takes the canonical instance out; later members of its probe run move up so lookups need no tombstones.</summary>
    private void Remove(PathAttributes interned)
    {
        int mask = _slots.Length - 1;
        int i = interned.GetHashCode() & mask;
        while (!ReferenceEquals(_slots[i], interned))
        {
            if (_slots[i] is null) throw new InvalidOperationException("interned attribute set missing from its table");
            i = (i + 1) & mask;
        }
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            var s = _slots[j];
            if (s is null) break;
            int home = s.GetHashCode() & mask;
            if (!LinearProbing.CanFill(i, j, home)) continue;
            _slots[i] = s;
            i = j;
        }
        _slots[i] = null;
        _count--;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new PathAttributes?[old.Length * 2];
        int mask = _slots.Length - 1;
        foreach (var s in old)
        {
            if (s is null) continue;
            int i = s.GetHashCode() & mask;
            while (_slots[i] is not null) i = (i + 1) & mask;
            _slots[i] = s;
        }
    }
}
