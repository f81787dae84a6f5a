namespace Sos.Core.Storage;

/// <summary>
/// One folder as its <see cref="FolderWatcher"/> sees it, as of the watcher's last
/// <see cref="FolderWatcher.Drain"/>: the names in it, and a count of its changes. Null while the
/// folder is not watched: the caller asks the file system.
/// </summary>
public sealed class FolderWatch
{
    private readonly Lock _lock;

    internal FolderWatch(string path, Lock watcherLock)
    {
        Path = path;
        _lock = watcherLock;
    }

    public string Path { get; }

    /// <summary>Whether the folder holds an entry named <paramref name="name"/>; null while it is not watched.</summary>
    public bool? Holds(string name)
    {
        lock (_lock)
        {
            return Descriptor >= 0 ? Names.Contains(name) : null;
        }
    }

    /// <summary>
    /// A number that grows with every change to the folder or to a file in it (a write included),
    /// and when its watch starts or stops; null while it is not watched. The same number twice means
    /// nothing there changed between the two drains it was read after.
    /// </summary>
    public long? Changed
    {
        get
        {
            lock (_lock)
            {
                return Descriptor >= 0 ? Changes : null;
            }
        }
    }

    internal int Descriptor { get; set; } = -1;

    internal FileIdentity? Identity { get; set; }

    internal long Changes { get; set; }

    internal HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}
