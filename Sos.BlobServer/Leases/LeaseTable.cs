using System.Text.Json;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;

namespace Sos.BlobServer.Leases;

/// <summary>
/// Leases that let one replicator at a time do work that must not overlap (rebalancing). Each
/// is a small file in <c>root/.leases</c>, replaced atomically, so a restarted server still knows
/// who holds what until it expires; expiry is by wall clock.
/// </summary>
public sealed class LeaseTable
{
    private const string Folder = ".leases";

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public LeaseTable(IOptions<BlobStoreOptions> options, TimeProvider time)
    {
        _directory = Path.Combine(Path.GetFullPath(options.Value.Root), Folder);
        _time = time;
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Names are plain words, so they are safe as file names.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name[0] != '.';

    /// <summary>Takes or renews the lease; returns the lease as it now stands and whether <paramref name="holder"/> holds it.</summary>
    public (bool Held, Lease Lease) Acquire(string name, string holder, TimeSpan duration)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (Read(name) is { } current && current.Holder != holder && current.Expires > now)
            {
                return (false, current);
            }
            var lease = new Lease(name, holder, now + duration);
            Write(lease);
            return (true, lease);
        }
    }

    /// <summary>Releases the lease if <paramref name="holder"/> holds it (or nobody does); false when another holder holds it.</summary>
    public bool Release(string name, string holder)
    {
        lock (_lock)
        {
            if (Read(name) is { } current && current.Holder != holder && current.Expires > _time.GetUtcNow())
            {
                return false;
            }
            File.Delete(PathOf(name));
            return true;
        }
    }

    private string PathOf(string name) => Path.Combine(_directory, name);

    private Lease? Read(string name)
    {
        try
        {
            return JsonSerializer.Deserialize<Lease>(File.ReadAllBytes(PathOf(name)));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null; // a damaged lease file holds nothing
        }
    }

    private void Write(Lease lease)
    {
        var temp = PathOf(lease.Name) + ".new";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(JsonSerializer.SerializeToUtf8Bytes(lease));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, PathOf(lease.Name), overwrite: true);
        FsyncCommitter.FlushDirectory(_directory);
    }
}
