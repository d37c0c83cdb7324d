using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// One shared <see cref="PathAttributes"/> instance per distinct set, reference-counted. Owned by the
/// RIB actor (single-threaded, no locks). <see cref="Intern"/> returns the canonical instance and
/// counts a reference; <see cref="Release"/> drops one and forgets the set at zero. AS paths are
/// interned too, so attribute sets that differ only in e.g. MED or communities share one AS path.
/// <para>The count lives in the canonical set itself (<c>InternRefs</c>), so that adding or dropping a
/// reference per prefix is a field update, not a hash lookup; a set is canonical in at most one
/// interner (<c>InternOwner</c>), and a set another interner holds is copied rather than shared.</para>
/// </summary>
public sealed class AttributeInterner
{
    private struct Slot<T>
    {
        public T Canonical;
        public int Count;
    }

    private static int s_lastId;
    private readonly int _id = Interlocked.Increment(ref s_lastId);
    private readonly HashSet<PathAttributes> _sets = new(1024);
    private readonly Dictionary<AsPath, Slot<AsPath>> _paths = new(1024);

    /// <summary>Distinct attribute sets currently referenced.</summary>
    public int Count => _sets.Count;

    /// <summary>Distinct AS paths currently referenced.</summary>
    public int AsPathCount => _paths.Count;

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
        var asPath = InternPath(attributes.AsPath);
        // Adopt the caller's instance unless another interner holds it (claimed atomically: the same
        // decoded set could in principle reach two RIBs) or its AS path must be the interned one.
        var stored = ReferenceEquals(asPath, attributes.AsPath) && Interlocked.CompareExchange(ref attributes.InternOwner, _id, 0) == 0
            ? attributes
            : attributes with { AsPath = asPath };
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
        ReleasePath(interned.AsPath);
    }

    /// <summary>Reference count of a set (0 when unknown); for tests and memory figures.</summary>
    public int RefCount(PathAttributes attributes) =>
        attributes is not null && _sets.TryGetValue(attributes, out var c) ? c.InternRefs : 0;

    private AsPath InternPath(AsPath path)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_paths, path, out bool exists);
        if (!exists) slot.Canonical = path;
        slot.Count++;
        return slot.Canonical;
    }

    private void ReleasePath(AsPath path)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_paths, path);
        if (Unsafe.IsNullRef(ref slot)) return;
        if (--slot.Count == 0) _paths.Remove(path);
    }
}
