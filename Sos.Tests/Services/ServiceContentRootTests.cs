using System.Diagnostics;

namespace Sos.Tests.Services;

/// <summary>
/// Each service, started as a user starts it (<c>dotnet Sos.BlobServer.dll</c>) from a directory
/// that holds its store, takes its own directory as its content root, not that one: the host
/// watches its content root, subdirectories included, so a store under it would be scanned at
/// start and watched file by file.
/// </summary>
public sealed class ServiceContentRootTests : IDisposable
{
    private const string ContentRootLine = "Content root path:";

    private readonly string _startedFrom = Directory.CreateTempSubdirectory("sos-started-from-").FullName;

    [Theory]
    [InlineData("Sos.BlobServer")]
    [InlineData("Sos.UploadApi")]
    [InlineData("Sos.DownloadApi")]
    public async Task AServiceStartedFromAnotherDirectoryHasItsOwnDirectoryAsContentRoot(string service)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _startedFrom, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, service + ".dll"), "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["BlobStore__Root"] = "store"; // relative: under the directory it starts from
        start.Environment["Upload__SpoolDirectory"] = "spool";
        start.Environment["Sos__BlobServers__0"] = "blob0=http://127.0.0.1:1";

        using var process = Process.Start(start)!;
        try
        {
            var contentRoot = await ReadContentRootAsync(process).WaitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(contentRoot));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The content root the host logs as it starts.</summary>
    private static async Task<string> ReadContentRootAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var at = line.IndexOf(ContentRootLine, StringComparison.Ordinal);
            if (at >= 0)
            {
                return line[(at + ContentRootLine.Length)..].Trim();
            }
        }
        throw new InvalidOperationException($"The service ended without logging its content root: {await process.StandardError.ReadToEndAsync()}");
    }

    public void Dispose() => Directory.Delete(_startedFrom, recursive: true);
}
