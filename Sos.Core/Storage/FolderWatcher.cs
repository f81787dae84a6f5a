using System.Runtime.InteropServices;
using System.Text;

namespace Sos.Core.Storage;

/// <summary>
/// Folders watched through one inotify instance, so that questions about what they hold (has this
/// server a tombstone of the id, did its log change since it was last read) cost one read of the
/// kernel's queue for all of them, at <see cref="Drain"/>, instead of a path walk for each.
/// </summary>
/// <remarks>
/// <para>
/// The kernel queues a folder's event before the call that changed the folder returns, so once
/// <see cref="Drain"/> returns, every change finished before it began is applied: answers are as
/// exact as asking the file system at that moment. That holds for changes made on this machine's
/// kernel, which is where a volume that this process reads is written (a file system shared
/// between machines sends no events for the other machine's writes).
/// </para>
/// <para>
/// A folder is answered null, and its caller asks the file system as before, while it is not
/// watched: it does not exist yet, it was deleted or moved, another folder or a disk now sits at
/// its path (which sends no event: checked every <see cref="CheckInterval"/>), or this is not
/// Linux. Every <see cref="CheckInterval"/> a folder not watched is tried again. When the queue
/// overflowed, every watched folder is listed again.
/// </para>
/// </remarks>
public sealed partial class FolderWatcher : IDisposable
{
    // inotify(7): the events asked for, and those the kernel adds on its own.
    private const uint Modified = 0x2;
    private const uint MovedFrom = 0x40;
    private const uint MovedTo = 0x80;
    private const uint Created = 0x100;
    private const uint Deleted = 0x200;
    private const uint SelfDeleted = 0x400;
    private const uint SelfMoved = 0x800;
    private const uint Unmounted = 0x2000;
    private const uint Overflowed = 0x4000;
    private const uint Ignored = 0x8000;
    private const uint OnlyDirectory = 0x1000000;
    private const uint Asked = Modified | MovedFrom | MovedTo | Created | Deleted | SelfDeleted | SelfMoved | OnlyDirectory;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;
    private const int EventHeaderBytes = 16;
    private const int Empty = 11; // EAGAIN: nothing queued
    private const int Interrupted = 4; // EINTR

    /// <summary>How often every folder is checked to be the one at its path, and one not watched tried again, in milliseconds.</summary>
    private const long CheckInterval = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, FolderWatch> _folders = new(StringComparer.Ordinal);
    private readonly Dictionary<int, FolderWatch> _byWatch = [];
    private readonly byte[] _events = new byte[16 * 1024];
    // The inotify instance, made with the first watch: a process that watches nothing (its
    // servers' directories are elsewhere) holds none and reads no queue.
    private int _descriptor = -1;
    private bool _made;
    private long _checkedAt;

    /// <summary>The watch of <paramref name="folder"/> (one per path), watched from now where it can be.</summary>
    public FolderWatch Watch(string folder)
    {
        lock (_lock)
        {
            if (!_made)
            {
                _made = true;
                _descriptor = OperatingSystem.IsLinux() ? InotifyInit(NonBlocking | CloseOnExec) : -1;
            }
            if (!_folders.TryGetValue(folder, out var watch))
            {
                watch = new FolderWatch(folder, _lock);
                _folders[folder] = watch;
                Start(watch);
            }
            return watch;
        }
    }

    /// <summary>
    /// Applies every change the kernel reported since the last call: each answer of a
    /// <see cref="FolderWatch"/> after this returns is as of this call or later. One call serves
    /// every question of one request.
    /// </summary>
    public void Drain()
    {
        lock (_lock)
        {
            if (_descriptor < 0)
            {
                return;
            }
            var overflowed = false;
            while (true)
            {
                var read = (int)ReadEvents(_descriptor, ref MemoryMarshal.GetArrayDataReference(_events), (nuint)_events.Length);
                if (read > 0)
                {
                    overflowed |= Apply(_events.AsSpan(0, read));
                    continue;
                }
                var error = Marshal.GetLastPInvokeError();
                if (read < 0 && error == Interrupted)
                {
                    continue;
                }
                // Anything but an empty queue may have left events unread: handled as an overflow.
                overflowed |= read == 0 || error != Empty;
                break;
            }
            if (overflowed)
            {
                // Events were lost: what is there now is listed again (a folder that cannot be is
                // no longer watched), and every folder counts as changed.
                foreach (var watch in _folders.Values.Where(watch => watch.Descriptor >= 0))
                {
                    if (!List(watch))
                    {
                        Stop(watch);
                    }
                }
            }
            if (Environment.TickCount64 - _checkedAt >= CheckInterval)
            {
                _checkedAt = Environment.TickCount64;
                foreach (var watch in _folders.Values)
                {
                    if (watch.Descriptor < 0 || FileIdentity.Of(watch.Path) != watch.Identity)
                    {
                        Stop(watch);
                        Start(watch);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var watch in _folders.Values)
            {
                Stop(watch);
            }
            DirectorySync.CloseDescriptor(_descriptor);
            _descriptor = -1;
            _made = true;
        }
    }

    /// <summary>Applies a read's events; true when the queue had overflowed.</summary>
    private bool Apply(ReadOnlySpan<byte> events)
    {
        var overflowed = false;
        while (events.Length >= EventHeaderBytes)
        {
            var descriptor = MemoryMarshal.Read<int>(events);
            var mask = MemoryMarshal.Read<uint>(events[4..]);
            var nameBytes = (int)MemoryMarshal.Read<uint>(events[12..]);
            var name = events.Slice(EventHeaderBytes, nameBytes);
            events = events[(EventHeaderBytes + nameBytes)..];
            overflowed |= (mask & Overflowed) != 0;
            if (!_byWatch.TryGetValue(descriptor, out var watch))
            {
                continue;
            }
            watch.Changes++;
            if ((mask & (SelfDeleted | SelfMoved | Unmounted | Ignored)) != 0)
            {
                Stop(watch);
                continue;
            }
            var terminated = name.IndexOf((byte)0);
            var entry = Encoding.UTF8.GetString(terminated >= 0 ? name[..terminated] : name);
            if ((mask & (Created | MovedTo)) != 0)
            {
                watch.Names.Add(entry);
            }
            else if ((mask & (Deleted | MovedFrom)) != 0)
            {
                watch.Names.Remove(entry);
            }
        }
        return overflowed;
    }

    /// <summary>Watches the folder at its path, then lists it: a change during the listing is applied again at the next drain, to the same end.</summary>
    private void Start(FolderWatch watch)
    {
        if (_descriptor < 0 || FileIdentity.Of(watch.Path) is not { } identity)
        {
            return;
        }
        var descriptor = AddWatch(_descriptor, watch.Path, Asked);
        if (descriptor < 0 || _byWatch.ContainsKey(descriptor))
        {
            // Not a folder, gone meanwhile, or one watched already under another path.
            return;
        }
        watch.Descriptor = descriptor;
        _byWatch[descriptor] = watch;
        if (!List(watch) || FileIdentity.Of(watch.Path) != identity)
        {
            Stop(watch);
            return;
        }
        watch.Identity = identity;
    }

    private static bool List(FolderWatch watch)
    {
        watch.Changes++;
        watch.Names.Clear();
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(watch.Path))
            {
                watch.Names.Add(Path.GetFileName(entry));
            }
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Stop(FolderWatch watch)
    {
        if (watch.Descriptor < 0)
        {
            return;
        }
        _byWatch.Remove(watch.Descriptor);
        // Fails when the kernel removed it already (a deleted folder), to no harm.
        _ = RemoveWatch(_descriptor, watch.Descriptor);
        watch.Descriptor = -1;
        watch.Identity = null;
        watch.Changes++;
        watch.Names.Clear();
    }

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AddWatch(int descriptor, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch")]
    private static partial int RemoveWatch(int descriptor, int watch);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadEvents(int descriptor, ref byte buffer, nuint count);
}
