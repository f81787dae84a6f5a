using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// One app shared by the tests that stop or kill blob servers, apart from the shared app whose
/// tests expect every server up. Each test brings back what it broke
/// (<see cref="SosAppFixture.RestoreBlobServersAsync"/>), so the tests run in any order; each
/// checks only the objects it uploaded itself. It takes objects of about a hundred MiB, for uploads
/// and downloads cut by a dying server, and keeps the blob servers' default scrub, which nothing
/// here waits for. The download API rechecks cached objects after <see cref="RecheckAfter"/>, so
/// a test sees a delete reach its cache quickly.
/// </summary>
public sealed class OutageAppFixture : IAsyncLifetime
{
    public const long MaxObjectBytes = 128L * 1024 * 1024;

    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(1);

    public SosAppFixture Sos { get; } = SosAppFixture.CreateOwn(MaxObjectBytes, scrubContinuously: false, configure: app =>
        app.CreateResourceBuilder<ProjectResource>("download").WithEnvironment("Download__Cache__RecheckAfter", RecheckAfter.ToString()));

    public Task InitializeAsync() => Sos.InitializeAsync();

    public Task DisposeAsync() => Sos.DisposeAsync();
}

/// <summary>
/// The app for outages: a test class that stops or kills blob servers joins with
/// <c>[Collection(OutageAppDefinition.Name)]</c>, takes an <see cref="OutageAppFixture"/>, and
/// restores the servers before each test ends.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OutageAppDefinition : ICollectionFixture<OutageAppFixture>
{
    public const string Name = "Sos app for outages";
}
