using Sos.Core.Storage;

namespace Sos.Tests.Unit;

/// <summary>Folders watched through the kernel: after a drain, what they hold and whether they changed is answered as the file system would answer it then.</summary>
public sealed class FolderWatcherTests : IDisposable
{
    // Longer than the watcher's interval between checks of its folders' paths.
    private static readonly TimeSpan PastCheckInterval = TimeSpan.FromMilliseconds(150);

    private readonly string _root = Directory.CreateTempSubdirectory("sos-watch-").FullName;
    private readonly FolderWatcher _watcher = new();

    public void Dispose()
    {
        _watcher.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void EntriesMadeBeforeAndAfterTheWatchStartsAreHeldUntilDeletedOrMovedOut()
    {
        var folder = Folder("tombstones");
        File.WriteAllText(Path.Combine(folder, "before"), "1");
        var watch = _watcher.Watch(folder);

        File.WriteAllText(Path.Combine(folder, "written"), "2");
        var staged = Path.Combine(_root, "staged");
        File.WriteAllText(staged, "3");
        File.Move(staged, Path.Combine(folder, "renamed-in"));
        _watcher.Drain();

        Assert.Equal(new bool?[] { true, true, true, false }, Holds(watch, "before", "written", "renamed-in", "never"));

        File.Delete(Path.Combine(folder, "before"));
        File.Move(Path.Combine(folder, "renamed-in"), staged);
        _watcher.Drain();

        Assert.Equal(new bool?[] { false, true, false }, Holds(watch, "before", "written", "renamed-in"));
    }

    [Fact]
    public void AWriteToAFileInTheFolderCountsAsAChangeAndNothingElseDoes()
    {
        var folder = Folder("log");
        var segment = Path.Combine(folder, "000001.log");
        File.WriteAllText(segment, "start");
        var watch = _watcher.Watch(folder);
        _watcher.Drain();
        var before = watch.Changed;

        File.ReadAllText(segment);
        _watcher.Drain();
        Assert.Equal(before, watch.Changed);

        File.AppendAllText(segment, "more");
        _watcher.Drain();
        Assert.NotNull(before);
        Assert.True(watch.Changed > before);
    }

    [Fact]
    public async Task AFolderThatIsNotThereIsNotAnsweredUntilItIsAndAgainOnceDeleted()
    {
        var folder = Path.Combine(_root, "later");
        var watch = _watcher.Watch(folder);
        _watcher.Drain();
        Assert.Null(watch.Holds("a"));
        Assert.Null(watch.Changed);

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a"), "1");
        await Task.Delay(PastCheckInterval);
        _watcher.Drain();
        Assert.True(watch.Holds("a"));

        Directory.Delete(folder, recursive: true);
        _watcher.Drain();
        Assert.Null(watch.Holds("a"));
    }

    [Fact]
    public async Task AnotherFolderPutInItsPlaceIsWatchedInstead()
    {
        var folder = Folder("tombstones");
        File.WriteAllText(Path.Combine(folder, "old"), "1");
        var watch = _watcher.Watch(folder);
        _watcher.Drain();
        Assert.True(watch.Holds("old"));

        Directory.Move(folder, Path.Combine(_root, "moved-away"));
        var replacement = Folder("tombstones");
        File.WriteAllText(Path.Combine(replacement, "new"), "2");
        _watcher.Drain();
        // The moved folder is no longer answered for; its path is watched again at the next check.
        Assert.Null(watch.Holds("old"));

        await Task.Delay(PastCheckInterval);
        File.WriteAllText(Path.Combine(replacement, "newer"), "3");
        _watcher.Drain();

        Assert.Equal(new bool?[] { false, true, true }, Holds(watch, "old", "new", "newer"));
        // What is written in the moved folder no longer counts.
        File.WriteAllText(Path.Combine(_root, "moved-away", "newest"), "4");
        _watcher.Drain();
        Assert.False(watch.Holds("newest"));
    }

    [Fact]
    public void AfterTheKernelsQueueOverflowedTheFolderIsListedAgain()
    {
        var folder = Folder("tombstones");
        File.WriteAllText(Path.Combine(folder, "kept"), "1");
        var watch = _watcher.Watch(folder);
        _watcher.Drain();
        var queued = int.Parse(File.ReadAllText("/proc/sys/fs/inotify/max_queued_events"), System.Globalization.CultureInfo.InvariantCulture);

        // More events than the queue holds, then one more change, which the kernel drops.
        for (var i = 0; i <= queued; i++)
        {
            File.Create(Path.Combine(folder, $"f{i}")).Dispose();
        }
        File.Delete(Path.Combine(folder, "kept"));
        _watcher.Drain();

        Assert.Equal(new bool?[] { false, true, true }, Holds(watch, "kept", "f0", $"f{queued}"));
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static bool?[] Holds(FolderWatch watch, params string[] names) => [.. names.Select(watch.Holds)];
}
