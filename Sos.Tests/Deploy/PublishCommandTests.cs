using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sos.Tests.Deploy;

/// <summary>
/// The README's publish command, run as a user runs it (<c>dotnet run --project Sos.AppHost --
/// --publisher manifest</c>) with no configuration, and the README's "Deploy" section held to
/// what that manifest contains.
/// </summary>
[Trait("Category", "WholeSystem")]
public sealed class PublishCommandTests(PublishCommandFixture published) : IClassFixture<PublishCommandFixture>
{
    [Fact]
    public void ThePublishCommandWritesAJsonManifestOfTheDefaultCluster()
    {
        Assert.True(published.ExitCode == 0, published.Output);
        var resources = published.Manifest.RootElement.GetProperty("resources");
        Assert.All(resources.EnumerateObject(), resource => Assert.False(string.IsNullOrEmpty(resource.Value.GetProperty("type").GetString())));
        string[] names = [.. resources.EnumerateObject().Select(resource => resource.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(["blob-delete-token", "blob-internal-token", "blob-replicator-token", "blob0", "blob1", "blob2", "download", "replicator", "upload", "upload-api-key"], names);
    }

    [Fact]
    public void TheReadmeDeploySectionNamesEveryResourceOfTheManifest()
    {
        var deploy = PublishCommandFixture.ReadmeSection("Deploy");
        foreach (var resource in published.Manifest.RootElement.GetProperty("resources").EnumerateObject())
        {
            var mentioned = resource.Name.StartsWith("blob", StringComparison.Ordinal) && char.IsDigit(resource.Name[^1])
                ? deploy.Contains("`blob0`..`blob{N-1}`", StringComparison.Ordinal) || deploy.Contains($"`{resource.Name}`", StringComparison.Ordinal)
                : deploy.Contains($"`{resource.Name}`", StringComparison.Ordinal);
            Assert.True(mentioned, $"The README's Deploy section does not mention `{resource.Name}`.");
        }
    }

    [Fact]
    public void TheReadmeReplicatorRecipesUseTheManifestsArgumentsAndSettings()
    {
        var deploy = PublishCommandFixture.ReadmeSection("Deploy");
        var replicator = published.Manifest.RootElement.GetProperty("resources").GetProperty("replicator");
        foreach (var arg in replicator.GetProperty("args").EnumerateArray())
        {
            Assert.Contains(arg.GetString()!, deploy, StringComparison.Ordinal);
        }
        // The settings a scheduler must pass on (service-discovery plumbing and telemetry tuning aside).
        foreach (var variable in replicator.GetProperty("env").EnumerateObject().Where(v => v.Name.StartsWith("Sos__", StringComparison.Ordinal)))
        {
            Assert.True(deploy.Contains(variable.Name, StringComparison.Ordinal), $"The README's replicator recipes do not set {variable.Name}.");
        }
    }
}

public sealed class PublishCommandFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sos-publish-").FullName;
    private JsonDocument? _manifest;

    /// <summary>The AppHost's project directory.</summary>
    public static string AppHostProject { get; } = Path.GetFullPath(Projects.Sos_AppHost.ProjectPath);

    public static string RepositoryRoot { get; } =
        Path.GetDirectoryName(AppHostProject.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("The AppHost is at the file system's root.");

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    public JsonDocument Manifest => _manifest ?? throw new Xunit.Sdk.XunitException($"The publish command wrote no manifest:\n{Output}");

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_directory, "aspire-manifest.json");
        // The build this test runs against, so that --no-build finds it whatever -c the tests use.
        var configuration = typeof(PublishCommandFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var publish = await ChildProcess.RunAsync("dotnet",
            ["run", "--project", AppHostProject, "--no-build", "-c", configuration, "--", "--publisher", "manifest", "--output-path", path],
            workingDirectory: RepositoryRoot);
        ExitCode = publish.ExitCode;
        Output = publish.Output;
        if (File.Exists(path))
        {
            await using var file = File.OpenRead(path);
            _manifest = await JsonDocument.ParseAsync(file);
        }
    }

    public Task DisposeAsync()
    {
        _manifest?.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The text of the README's <c>## {title}</c> section, up to the next <c>## </c> heading.</summary>
    public static string ReadmeSection(string title)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot, "README.md"));
        var match = Regex.Match(readme, $@"^## {Regex.Escape(title)}\s*$(?<body>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(match.Success, $"README.md has no '## {title}' section.");
        return match.Groups["body"].Value;
    }
}
