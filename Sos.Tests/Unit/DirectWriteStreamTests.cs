using System.Runtime.InteropServices;
using Sos.BlobServer.Storage;

namespace Sos.Tests.Unit;

public sealed class DirectWriteStreamTests : IDisposable
{
    private const int O_DIRECT_X64 = 0x4000;

    private readonly string _root = Directory.CreateTempSubdirectory("sos-direct-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(2 * 1024 * 1024)]
    [InlineData(2 * 1024 * 1024 + 1)]
    [InlineData(5 * 1024 * 1024 + 123)]
    public async Task TheFileHoldsExactlyTheBytesWrittenWhateverTheirLength(int length)
    {
        var bytes = TestBytes.Random(length, seed: length);
        // The length announced sizes the buffers: unknown, right, or too small (a body that runs on).
        foreach (var expected in new long?[] { null, length, length / 3 + 1 })
        {
            var path = Path.Combine(_root, Guid.NewGuid().ToString("N"));
            await using (var file = Create(path, expected))
            {
                // Pieces of uneven sizes, as a network body arrives.
                for (var at = 0; at < length;)
                {
                    var piece = Math.Min(length - at, 1 + (int)((long)at * 7919 % 100_000));
                    await file.WriteAsync(bytes.AsMemory(at, piece));
                    at += piece;
                }
                await file.FlushAsync();
                Assert.Equal(length, file.Length);
            }

            Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        }
    }

    [LinuxX64Fact]
    public async Task TheFileIsOpenForDirectWrites()
    {
        await using var file = Create(Path.Combine(_root, "copy"));

        var flags = File.ReadAllLines($"/proc/self/fdinfo/{file.Handle.DangerousGetHandle()}").Single(line => line.StartsWith("flags:", StringComparison.Ordinal));

        Assert.NotEqual(0, Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & O_DIRECT_X64);
    }

    [Fact]
    public void AFileThatExistsIsNotOverwritten()
    {
        var path = Path.Combine(_root, "copy");
        File.WriteAllText(path, "held");

        Assert.Throws<IOException>(() => DirectWriteStream.TryCreate(path));
        Assert.Equal("held", File.ReadAllText(path));
    }

    [Fact]
    public async Task NothingIsWrittenAfterTheFlushThatCompletedTheFile()
    {
        await using var file = Create(Path.Combine(_root, "copy"));
        await file.WriteAsync(new byte[10]);
        await file.FlushAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await file.WriteAsync(new byte[1]));
    }

    private static DirectWriteStream Create(string path, long? expectedLength = null) =>
        DirectWriteStream.TryCreate(path, expectedLength) ?? throw new InvalidOperationException($"The file system under {path} does not take direct writes; these tests need one that does (ext4, xfs).");

    private sealed class LinuxX64FactAttribute : FactAttribute
    {
        public LinuxX64FactAttribute()
        {
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                Skip = "the O_DIRECT flag checked is x86-64 Linux's";
            }
        }
    }
}
