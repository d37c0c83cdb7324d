using System.Buffers;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// <see cref="IUpdateEncoder"/> over Wire's <see cref="UpdatePacker"/>: each call produces one buffer
/// holding one or more whole UPDATEs back to back (what a TCP stream carries), freshly allocated (exactly
/// its size) because it is shared by every member of the update group and queued by their sessions.
/// </summary>
public sealed class WireUpdateEncoder : IUpdateEncoder
{
    public static WireUpdateEncoder Instance { get; } = new();

    /// <summary>
    /// Told when announcements cannot be encoded for a group (e.g. path attributes larger than a 4096-octet
    /// UPDATE to peers without extended messages, RFC 8654): family, first prefix, prefix count, reason.
    /// Those prefixes are withdrawn instead, so the peers never keep an older version of the route.
    /// </summary>
    public Action<AddressFamily, Nlri, int, string>? NotEncodable { get; init; }

    public void EncodeAnnounce(AddressFamily family, PathAttributes attributes, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output) =>
        EncodeAnnounce(family, new AttributeView(attributes), prefixes, context, output);

    public void EncodeAnnounce(AddressFamily family, in AttributeView attributes, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (prefixes.IsEmpty) return;
        // The RIB's own flush is written straight into its segments, behind what is already there; any
        // other list gets one buffer per call.
        var shared = output as UpdateBuffers;
        IBufferWriter<byte> w = shared is null ? Scratch() : shared;
        try
        {
            UpdatePacker.WriteAnnouncements(w, family, attributes, prefixes, context);
        }
        catch (ArgumentException e)
        {
            // UpdatePacker checks before writing anything; an exception here would stop the RIB's export task.
            NotEncodable?.Invoke(family, prefixes[0], prefixes.Length, e.Message);
            EncodeWithdraw(family, prefixes, context, output);
            return;
        }
        if (shared is null) output.Add(((ArrayBufferWriter<byte>)w).WrittenSpan.ToArray());
    }

    // Encoding goes through a per-thread scratch writer, then into one array of the exact size: a full
    // table is encoded one attribute set (~3 prefixes, ~110 octets) at a time, and a writer per call cost
    // an object, a guessed-size array and often a grown copy each time.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private static ArrayBufferWriter<byte> Scratch()
    {
        var w = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        if (w.Capacity > 1 << 20) w = t_scratch = new ArrayBufferWriter<byte>(4096); // one huge flush does not pin memory
        w.ResetWrittenCount();
        return w;
    }

    public void EncodeWithdraw(AddressFamily family, ReadOnlySpan<Nlri> prefixes, in EncodeContext context, List<ReadOnlyMemory<byte>> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (prefixes.IsEmpty) return;
        var shared = output as UpdateBuffers;
        IBufferWriter<byte> w = shared is null ? Scratch() : shared;
        UpdatePacker.WriteWithdrawals(w, family, prefixes, context);
        if (shared is null) output.Add(((ArrayBufferWriter<byte>)w).WrittenSpan.ToArray());
    }

    public ReadOnlyMemory<byte> EncodeEndOfRib(AddressFamily family, in EncodeContext context)
    {
        var w = new ArrayBufferWriter<byte>(32);
        UpdatePacker.WriteEndOfRib(w, family);
        return w.WrittenMemory;
    }

    public ReadOnlyMemory<byte> EncodeRouteRefresh(AddressFamily family, RouteRefreshSubtype subtype) =>
        MessageCodec.Encode(new RouteRefreshMessage(family, subtype));
}
