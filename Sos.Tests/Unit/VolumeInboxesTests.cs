using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

/// <summary>A batch for several servers' inboxes: each inbox written once, the batch flushed, and an inbox that fails failing only its own copies.</summary>
public sealed class VolumeInboxesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sos-volumes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AnInboxThatCannotBeWrittenFailsItsOwnCopiesOnly()
    {
        var cluster = new BlobCluster(Options.Create(new BlobClusterOptions
        {
            BlobServers = ["a=http://127.0.0.1:1", "b=http://127.0.0.1:2"],
            Volumes = new(StringComparer.OrdinalIgnoreCase) { ["a"] = Volume("a"), ["b"] = Volume("b") },
        }));
        using var inboxes = new VolumeInboxes(cluster);
        var (a, b) = (cluster.Servers.Single(server => server.Name == "a"), cluster.Servers.Single(server => server.Name == "b"));
        // b's inbox is gone: its writer cannot start a segment there.
        Directory.Delete(Path.Combine(Volume("b"), StoreLayout.InboxFolder));
        var copies = new[] { Copy(1), Copy(2) };

        var answers = inboxes.Append([new InboxAppend(a, copies[0]), new InboxAppend(b, copies[1]), new InboxAppend(a, copies[1])]);

        Assert.Null(answers[0]);
        Assert.NotNull(answers[1]);
        Assert.Null(answers[2]);
        Assert.NotNull(inboxes.Recent(a, copies[0].Id));
        Assert.NotNull(inboxes.Recent(a, copies[1].Id));
        Assert.Null(inboxes.Recent(b, copies[1].Id));
        var segment = Assert.Single(StoreLayout.InboxSegments(Path.Combine(Volume("a"), StoreLayout.InboxFolder)));
        using var handle = File.OpenHandle(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Assert.Equal([copies[0].Id, copies[1].Id], new SegmentReader(handle).Records().Select(record => record.Header.Id));
    }

    private string Volume(string server)
    {
        var volume = Path.Combine(_root, server);
        Directory.CreateDirectory(Path.Combine(volume, StoreLayout.InboxFolder));
        return volume;
    }

    private static InboxCopy Copy(int seed)
    {
        var bytes = new byte[500];
        new Random(seed).NextBytes(bytes);
        return new InboxCopy(ObjectId.Of(bytes), bytes, new Dictionary<string, string>(), HybridTimestamp.FromTime(DateTimeOffset.UnixEpoch.AddDays(seed)));
    }
}
