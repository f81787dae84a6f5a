using System.Runtime.CompilerServices;
using Sos.Core.Objects;

namespace Sos.Replicator.Replication;

/// <summary>
/// The census of a pass as a stream: a k-way merge of the servers' listings, each in ascending id
/// order (the blob-server contract for <c>GET /blobs?after=&amp;limit=</c>). Every id comes out once,
/// with the set of servers that hold it, while only the current page of each listing is in
/// memory: a store of any size is walked in O(servers × page) memory, not one entry per object.
/// </summary>
internal static class ListingMerge
{
    /// <param name="listings">One listing per server, ascending; at most 64.</param>
    /// <param name="onFailure">
    /// Told when listing <c>i</c> fails or breaks its order. The merge goes on without it: what it
    /// listed so far was counted, its later objects are not.
    /// </param>
    /// <param name="cancellationToken">Ends the merge and every listing.</param>
    public static async IAsyncEnumerable<ListedObject> MergeAsync(
        IReadOnlyList<IAsyncEnumerable<ObjectId>> listings, Action<int, Exception> onFailure, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listings.Count, ReplicationPlanner.MaxServers, nameof(listings));
        var cursors = new IAsyncEnumerator<ObjectId>?[listings.Count];
        var heads = new ObjectId[listings.Count];
        try
        {
            for (var i = 0; i < listings.Count; i++)
            {
                cursors[i] = listings[i].GetAsyncEnumerator(cancellationToken);
                await AdvanceAsync(i, previous: null);
            }
            while (true)
            {
                // A linear scan beats a heap at a handful of servers, and there are at most 64.
                ObjectId? smallest = null;
                for (var i = 0; i < cursors.Length; i++)
                {
                    if (cursors[i] is not null && (smallest is null || heads[i] < smallest.Value))
                    {
                        smallest = heads[i];
                    }
                }
                if (smallest is not { } id)
                {
                    yield break;
                }
                ulong holders = 0;
                for (var i = 0; i < cursors.Length; i++)
                {
                    if (cursors[i] is not null && heads[i] == id)
                    {
                        holders |= ReplicationPlanner.Bit(i);
                        await AdvanceAsync(i, id);
                    }
                }
                yield return new ListedObject(id, holders);
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                if (cursor is not null)
                {
                    await cursor.DisposeAsync();
                }
            }
        }

        async ValueTask AdvanceAsync(int i, ObjectId? previous)
        {
            var cursor = cursors[i]!;
            Exception? failure = null;
            try
            {
                if (await cursor.MoveNextAsync())
                {
                    heads[i] = cursor.Current;
                    if (previous is null || heads[i] > previous.Value)
                    {
                        return;
                    }
                    // The merge relies on the order; a server that breaks it (say one that ignores
                    // the paging parameters) would otherwise be counted wrong or loop for ever.
                    failure = new InvalidDataException($"the listing is not in ascending id order ({heads[i]} after {previous})");
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }
            cursors[i] = null;
            await cursor.DisposeAsync();
            if (failure is not null)
            {
                onFailure(i, failure);
            }
        }
    }
}
