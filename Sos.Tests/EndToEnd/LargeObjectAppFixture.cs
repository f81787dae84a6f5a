namespace Sos.Tests.EndToEnd;

/// <summary>An app of its own that takes objects of a few hundred MiB, for the command line's whole-system test.</summary>
public sealed class LargeObjectAppFixture : IAsyncLifetime
{
    public const long MaxObjectBytes = 512L * 1024 * 1024;

    public SosAppFixture Sos { get; } = SosAppFixture.CreateOwn(MaxObjectBytes);

    public Task InitializeAsync() => Sos.InitializeAsync();

    public Task DisposeAsync() => Sos.DisposeAsync();
}
