using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// The attributes being rewritten by a route-map, field by field, so that a chain of sets builds
/// one new <see cref="PathAttributes"/> at the end (or none: the input is returned when nothing
/// changed). Lives on the stack of one evaluation.
/// </summary>
internal struct Draft
{
    private PathAttributes _current;
    private bool _dirty;
    private Origin _origin;
    private AsPath _asPath;
    private NextHop _nextHop;
    private uint? _med;
    private uint? _localPref;
    private ImmutableArray<uint> _communities;
    private ImmutableArray<ulong> _ext;
    private ImmutableArray<LargeCommunity> _large;

    public Draft(PathAttributes attributes, uint weight)
    {
        _current = attributes;
        _origin = attributes.Origin;
        _asPath = attributes.AsPath;
        _nextHop = attributes.NextHop;
        _med = attributes.Med;
        _localPref = attributes.LocalPref;
        _communities = attributes.Communities;
        _ext = attributes.ExtendedCommunities;
        _large = attributes.LargeCommunities;
        Weight = weight;
    }

    public uint Weight { get; set; }
    public IPAddress? Src { get; set; }
    public NextHopDirective NextHopDirective { get; set; }

    public Origin Origin { readonly get => _origin; set { if (_origin != value) { _origin = value; _dirty = true; } } }
    public AsPath AsPath { readonly get => _asPath; set { if (!_asPath.Equals(value)) { _asPath = value; _dirty = true; } } }
    public NextHop NextHop { readonly get => _nextHop; set { if (_nextHop != value) { _nextHop = value; _dirty = true; } } }
    public uint? Med { readonly get => _med; set { if (_med != value) { _med = value; _dirty = true; } } }
    public uint? LocalPref { readonly get => _localPref; set { if (_localPref != value) { _localPref = value; _dirty = true; } } }
    public ImmutableArray<uint> Communities { readonly get => _communities; set { _communities = value; _dirty = true; } }
    public ImmutableArray<ulong> Ext { readonly get => _ext; set { _ext = value; _dirty = true; } }
    public ImmutableArray<LargeCommunity> Large { readonly get => _large; set { _large = value; _dirty = true; } }

    /// <summary>The attributes as they stand now (materialized if sets changed them).</summary>
    public PathAttributes Current()
    {
        if (!_dirty) return _current;
        _current = _current with
        {
            Origin = _origin,
            AsPath = _asPath,
            NextHop = _nextHop,
            Med = _med,
            LocalPref = _localPref,
            Communities = _communities,
            ExtendedCommunities = _ext,
            LargeCommunities = _large,
        };
        _communities = _current.Communities;
        _ext = _current.ExtendedCommunities;
        _large = _current.LargeCommunities;
        _dirty = false;
        return _current;
    }

    /// <summary>The result: the input instance if nothing changed, or one new set; equal content collapses to the input.</summary>
    public PathAttributes Build(PathAttributes original)
    {
        var result = Current();
        return result.Equals(original) ? original : result;
    }
}
