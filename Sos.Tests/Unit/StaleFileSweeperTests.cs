using Sos.Core.Files;

namespace Sos.Tests.Unit;

public sealed class StaleFileSweeperTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sos-sweep-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void OnlyFilesUnchangedForLongerThanTheMaximumAgeAreRemoved()
    {
        var now = DateTime.UtcNow;
        var stale = Path.Combine(_directory.FullName, "stale");
        var fresh = Path.Combine(_directory.FullName, "fresh");
        File.WriteAllBytes(stale, [1]);
        File.WriteAllBytes(fresh, [2]);
        File.SetLastWriteTimeUtc(stale, now.AddHours(-2));
        File.SetLastWriteTimeUtc(fresh, now.AddMinutes(-5));

        var removed = StaleFileSweeper.Sweep(_directory.FullName, TimeSpan.FromHours(1), now);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void AMissingDirectoryIsNothingToSweep() =>
        Assert.Equal(0, StaleFileSweeper.Sweep(Path.Combine(_directory.FullName, "absent"), TimeSpan.Zero, DateTime.UtcNow));
}
