using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>
/// Issue 4 point 4, the advertisement rules not covered by <see cref="RibActorTests"/>: next-hop-self
/// force, third-party next hops, send-community variants, advertisement-interval, aggregates without
/// summary-only / as-set, soft out, plain route refresh, maximum-prefix warning-only.
/// </summary>
public class AdvertisementTests
{
    private static readonly AddressFamily V4 = AddressFamily.Ipv4Unicast;

    private static Prefix P(string s) => Prefix.Parse(s);

    [Theory]
    [InlineData(NextHopSelf.Off, "10.0.0.2", "192.0.2.1")]
    [InlineData(NextHopSelf.On, "10.0.0.2", "10.0.0.1")]     // on: eBGP-learned only, reflected unchanged
    [InlineData(NextHopSelf.Force, "10.0.0.1", "10.0.0.1")]  // force: reflected routes too
    public void Next_hop_self_applies_to_ebgp_learned_routes_and_force_also_to_reflected_ones(NextHopSelf mode, string reflectedNextHop, string ebgpNextHop)
    {
        var rib = T.Actor();
        var client = new RecordingSender();
        var other = new RecordingSender();
        var ebgp = new RecordingSender();
        rib.Execute(
            new RibCommand.PeerUp(T.Peer(1, "10.0.0.2", T.LocalAs, client) with { RouteReflectorClient = true }),
            new RibCommand.PeerUp(T.Peer(2, "10.0.0.3", T.LocalAs, other) with { RouteReflectorClient = true, NextHopSelf = mode }),
            new RibCommand.PeerUp(T.Peer(3, "192.0.2.1", 65001, ebgp)));
        other.Drain();
        rib.Execute(T.Announce(1, T.Attrs("10.0.0.2") with { LocalPref = 100 }, "203.0.113.0/24"));
        rib.Execute(T.Announce(3, T.Attrs("192.0.2.1", 65001), "198.51.100.0/24"));
        var got = T.Summarize(other.Drain()).Announced;
        Assert.Equal(NextHop.Parse(reflectedNextHop), got[P("203.0.113.0/24")].NextHop);
        Assert.Equal(NextHop.Parse(ebgpNextHop), got[P("198.51.100.0/24")].NextHop);
    }

    [Fact]
    public void Third_party_next_hop_is_kept_towards_an_ebgp_peer_on_the_same_subnet_unless_next_hop_self()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        var far = new RecordingSender();
        // peers 1 and 2 share 192.0.2.0/24 with us (an IXP-like LAN); peer 3 is elsewhere.
        rib.Execute(
            new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src, local: "192.0.2.254") with { SharedSubnet = P("192.0.2.0/24") }),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst, local: "192.0.2.254") with { SharedSubnet = P("192.0.2.0/24") }),
            new RibCommand.PeerUp(T.Peer(3, "198.51.100.3", 65003, far, local: "198.51.100.254") with { SharedSubnet = P("198.51.100.0/24") }));
        dst.Drain();
        far.Drain();
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        Assert.Equal(NextHop.Parse("192.0.2.1"), T.Summarize(dst.Drain()).Announced[P("203.0.113.0/24")].NextHop); // RFC 4271 §5.1.3 (2)
        Assert.Equal(NextHop.Parse("198.51.100.254"), T.Summarize(far.Drain()).Announced[P("203.0.113.0/24")].NextHop);

        rib.Execute(new RibCommand.PeerChanged(T.Peer(2, "192.0.2.2", 65002, dst, local: "192.0.2.254") with { SharedSubnet = P("192.0.2.0/24"), NextHopSelf = NextHopSelf.On }));
        Assert.Equal(NextHop.Parse("192.0.2.254"), T.Summarize(dst.Drain()).Announced[P("203.0.113.0/24")].NextHop);
    }

    [Fact]
    public void An_ebgp_export_prepends_our_as_drops_med_and_keeps_partial_bits_and_unknown_transitive_attributes()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)),
            new RibCommand.PeerUp(T.Peer(2, "198.51.100.2", 65002, dst, local: "198.51.100.254") with { SendCommunity = SendCommunity.All }));
        dst.Drain();
        var unknown = new UnknownAttribute(AttributeFlags.Optional | AttributeFlags.Transitive | AttributeFlags.Partial, 99, [1, 2, 3]);
        // RFC 4271 §5: a Partial bit set by an earlier AS is never cleared when the attribute is passed on.
        var attrs = T.Attrs("192.0.2.1", 65001, 65010) with { Med = 7, Communities = [0xFDE90001], PartialMask = 1UL << (int)AttributeCode.Communities, Unknown = [unknown] };
        rib.Execute(T.Announce(1, attrs, "203.0.113.0/24", "203.0.113.128/25"));
        var got = T.Summarize(dst.Drain()).Announced;
        foreach (var prefix in new[] { P("203.0.113.0/24"), P("203.0.113.128/25") })
        {
            var sent = got[prefix];
            Assert.Equal($"{T.LocalAs} 65001 65010", sent.AsPath.ToString());
            Assert.Equal(NextHop.Parse("198.51.100.254"), sent.NextHop);
            Assert.Null(sent.Med); // RFC 4271 §5.1.4: not passed on to another AS
            Assert.Equal(new[] { 0xFDE90001u }, sent.Communities.ToArray());
            Assert.Equal(1UL << (int)AttributeCode.Communities, sent.PartialMask);
            Assert.Equal(new[] { unknown }, sent.Unknown.ToArray());
        }
    }

    [Fact]
    public void Forty_update_groups_each_get_announcements_changes_and_withdrawals_once()
    {
        // Each eBGP peer in its own subnet is its own update group: slots 0..39, beyond the 32 that have a
        // pending bit in the destination entry (the others list their changes in a set).
        var rib = T.Actor();
        var source = new RecordingSender();
        var peers = new List<RecordingSender>();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, source)));
        for (int i = 0; i < 40; i++)
        {
            var sender = new RecordingSender();
            peers.Add(sender);
            rib.Execute(new RibCommand.PeerUp(T.Peer(10 + i, $"198.51.{i}.2", 65100u + (uint)i, sender, local: $"198.51.{i}.1")));
            sender.Drain();
        }
        // A prefix announced, then changed and announced again in the same round: each group sends it once, as changed.
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"),
            T.Announce(1, T.Attrs("192.0.2.1", 65001, 65009), "203.0.113.0/24", "203.0.113.128/25"));
        for (int i = 0; i < peers.Count; i++)
        {
            var got = peers[i].Drain();
            var announced = got.SelectMany(r => r.Announced).ToList();
            Assert.Equal(2, announced.Count);
            var summary = T.Summarize(got);
            Assert.Equal($"{T.LocalAs} 65001 65009", summary.Announced[P("203.0.113.0/24")].AsPath.ToString());
            Assert.Equal(NextHop.Parse($"198.51.{i}.1"), summary.Announced[P("203.0.113.0/24")].NextHop);
        }
        rib.Execute(T.Withdraw(1, "203.0.113.0/24"));
        foreach (var peer in peers)
        {
            var got = peer.Drain();
            Assert.Equal([P("203.0.113.0/24")], got.SelectMany(r => r.Withdrawn).ToArray());
            Assert.Empty(got.SelectMany(r => r.Announced));
        }
    }

    [Fact]
    public void A_prefix_stops_taking_paths_at_the_limit_and_the_rest_of_the_update_is_kept()
    {
        var rib = T.Actor();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, new RecordingSender())),
            new RibCommand.PeerUp(T.Peer(2, "198.51.100.2", 65002, dst, local: "198.51.100.1")));
        dst.Drain();
        // An ADD-PATH peer inventing path ids for one prefix, then a prefix of its own in the same batch.
        var flood = P("203.0.113.0/24");
        var batch = new InboundBatch();
        batch.Add(V4, T.Attrs("192.0.2.1", 65001), Enumerable.Range(1, Destination.MaxPaths + 10).Select(i => new Nlri(flood, (uint)i)).Append(new Nlri(P("198.51.100.0/24"))), []);
        rib.Execute(new RibCommand.Update(1, batch));
        var n = rib.Read(a => a.SnapshotNeighbor(1))!;
        Assert.Equal(Destination.MaxPaths + 1, n.PrefixesAccepted); // the limit's paths and the other prefix
        var got = T.Summarize(dst.Drain()).Announced;
        Assert.True(got.ContainsKey(flood));
        Assert.True(got.ContainsKey(P("198.51.100.0/24")));
    }

    public static TheoryData<SendCommunity, bool, bool, bool> SendCommunityCases() => new()
    {
        { SendCommunity.None, false, false, false },
        { SendCommunity.Standard, true, false, false },
        { SendCommunity.Extended, false, true, false },
        { SendCommunity.Large, false, false, true },
        { SendCommunity.All, true, true, true },
    };

    [Theory]
    [MemberData(nameof(SendCommunityCases))]
    public void Send_community_sends_exactly_the_chosen_kinds(SendCommunity kinds, bool standard, bool extended, bool large)
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        ulong rt = ExtendedCommunity.RouteTarget(65001, 7);
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst) with { SendCommunity = kinds }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with
        {
            Communities = [Community.Create(65001, 1)],
            ExtendedCommunities = [rt],
            LargeCommunities = [new LargeCommunity(65001, 2, 3)],
        }, "203.0.113.0/24"));
        var a = T.Summarize(dst.Drain()).Announced[P("203.0.113.0/24")];
        Assert.Equal(standard, !a.Communities.IsEmpty);
        Assert.Equal(extended, !a.ExtendedCommunities.IsEmpty);
        Assert.Equal(large, !a.LargeCommunities.IsEmpty);
    }

    [Fact]
    public void Non_transitive_extended_communities_stay_inside_the_as()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var e = new RecordingSender();
        var i = new RecordingSender();
        ulong transitive = ExtendedCommunity.RouteTarget(65001, 7);
        ulong nonTransitive = transitive | (0x40UL << 56); // the T bit (RFC 4360 §2)
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, e)),
            new RibCommand.PeerUp(T.Peer(3, "10.0.0.3", T.LocalAs, i)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001) with { ExtendedCommunities = [transitive, nonTransitive] }, "203.0.113.0/24"));
        Assert.Equal([transitive], T.Summarize(e.Drain()).Announced[P("203.0.113.0/24")].ExtendedCommunities.ToArray());
        Assert.Equal(2, T.Summarize(i.Drain()).Announced[P("203.0.113.0/24")].ExtendedCommunities.Length);
    }

    [Fact]
    public async Task Advertisement_interval_holds_changes_back_until_the_interval_has_passed()
    {
        var (rib, time, dst) = await StartWithReceiver(TimeSpan.FromSeconds(30));
        try
        {
            await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
            await rib.BarrierAsync();
            // The first change after the initial table goes out at once (nothing was flushed before).
            Assert.Contains(P("203.0.113.0/24"), T.Summarize(dst.Drain()).Announced.Keys);

            time.Advance(TimeSpan.FromSeconds(5));
            await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001), "198.51.100.0/24"));
            await rib.BarrierAsync();
            Assert.Empty(T.Summarize(dst.Drain()).Announced); // held: 5 s of 30 s

            time.Advance(TimeSpan.FromSeconds(24));
            await rib.BarrierAsync();
            Assert.Empty(T.Summarize(dst.Drain()).Announced); // still 1 s to go

            time.Advance(TimeSpan.FromSeconds(1)); // the timer posts a flush to the loop
            var got = await Eventually(dst, r => r.Announced.ContainsKey(P("198.51.100.0/24")), rib);
            Assert.Contains(P("198.51.100.0/24"), got.Announced.Keys);
        }
        finally
        {
            await rib.StopAsync();
        }
    }

    [Fact]
    public async Task A_prefix_withdrawn_and_announced_again_while_held_is_sent_once_with_its_new_path_and_a_held_withdrawal_is_sent()
    {
        // The held change list outlives the destinations it names: one removed (withdrawn) and created again
        // before the flush must give one announcement with the latest path, not a withdrawal after it.
        var (rib, time, dst) = await StartWithReceiver(TimeSpan.FromSeconds(30));
        try
        {
            await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
            await rib.BarrierAsync();
            Assert.Equal(2, T.Summarize(dst.Drain()).Announced.Count);

            time.Advance(TimeSpan.FromSeconds(5));
            await rib.PostAsync(T.Withdraw(1, "203.0.113.0/24", "198.51.100.0/24"));
            await rib.BarrierAsync();
            await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001, 64999), "203.0.113.0/24"));
            await rib.BarrierAsync();
            Assert.Empty(dst.Drain()); // held

            time.Advance(TimeSpan.FromSeconds(25));
            var got = await Eventually(dst, r => r.Withdrawn.Count + r.Announced.Count > 0, rib);
            Assert.Equal([P("198.51.100.0/24")], got.Withdrawn);
            var only = Assert.Single(got.Announced);
            Assert.Equal(P("203.0.113.0/24"), only.Key);
            Assert.Equal("65000 65001 64999", only.Value.AsPath.ToString());
        }
        finally
        {
            await rib.StopAsync();
        }
    }

    [Fact]
    public async Task Advertisement_interval_zero_sends_every_change_at_once()
    {
        var (rib, _, dst) = await StartWithReceiver(TimeSpan.Zero);
        try
        {
            for (int i = 0; i < 3; i++)
            {
                string prefix = $"203.0.113.{i * 64}/26";
                await rib.PostAsync(T.Announce(1, T.Attrs("192.0.2.1", 65001), prefix));
                await rib.BarrierAsync();
                Assert.Contains(P(prefix), T.Summarize(dst.Drain()).Announced.Keys);
            }
        }
        finally
        {
            await rib.StopAsync();
        }
    }

    /// <summary>A started RIB on a fake clock with peer 1 (AS 65001, the source) and peer 2 (AS 65002) whose UPDATEs <c>Dst</c> records.</summary>
    private static async Task<(RibActor Rib, FakeTimeProvider Time, LockedSender Dst)> StartWithReceiver(TimeSpan advertisementInterval)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var rib = new RibActor(T.Options(), WireUpdateEncoder.Instance, null, time);
        rib.Start();
        var dst = new LockedSender();
        await rib.PostAsync(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, new RecordingSender())));
        await rib.PostAsync(new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, new RecordingSender()) with { AdvertisementInterval = advertisementInterval, Sender = dst }));
        return (rib, time, dst);
    }

    private static async Task<(Dictionary<Prefix, PathAttributes> Announced, HashSet<Prefix> Withdrawn, int EndOfRibs)> Eventually(
        LockedSender s, Func<(Dictionary<Prefix, PathAttributes> Announced, HashSet<Prefix> Withdrawn, int EndOfRibs), bool> ok, RibActor rib)
    {
        var all = new List<Received>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await rib.BarrierAsync();
            all.AddRange(s.Drain());
            var sum = T.Summarize(all);
            if (ok(sum)) return sum;
            Assert.True(DateTime.UtcNow < deadline, "expected the held UPDATE after the advertisement interval; nothing came within 10 s");
            await Task.Yield();
        }
    }

    /// <summary>A recording sender safe to read from the test while the actor loop writes.</summary>
    private sealed class LockedSender : IPeerSender
    {
        private readonly RecordingSender _inner = new();

        public void Send(ReadOnlyMemory<byte> message)
        {
            lock (_inner) _inner.Send(message);
        }

        public void Close(CeaseSubcode subcode, string reason)
        {
            lock (_inner) _inner.Close(subcode, reason);
        }

        public List<Received> Drain()
        {
            lock (_inner) return _inner.Drain();
        }
    }

    [Fact]
    public void Aggregate_without_options_keeps_the_more_specifics_and_marks_atomic_aggregate()
    {
        var rib = T.Actor(T.Options() with { Aggregates = [new AggregateAddress(P("203.0.113.0/24"))] });
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001, 65010), "203.0.113.0/25", "203.0.113.128/25"));
        var got = T.Summarize(dst.Drain()).Announced;
        Assert.Equal(3, got.Count);
        var agg = got[P("203.0.113.0/24")];
        Assert.Equal("65000", agg.AsPath.ToString()); // no AS_SET: our AS only
        Assert.True(agg.AtomicAggregate);
        Assert.Equal(T.LocalAs, agg.Aggregator!.Value.Asn);
        Assert.Equal("65000 65001 65010", got[P("203.0.113.0/25")].AsPath.ToString());
    }

    [Fact]
    public void Clear_soft_out_resends_the_adj_rib_out_without_touching_the_session()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        dst.Drain();
        rib.Execute(new RibCommand.ClearSoft(2, In: false, Out: true));
        var got = dst.Drain();
        Assert.Equal([P("198.51.100.0/24"), P("203.0.113.0/24")], T.Summarize(got).Announced.Keys.Order());
        Assert.DoesNotContain(got, r => r.EndOfRib);
        Assert.Empty(dst.Closed);
        // soft out for the source peer does not re-import anything.
        Assert.Empty(src.Closed);
    }

    [Fact]
    public void A_plain_route_refresh_is_answered_from_the_adj_rib_out_without_borr_and_eorr()
    {
        var rib = T.Actor();
        var src = new RecordingSender();
        var dst = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, src)), new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, dst)));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24"));
        dst.Drain();
        rib.Execute(new RibCommand.RouteRefresh(2, V4));
        var got = dst.Drain();
        Assert.All(got, r => Assert.Null(r.Refresh));
        Assert.Equal([P("203.0.113.0/24")], T.Summarize(got).Announced.Keys);
    }

    [Fact]
    public void Maximum_prefix_warning_only_keeps_the_session_and_the_routes()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s) with { MaximumPrefix = new MaximumPrefix(1, WarningOnly: true) }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        Assert.Empty(s.Closed);
        Assert.Equal(2, rib.Read(a => a.SnapshotNeighbor(1))!.PrefixesAccepted);
        Assert.NotNull(rib.Route("198.51.100.0/24")?.BestPath);
    }

    [Fact]
    public void Maximum_prefix_counts_accepted_routes_and_closes_once()
    {
        var rib = T.Actor();
        var s = new RecordingSender();
        var denyOne = new DelegatePolicy("IN", (p, a, c) => p == P("198.51.100.0/24") ? PolicyResult.Deny(a) : new PolicyResult(true, a, c.Weight));
        rib.Execute(new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, s) with { MaximumPrefix = new MaximumPrefix(1), ImportPolicy = denyOne }));
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/24", "198.51.100.0/24"));
        Assert.Empty(s.Closed); // one accepted, one denied by policy: within the limit
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "192.0.2.0/24", "100.64.0.0/24"));
        Assert.Equal(CeaseSubcode.MaximumPrefixesReached, Assert.Single(s.Closed).Subcode);
    }

    [Fact]
    public void Maximum_paths_ibgp_and_ebgp_are_separate_limits()
    {
        var fib = new RecordingFib();
        var rib = T.Actor(T.Options() with { MaxPaths = ImmutableDictionary<AddressFamily, MaxPaths>.Empty.Add(V4, new MaxPaths(1, 2)) }, fib);
        for (int i = 1; i <= 3; i++)
            rib.Execute(new RibCommand.PeerUp(T.Peer(i, $"10.0.0.{i + 1}", T.LocalAs, new RecordingSender())));
        for (int i = 1; i <= 3; i++)
            rib.Execute(T.Announce(i, T.Attrs($"10.0.0.{i + 1}", 65001) with { LocalPref = 100 }, "203.0.113.10/32"));
        Assert.Equal(2, fib.Current[P("203.0.113.10/32")].NextHops.Length); // maximum-paths ibgp 2
        Assert.Equal(2, rib.Route("203.0.113.10/32")!.Paths.Count(p => p.Multipath));
    }

    [Fact]
    public void Prefixes_sharing_attributes_are_packed_into_one_update_also_when_an_outbound_policy_builds_a_new_set_per_prefix()
    {
        // Without a policy the flush groups prefixes by the export cache's objects; a route-map's "set" makes a
        // new, equal object per prefix, and those must still share an UPDATE.
        var rib = T.Actor();
        var setMed = new DelegatePolicy("SET-MED", (_, a, c) => new PolicyResult(true, a with { Med = 7 }, c.Weight));
        var plain = new RecordingSender();
        var withPolicy = new RecordingSender();
        rib.Execute(
            new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, new RecordingSender())),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, plain)),
            new RibCommand.PeerUp(T.Peer(3, "192.0.2.3", 65003, withPolicy) with { ExportPolicy = setMed }));
        plain.Drain();
        withPolicy.Drain();
        rib.Execute(T.Announce(1, T.Attrs("192.0.2.1", 65001), "203.0.113.0/26", "203.0.113.64/26", "203.0.113.128/26"));
        foreach (var (sender, med) in new[] { (plain, (uint?)null), (withPolicy, 7u) })
        {
            var update = Assert.Single(sender.Drain(), r => !r.Announced.IsEmpty);
            Assert.Equal(3, update.Announced.Length);
            Assert.Equal(med, update.Attributes!.Med);
        }
    }

    [Fact]
    public void Peers_differing_in_policy_or_capabilities_get_separate_update_groups()
    {
        var rib = T.Actor();
        var otherPolicy = new DelegatePolicy("OUT2", (_, a, c) => new PolicyResult(true, a, c.Weight));
        rib.Execute(
            new RibCommand.PeerUp(T.Peer(1, "192.0.2.1", 65001, new RecordingSender())),
            new RibCommand.PeerUp(T.Peer(2, "192.0.2.2", 65002, new RecordingSender())),
            new RibCommand.PeerUp(T.Peer(3, "192.0.2.3", 65003, new RecordingSender()) with { FourOctetAs = false }),
            new RibCommand.PeerUp(T.Peer(4, "192.0.2.4", 65004, new RecordingSender()) with { ExportPolicy = otherPolicy }),
            new RibCommand.PeerUp(T.Peer(5, "192.0.2.5", 65005, new RecordingSender()) with { SendCommunity = SendCommunity.Standard }));
        int Group(int id) => rib.Read(x => x.SnapshotNeighbor(id))!.UpdateGroups[V4];
        Assert.Equal(Group(1), Group(2));
        Assert.Equal(4, new[] { Group(2), Group(3), Group(4), Group(5) }.Distinct().Count());
    }
}
