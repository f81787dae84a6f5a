using System.Text.Json;

namespace Sos.Tests.Deploy;

/// <summary>
/// Each service's SDK container settings as the SDK itself computes them (its
/// <c>ComputeContainerConfig</c> target, which validates names without pulling a base image;
/// <c>PublishContainer</c> itself needs a registry this machine cannot reach).
/// </summary>
[Trait("Category", "WholeSystem")]
public sealed class ContainerImageConfigurationTests
{
    [Theory]
    [InlineData("Sos.BlobServer", "sos-blobserver", "8080")]
    [InlineData("Sos.UploadApi", "sos-upload", "8080")]
    [InlineData("Sos.DownloadApi", "sos-download", "8080")]
    [InlineData("Sos.Replicator", "sos-replicator", null)]
    public async Task EachServiceBuildsANonRootImageOnTheAspNetBase(string project, string repository, string? port)
    {
        var csproj = Path.Combine(PublishCommandFixture.RepositoryRoot, project, project + ".csproj");
        var msbuild = await ChildProcess.RunAsync("dotnet",
            ["msbuild", csproj, "-t:ComputeContainerConfig", "-getProperty:ContainerRepository",
             "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser", "-getItem:ContainerPort"]);
        Assert.True(msbuild.ExitCode == 0, msbuild.Output);
        var output = msbuild.StandardOutput;

        using var result = JsonDocument.Parse(output);
        var properties = result.RootElement.GetProperty("Properties");
        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString());
        Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
        string[] ports = [.. result.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
            .Select(item => item.GetProperty("Identity").GetString()!)];
        Assert.Equal(port is null ? [] : [port], ports);
    }
}
