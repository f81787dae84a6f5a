using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Replicator.Cluster;

namespace Sos.Tests.Unit;

/// <summary>
/// A store of many objects over a few blob servers, made up without disks: object <c>k</c> has an
/// id that sorts by <c>k</c>, and a mask of the servers holding it, chosen by kind (at its
/// preferred servers, one copy short, one copy on a handoff server, one copy too many).
/// </summary>
internal sealed class SyntheticStore
{
    public const int MinCopies = 2;

    private readonly byte[] _holders;
    private readonly ulong[] _idTails;

    public SyntheticStore(int objects, int servers, int seed)
    {
        Servers = [.. Enumerable.Range(0, servers).Select(i => Core.Placement.BlobServer.Parse($"http://blob{i}"))];
        _holders = new byte[objects];
        _idTails = new ulong[objects];
        var random = new Random(seed);
        for (var k = 0; k < objects; k++)
        {
            _idTails[k] = (ulong)random.NextInt64();
            var ranked = Rendezvous.Rank(Servers, Id(k));
            int Index(int rank) => int.Parse(ranked[rank].Name.AsSpan(4), CultureInfo.InvariantCulture);
            var kind = random.Next(100);
            int[] holders = kind switch
            {
                < 80 => [Index(0), Index(1)],
                < 88 => [Index(0)],
                < 95 => [Index(0), Index(random.Next(2, servers))],
                _ => [Index(0), Index(1), Index(random.Next(2, servers))],
            };
            foreach (var server in holders)
            {
                _holders[k] |= (byte)(1 << server);
            }
            Kinds[kind switch { < 80 => 0, < 88 => 1, < 95 => 2, _ => 3 }]++;
        }
    }

    public IReadOnlyList<Core.Placement.BlobServer> Servers { get; }

    public int Count => _holders.Length;

    /// <summary>How many objects of each kind: in place, one copy short, one copy on a handoff server, one copy too many.</summary>
    public int[] Kinds { get; } = new int[4];

    public int InPlace => Kinds[0];

    public int OneCopyShort => Kinds[1];

    public int OnAHandoffServer => Kinds[2];

    public int OneCopyTooMany => Kinds[3];

    public ulong HoldersOf(int k) => _holders[k];

    public ObjectId Id(int k)
    {
        Span<byte> bytes = stackalloc byte[ObjectId.ByteLength];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)k << 32);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _idTails[k]);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[16..], (uint)k);
        return ObjectId.FromDigest(bytes);
    }

    public static int IndexOf(ObjectId id)
    {
        Span<byte> bytes = stackalloc byte[ObjectId.ByteLength];
        id.WriteBytes(bytes);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 32);
    }

    /// <summary>Server <paramref name="server"/>'s listing, in ascending id order.</summary>
    public async IAsyncEnumerable<ObjectId> ListAsync(int server, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        for (var k = 0; k < Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if ((_holders[k] & (1 << server)) != 0)
            {
                yield return Id(k);
            }
        }
    }

    /// <summary>The blob servers' paged listing over HTTP, answered from this store: the wire format without the network.</summary>
    public HttpMessageHandler ListingHandler() => new Handler(this);

    /// <summary>The replicator's adapter over the cluster layer over <see cref="ListingHandler"/>: what a dry run asks goes through the real wire code.</summary>
    public BlobServerAdapter Adapter() => new(StubCluster.Client(ListingHandler(), Servers), NullLogger<BlobServerAdapter>.Instance);

    private sealed class Handler(SyntheticStore store) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var server = int.Parse(uri.Host.AsSpan(4), CultureInfo.InvariantCulture);
            if (uri.AbsolutePath == "/identity")
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent($"{{\"id\":\"{server:x32}\"}}", Encoding.UTF8, "application/json"),
                });
            }
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            var limit = int.Parse(query["limit"]!, CultureInfo.InvariantCulture);
            var k = query["after"] is { } after ? IndexOf(ObjectId.Parse(after)) + 1 : 0;
            var json = new StringBuilder("[");
            for (var listed = 0; k < store.Count && listed < limit; k++)
            {
                if ((store._holders[k] & (1 << server)) != 0)
                {
                    json.Append(listed++ == 0 ? "\"" : ",\"").Append(store.Id(k).ToString()).Append('"');
                }
            }
            json.Append(']');
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json"),
            });
        }
    }
}
