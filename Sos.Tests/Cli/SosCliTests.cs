using Sos.Cli;
using Sos.Tests.Client;

namespace Sos.Tests.Cli;

/// <summary>The <c>sos</c> command run in-process against an in-process stand-in for Sos: output, files, exit codes.</summary>
public sealed class SosCliTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sos-cli-").FullName;
    private FakeSos _sos = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        _sos = await FakeSos.StartAsync(apiKey: "k3y");
        _environment = new()
        {
            [SosCli.UploadUrlVariable] = _sos.Url.ToString(),
            [SosCli.DownloadUrlVariable] = _sos.Url.ToString(),
            [SosCli.ApiKeyVariable] = "k3y",
        };
    }

    public async Task DisposeAsync() => await _sos.DisposeAsync();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PutPrintsEachIdAndFileAndSaysWhatTheStoreAlreadyHad()
    {
        var a = WriteFile("a.bin", TestBytes.Random(70_000, seed: 1));
        var b = WriteFile("b.bin", TestBytes.Random(80_000, seed: 2));

        var first = await CliRun.RunAsync(_environment, "put", a);
        var second = await CliRun.RunAsync(_environment, "put", a, b, "-H", "X-Mime-Type: text/plain");

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Equal($"{Id(a)}  {a}\n", first.Out);
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Equal($"{Id(a)}  {a}\n{Id(b)}  {b}\n", second.Out);
        Assert.Contains($"{a}: already stored, nothing sent", second.Error);
        Assert.DoesNotContain(b, second.Error);
        Assert.Equal(150_000, _sos.BodyBytesRead);
    }

    [Fact]
    public async Task GetWritesTheCheckedObjectAndCatWritesItToStandardOutput()
    {
        var bytes = TestBytes.Random(500_000, seed: 3);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes, new() { ["X-Orig-Filename"] = "x.bin" });
        var path = Path.Combine(_directory, "out.bin");

        var get = await CliRun.RunAsync(_environment, "get", id, "-o", path);
        var cat = await CliRun.RunAsync(_environment, "cat", id);
        var stat = await CliRun.RunAsync(_environment, "stat", id);

        Assert.Equal(ExitCodes.Ok, get.ExitCode);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(ExitCodes.Ok, cat.ExitCode);
        Assert.Equal(bytes, cat.Bytes);
        Assert.Equal(ExitCodes.Ok, stat.ExitCode);
        Assert.Contains($"id: {id}\n", stat.Out);
        Assert.Contains("size: 500000\n", stat.Out);
        Assert.Contains("X-Orig-Filename: x.bin\n", stat.Out);
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("5B1FE44BB7DF2BC97664D0C4EF2DABF86DAF14CF")]
    public async Task ABadIdIsAUsageErrorAndAsksNothing(string id)
    {
        var run = await CliRun.RunAsync(_environment, "get", id);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("is not an object id", run.Error);
        Assert.Equal(0, _sos.FetchAttempts);
    }

    [Fact]
    public async Task RmDeletesEachIdAndSaysWhichWereNeverThere()
    {
        var a = TestBytes.Random(1000, seed: 5);
        var b = TestBytes.Random(1000, seed: 6);
        var idA = TestBytes.IdOf(a).ToString();
        var idB = TestBytes.IdOf(b).ToString();
        _sos.Put(idA, a);
        _sos.Put(idB, b);
        var unknown = new string('e', 40);

        var rm = await CliRun.RunAsync(_environment, "rm", idA, unknown, idB);
        var again = await CliRun.RunAsync(_environment, "rm", idA);
        var get = await CliRun.RunAsync(_environment, "get", idA, "-o", Path.Combine(_directory, "gone"));

        Assert.Equal(ExitCodes.NotFound, rm.ExitCode);
        Assert.Equal($"{idA}\n{idB}\n", rm.Out);
        Assert.Equal($"sos: {unknown}: No object {unknown} is stored.\n", rm.Error);
        Assert.False(_sos.Holds(idA) || _sos.Holds(idB));
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Equal($"{idA}\n", again.Out);
        Assert.Equal(ExitCodes.NotFound, get.ExitCode);
        Assert.Contains($"No object {idA} is stored", get.Error);
    }

    [Fact]
    public async Task RmChecksEveryIdBeforeItDeletesAny()
    {
        var bytes = TestBytes.Random(1000, seed: 7);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);

        var run = await CliRun.RunAsync(_environment, "rm", id, "not-an-id", id.ToUpperInvariant());

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("'not-an-id' is not an object id", run.Error);
        Assert.Contains($"'{id.ToUpperInvariant()}' is not an object id", run.Error);
        Assert.Equal(0, _sos.DeleteAttempts);
        Assert.True(_sos.Holds(id));
    }

    [Fact]
    public async Task EachFailureHasItsOwnExitCode()
    {
        var unknown = new string('0', 40);
        var rotten = TestBytes.Random(1000, seed: 4);
        var rottenId = TestBytes.IdOf(rotten).ToString();
        rotten[0] ^= 1;
        _sos.Put(rottenId, rotten);
        var file = WriteFile("a.bin", [1, 2, 3]);
        var nowhere = new Dictionary<string, string>
        {
            [SosCli.UploadUrlVariable] = "http://127.0.0.1:9",
            [SosCli.DownloadUrlVariable] = "http://127.0.0.1:9",
        };
        var corruptPath = Path.Combine(_directory, "corrupt.bin");

        Assert.Equal(ExitCodes.NotFound, (await CliRun.RunAsync(_environment, "stat", unknown)).ExitCode);
        Assert.Equal(ExitCodes.Unavailable, (await CliRun.RunAsync(nowhere, "stat", unknown)).ExitCode);
        Assert.Equal(ExitCodes.Unavailable, (await CliRun.RunAsync(nowhere, "put", file)).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync(_environment, "stat", unknown, "--download-url", "localhost:9992")).ExitCode);
        Assert.Equal(ExitCodes.Unauthorized, (await CliRun.RunAsync(_environment, "put", file, "--api-key", "wrong")).ExitCode);
        Assert.Equal(ExitCodes.Corrupt, (await CliRun.RunAsync(_environment, "get", rottenId, "-o", corruptPath)).ExitCode);
        Assert.False(File.Exists(corruptPath));
        Assert.Equal(ExitCodes.LocalFile, (await CliRun.RunAsync(_environment, "put", Path.Combine(_directory, "missing"))).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync(_environment, "put")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync(_environment, "put", file, "-H", "no-colon")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync(_environment, "rm")).ExitCode);
        Assert.Equal(ExitCodes.Unauthorized, (await CliRun.RunAsync(_environment, "rm", rottenId, "--api-key", "wrong")).ExitCode);
        Assert.True(_sos.Holds(rottenId));
        var unreachable = await CliRun.RunAsync(nowhere, "rm", rottenId);
        Assert.Equal(ExitCodes.Unavailable, unreachable.ExitCode);
        Assert.Contains($"sos: {rottenId}: Could not reach the upload API", unreachable.Error);
        _sos.FailNextDeletes(100);
        var belowQuorum = await CliRun.RunAsync(_environment, "rm", rottenId);
        Assert.Equal(ExitCodes.Unavailable, belowQuorum.ExitCode);
        Assert.Contains("Try again later", belowQuorum.Error);
    }

    [Fact]
    public async Task TheHelpListsTheExitCodes()
    {
        var run = await CliRun.RunAsync(_environment, "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("7    corrupt", run.Out);
        Assert.Contains(SosCli.ApiKeyVariable, run.Out);
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Id(string path) => TestBytes.IdOf(File.ReadAllBytes(path)).ToString();
}
