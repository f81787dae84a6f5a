using Sos.BlobServer.Storage;

namespace Sos.Tests.Unit;

public sealed class LibcRenameTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sos-rename-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AReplaceMovesTheFileOverTheOneInItsPlace()
    {
        var source = Path.Combine(_root, "staged");
        var destination = Path.Combine(_root, "final");
        File.WriteAllText(source, "new");
        File.WriteAllText(destination, "old");

        Libc.Replace(source, destination);

        Assert.False(File.Exists(source));
        Assert.Equal("new", File.ReadAllText(destination));
    }

    [Fact]
    public void AReplaceOfAMissingFileFailsAndLeavesTheDestinationAsItWas()
    {
        var destination = Path.Combine(_root, "final");
        File.WriteAllText(destination, "old");

        Assert.Throws<FileNotFoundException>(() => Libc.Replace(Path.Combine(_root, "missing"), destination));
        Assert.Equal("old", File.ReadAllText(destination));
    }

    [Fact]
    public void AReplaceOverADirectoryFails()
    {
        var source = Path.Combine(_root, "staged");
        var directory = Directory.CreateDirectory(Path.Combine(_root, "shard")).FullName;
        File.WriteAllText(source, "new");

        Assert.ThrowsAny<IOException>(() => Libc.Replace(source, directory));
        Assert.True(File.Exists(source));
        Assert.True(Directory.Exists(directory));
    }
}
