using System.Security.Cryptography;
using Aspire.Hosting.Testing;
using Sos.Cli;
using Sos.Tests.Cli;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// The <c>sos</c> command against the real system: a large file in and out, a second put that the
/// upload API's own received-bytes metric shows was never sent, a delete after which the object
/// is gone, and the errors a user meets.
/// </summary>
[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class CliWholeSystemTests(SosAppFixture sos) : IDisposable
{
    private const int Size = 200 * 1024 * 1024;
    private const string ReceivedBytes = "sos.upload.received_bytes";
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("sos-cli-system-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A200MiBFileGoesInAndComesBackByteIdenticalIsNeverSentTwiceAndIsGoneOnceRemoved()
    {
        var environment = new Dictionary<string, string>
        {
            [SosCli.UploadUrlVariable] = sos.App.GetEndpoint("upload", "http").ToString(),
            [SosCli.DownloadUrlVariable] = sos.App.GetEndpoint("download", "http").ToString(),
            [SosCli.ApiKeyVariable] = SosAppFixture.ApiKey,
        };
        var path = Path.Combine(_directory, "big.bin");
        var id = await WriteRandomFileAsync(path, Size);
        var copy = Path.Combine(_directory, "copy.bin");
        var before = await ReceivedAsync();

        var put = await CliRun.RunAsync(environment, "put", path);
        Assert.True(put.ExitCode == ExitCodes.Ok, put.Error);
        Assert.Equal($"{id}  {path}\n", put.Out);
        Assert.Equal(2, sos.ServersHolding(id).Length);
        var afterFirst = await ReceivedAsync();
        Assert.True(afterFirst - before >= Size, $"the upload API received {afterFirst - before} bytes of a {Size}-byte put");

        var get = await CliRun.RunAsync(environment, "get", id, "-o", copy);
        Assert.True(get.ExitCode == ExitCodes.Ok, get.Error);
        Assert.True(await SameBytesAsync(path, copy), "the file that came back differs from the one put");

        var again = await CliRun.RunAsync(environment, "put", path);
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Error);
        Assert.Equal($"{id}  {path}\n", again.Out);
        Assert.Contains("already stored, nothing sent", again.Error);
        // What the upload API itself counts as it reads bodies: the second put's came to nothing.
        var afterSecond = await ReceivedAsync();
        Assert.True(afterSecond - afterFirst == 0, $"the second put of the same file sent {afterSecond - afterFirst} body bytes");

        var stat = await CliRun.RunAsync(environment, "stat", id);
        Assert.True(stat.ExitCode == ExitCodes.Ok, stat.Error);
        Assert.Contains($"size: {Size}\n", stat.Out);

        var rm = await CliRun.RunAsync(environment, "rm", id);
        Assert.True(rm.ExitCode == ExitCodes.Ok, rm.Error);
        Assert.Equal($"{id}\n", rm.Out);
        var gone = Path.Combine(_directory, "gone.bin");
        var afterRm = await CliRun.RunAsync(environment, "get", id, "-o", gone);
        Assert.Equal(ExitCodes.NotFound, afterRm.ExitCode);
        Assert.Equal($"sos: No object {id} is stored.\n", afterRm.Error);
        Assert.False(File.Exists(gone));

        var unknown = await CliRun.RunAsync(environment, "get", new string('0', 40), "-o", Path.Combine(_directory, "none"));
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "none")));
        var neverStored = await CliRun.RunAsync(environment, "rm", new string('0', 40));
        Assert.Equal(ExitCodes.NotFound, neverStored.ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync(environment, "stat", id[..39])).ExitCode);
        var withoutKey = await CliRun.RunAsync(environment, "rm", id, "--api-key", "wrong");
        Assert.Equal(ExitCodes.Unauthorized, withoutKey.ExitCode);
        var unreachable = await CliRun.RunAsync(new() { [SosCli.DownloadUrlVariable] = "http://127.0.0.1:9" }, "stat", id);
        Assert.Equal(ExitCodes.Unavailable, unreachable.ExitCode);
        Assert.Contains("Could not reach the download API", unreachable.Error);
    }

    private async Task<double> ReceivedAsync() => await sos.Telemetry.CounterAsync("upload", ReceivedBytes, ExportTimeout);

    /// <summary>Writes <paramref name="size"/> reproducible random bytes and returns their SHA-1, computed on the way.</summary>
    private static async Task<string> WriteRandomFileAsync(string path, int size)
    {
        var random = new Random(17);
        var chunk = new byte[1024 * 1024];
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        await using var file = File.Create(path);
        for (var written = 0; written < size; written += chunk.Length)
        {
            random.NextBytes(chunk);
            sha1.AppendData(chunk);
            await file.WriteAsync(chunk);
        }
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    private static async Task<bool> SameBytesAsync(string left, string right)
    {
        await using var a = File.OpenRead(left);
        await using var b = File.OpenRead(right);
        if (a.Length != b.Length)
        {
            return false;
        }
        var x = new byte[1024 * 1024];
        var y = new byte[1024 * 1024];
        int read;
        while ((read = await a.ReadAtLeastAsync(x, x.Length, throwOnEndOfStream: false)) > 0)
        {
            await b.ReadExactlyAsync(y.AsMemory(0, read));
            if (!x.AsSpan(0, read).SequenceEqual(y.AsSpan(0, read)))
            {
                return false;
            }
        }
        return true;
    }
}
