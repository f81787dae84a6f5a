using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// One app of its own shared by the delete tests that stop, kill or age blob servers: each test
/// leaves every server running and trusted, so they run in any order. The download API rechecks
/// cached objects after <see cref="RecheckAfter"/>, so a test sees a delete reach its cache quickly.
/// </summary>
public sealed class OutageAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(1);

    public SosAppFixture Sos { get; } = SosAppFixture.CreateOwn(configure: app =>
        app.CreateResourceBuilder<ProjectResource>("download").WithEnvironment("Download__Cache__RecheckAfter", RecheckAfter.ToString()));

    public Task InitializeAsync() => Sos.InitializeAsync();

    public Task DisposeAsync() => Sos.DisposeAsync();
}
