using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// One shared <see cref="PathAttributes"/> instance per distinct set, reference-counted. Owned by the
/// RIB actor (single-threaded, no locks). <see cref="Intern"/> returns the canonical instance and
/// counts a reference; <see cref="Release"/> drops one and forgets the set at zero. AS paths are
/// interned too, so attribute sets that differ only in e.g. MED or communities share one AS path.
/// </summary>
public sealed class AttributeInterner
{
    private struct Slot<T>
    {
        public T Canonical;
        public int Count;
    }

    private readonly Dictionary<PathAttributes, Slot<PathAttributes>> _sets = new(1024);
    private readonly Dictionary<AsPath, Slot<AsPath>> _paths = new(1024);

    /// <summary>Distinct attribute sets currently referenced.</summary>
    public int Count => _sets.Count;

    /// <summary>Distinct AS paths currently referenced.</summary>
    public int AsPathCount => _paths.Count;

    /// <summary>Returns the canonical instance equal to <paramref name="attributes"/> and adds one reference.</summary>
    public PathAttributes Intern(PathAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_sets, attributes);
        if (!Unsafe.IsNullRef(ref slot))
        {
            slot.Count++;
            return slot.Canonical;
        }
        var asPath = InternPath(attributes.AsPath);
        var stored = ReferenceEquals(asPath, attributes.AsPath) ? attributes : attributes with { AsPath = asPath };
        _sets.Add(stored, new Slot<PathAttributes> { Canonical = stored, Count = 1 });
        return stored;
    }

    /// <summary>Adds a reference to an instance already returned by <see cref="Intern"/>.</summary>
    public void AddRef(PathAttributes interned)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_sets, interned);
        if (Unsafe.IsNullRef(ref slot)) throw new InvalidOperationException("attribute set is not interned");
        slot.Count++;
    }

    /// <summary>Drops one reference; the set is forgotten when none remain.</summary>
    public void Release(PathAttributes interned)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_sets, interned);
        if (Unsafe.IsNullRef(ref slot)) throw new InvalidOperationException("attribute set is not interned");
        if (--slot.Count > 0) return;
        _sets.Remove(interned);
        ReleasePath(interned.AsPath);
    }

    /// <summary>Reference count of a set (0 when unknown); for tests and memory figures.</summary>
    public int RefCount(PathAttributes attributes) =>
        attributes is not null && _sets.TryGetValue(attributes, out var s) ? s.Count : 0;

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
