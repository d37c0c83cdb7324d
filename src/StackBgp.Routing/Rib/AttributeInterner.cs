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
/// </summary>
public sealed class AttributeInterner
{
    private static int s_lastId;
    private readonly int _id = Interlocked.Increment(ref s_lastId);
    private readonly HashSet<PathAttributes> _sets = new(1024);

    /// <summary>Distinct attribute sets currently referenced.</summary>
    public int Count => _sets.Count;

    /// <summary>Returns the canonical instance equal to <paramref name="attributes"/> and adds one reference.</summary>
    public PathAttributes Intern(PathAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.InternOwner == _id)
        {
            attributes.InternRefs++;
            return attributes;
        }
        if (_sets.TryGetValue(attributes, out var canonical))
        {
            canonical.InternRefs++;
            return canonical;
        }
        // Adopt the caller's instance unless another interner holds it (claimed atomically: the same
        // decoded set could in principle reach two RIBs).
        var stored = Interlocked.CompareExchange(ref attributes.InternOwner, _id, 0) == 0 ? attributes : attributes with { };
        stored.InternOwner = _id;
        stored.InternRefs = 1;
        _sets.Add(stored);
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
        _sets.Remove(interned);
        Volatile.Write(ref interned.InternOwner, 0);
    }

    /// <summary>Reference count of a set (0 when unknown); for tests and memory figures.</summary>
    public int RefCount(PathAttributes attributes) =>
        attributes is not null && _sets.TryGetValue(attributes, out var c) ? c.InternRefs : 0;
}
