using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sos.Bench;

/// <summary>
/// Writes made durable one by one, each by the textbook sequence (temp file, fsync, rename,
/// fsync of the directory), on many threads at once: what a store without group commit can do
/// on this disk. The kernel already merges concurrent journal commits, so this is the honest
/// ceiling to beat, not a strawman.
/// </summary>
internal static partial class NaiveDurableWrites
{
    public static async Task<double> MeasureAsync(string directory, int threads, TimeSpan duration, int size, CancellationToken cancellationToken)
    {
        var root = Path.Combine(directory, $"naive-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            stop.CancelAfter(duration);
            var writers = Enumerable.Range(0, threads)
                .Select(writer => Task.Factory.StartNew(() => WriteUntil(root, writer, size, stop.Token), TaskCreationOptions.LongRunning))
                .ToArray();
            var written = (await Task.WhenAll(writers)).Sum();
            return written / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static long WriteUntil(string root, int writer, int size, CancellationToken stop)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var directory = OpenDirectory(root);
        try
        {
            long written = 0;
            while (!stop.IsCancellationRequested)
            {
                var temp = Path.Combine(root, $"{writer}.{written}.tmp");
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    file.Write(bytes);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, Path.Combine(root, $"{writer}.{written}"));
                if (Fsync(directory) != 0)
                {
                    throw new IOException($"fsync of {root} failed (errno {Marshal.GetLastPInvokeError()}).");
                }
                written++;
            }
            return written;
        }
        finally
        {
            _ = Close(directory);
        }
    }

    private static int OpenDirectory(string path)
    {
        var fd = Open(path, 0 /* O_RDONLY */);
        return fd >= 0 ? fd : throw new IOException($"Cannot open {path} (errno {Marshal.GetLastPInvokeError()}).");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
