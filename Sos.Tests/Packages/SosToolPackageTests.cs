using System.Reflection;
using Sos.Cli;
using Sos.Tests.Client;
using Sos.Tests.Deploy;

namespace Sos.Tests.Packages;

/// <summary>
/// The README's install of the <c>sos</c> command, as a user runs it: <c>dotnet pack</c> of
/// Sos.Cli into a folder, <c>dotnet tool install</c> from that folder, then the installed
/// command's help and a real put and get, against the in-test stand-in for Sos.
/// </summary>
[Trait("Category", "WholeSystem")]
public sealed class SosToolPackageTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sos-tool-").FullName;
    private FakeSos _sos = null!;

    public async Task InitializeAsync() => _sos = await FakeSos.StartAsync(apiKey: "k3y");

    public async Task DisposeAsync() => await _sos.DisposeAsync();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ThePackedToolInstallsFromAFolderAndItsSosCommandPutsAndGets()
    {
        var feed = Path.Combine(_directory, "nupkg");
        var tools = Path.Combine(_directory, "tools");
        // The build these tests run on (Sos.Tests references Sos.Cli), so --no-build packs what was
        // just built whatever -c the tests use, in seconds instead of a second build.
        var configuration = typeof(SosToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var cli = Path.Combine(PublishCommandFixture.RepositoryRoot, "Sos.Cli");

        var pack = await ChildProcess.RunAsync("dotnet", ["pack", cli, "--no-build", "-c", configuration, "-o", feed]);
        Assert.True(pack.ExitCode == 0, pack.Output);
        Assert.Equal(["Sos.Cli.1.0.0.nupkg"], Directory.GetFiles(feed).Select(Path.GetFileName));

        // Only the folder as a source, and a packages folder of its own: nothing is asked of any
        // other feed, and a package of the same version cached by an earlier run is never reused.
        var config = Path.Combine(_directory, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var install = await ChildProcess.RunAsync("dotnet", ["tool", "install", "Sos.Cli", "--tool-path", tools, "--configfile", config],
            environment: new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_directory, "packages") });
        Assert.True(install.ExitCode == 0, install.Output);
        var sos = Path.Combine(tools, OperatingSystem.IsWindows() ? "sos.exe" : "sos");

        var help = await ChildProcess.RunAsync(sos, ["--help"]);
        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        Assert.Contains("rm", help.StandardOutput);
        Assert.Contains("7    corrupt", help.StandardOutput);

        var environment = new Dictionary<string, string>
        {
            [SosCli.UploadUrlVariable] = _sos.Url.ToString(),
            [SosCli.DownloadUrlVariable] = _sos.Url.ToString(),
            [SosCli.ApiKeyVariable] = "k3y",
        };
        var bytes = TestBytes.Random(300_000, seed: 1);
        var id = TestBytes.IdOf(bytes).ToString();
        var file = Path.Combine(_directory, "a.bin");
        await File.WriteAllBytesAsync(file, bytes);
        var copy = Path.Combine(_directory, "copy.bin");

        var put = await ChildProcess.RunAsync(sos, ["put", file], environment: environment);
        var get = await ChildProcess.RunAsync(sos, ["get", id, "-o", copy], environment: environment);
        var missing = await ChildProcess.RunAsync(sos, ["get", new string('0', 40), "-o", copy], environment: environment);

        Assert.True(put.ExitCode == ExitCodes.Ok, put.Output);
        Assert.Equal($"{id}  {file}\n", put.StandardOutput);
        Assert.True(_sos.Holds(id));
        Assert.True(get.ExitCode == ExitCodes.Ok, get.Output);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(copy));
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.StartsWith("sos: ", missing.StandardError);
    }
}
