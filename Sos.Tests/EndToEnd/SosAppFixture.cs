using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// The real AppHost, started once for the whole-system tests, with its blob servers' data in
/// a temp directory the tests can look into. The in-app replicator is set to a day's interval
/// so that only the tests decide when a replication pass runs; the blob servers scrub
/// continuously, so that a damaged copy is quarantined within seconds.
/// </summary>
public sealed class SosAppFixture : IAsyncLifetime
{
    public const int BlobServerCount = 3;
    public const long DefaultMaxObjectBytes = 32L * 1024 * 1024;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    private readonly string[] _extraArgs;
    private readonly Action<IDistributedApplicationTestingBuilder>? _configure;
    private DistributedApplication? _app;

    /// <summary>The app of the shared test collection.</summary>
    public SosAppFixture()
        : this(DefaultMaxObjectBytes)
    {
    }

    private SosAppFixture(long maxObjectBytes, string[]? extraArgs = null, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        MaxObjectBytes = maxObjectBytes;
        _extraArgs = extraArgs ?? [];
        _configure = configure;
    }

    /// <summary>
    /// An app of its own, for a test that stops or kills parts of it, or that needs other AppHost
    /// arguments (<paramref name="extraArgs"/>) or resources changed before the start (<paramref name="configure"/>).
    /// </summary>
    public static SosAppFixture CreateOwn(
        long maxObjectBytes = DefaultMaxObjectBytes, string[]? extraArgs = null, Action<IDistributedApplicationTestingBuilder>? configure = null) =>
        new(maxObjectBytes, extraArgs, configure);

    public long MaxObjectBytes { get; }

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("sos-system-").FullName;

    /// <summary>Where the upload API spools bodies while it hashes them.</summary>
    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app has not started.");

    public HttpClient Upload { get; private set; } = null!;

    public HttpClient Download { get; private set; } = null!;

    /// <summary>The cluster's internal token this run generated, which the blob servers require.</summary>
    public string InternalToken { get; private set; } = "";

    /// <summary>The token that also removes copies and takes leases: the AppHost gives it only to the replicator.</summary>
    public string ReplicatorToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Sos_AppHost>(
        [
            $"--Sos:DataDirectory={DataDirectory}",
            $"--Sos:BlobServerCount={BlobServerCount}",
            $"--Sos:MaxObjectBytes={MaxObjectBytes}",
            "--Sos:ReplicatorInterval=1.00:00:00",
            // A scrub that finds a damaged copy within a second or two, over the tests' few megabytes.
            "--Sos:ScrubBytesPerSecond=50000000",
            "--Sos:ScrubInterval=00:00:00.500",
            "--Sos:ScrubStartDelay=00:00:00",
            .. _extraArgs,
        ]);
        // With the dashboard off nothing receives telemetry, and a service stopping would spend
        // its shutdown retrying exports to nowhere: these apps export none (unless configured below).
        foreach (var project in appHost.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
        }
        // The upload API's spool in this test's directory, so tests can see that it is left empty.
        appHost.CreateResourceBuilder<ProjectResource>("upload").WithEnvironment("Upload__SpoolDirectory", SpoolDirectory);
        _configure?.Invoke(appHost);
        _app = await appHost.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        InternalToken = await appHost.Resources.OfType<ParameterResource>().Single(p => p.Name == "blob-internal-token").GetValueAsync(timeout.Token) ?? "";
        ReplicatorToken = await appHost.Resources.OfType<ParameterResource>().Single(p => p.Name == "blob-replicator-token").GetValueAsync(timeout.Token) ?? "";
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("upload", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("download", timeout.Token);
        Upload = _app.CreateHttpClient("upload");
        Download = _app.CreateHttpClient("download");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>A client of blob server <paramref name="index"/> that presents the internal token, as the services do.</summary>
    public HttpClient BlobServer(int index)
    {
        var client = BlobServerWithoutToken(index);
        client.DefaultRequestHeaders.Authorization = new("Bearer", InternalToken);
        return client;
    }

    /// <summary>A client of blob server <paramref name="index"/> with the replicator's token: it may also remove copies, forget tombstones and mark the server seen.</summary>
    public HttpClient BlobServerAsReplicator(int index)
    {
        var client = BlobServerWithoutToken(index);
        client.DefaultRequestHeaders.Authorization = new("Bearer", ReplicatorToken);
        return client;
    }

    /// <summary>A client of blob server <paramref name="index"/> from outside the cluster: no internal token.</summary>
    public HttpClient BlobServerWithoutToken(int index) => App.CreateHttpClient($"blob{index}");

    /// <summary>Stops a blob server as the dashboard's Stop button does.</summary>
    public async Task StopBlobServerAsync(int index)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync($"blob{index}", KnownResourceCommands.StopCommand);
        Assert.True(result.Success, result.Message);
    }

    /// <summary>Starts a stopped blob server again and waits until it is healthy.</summary>
    public async Task StartBlobServerAsync(int index)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync($"blob{index}", KnownResourceCommands.StartCommand);
        Assert.True(result.Success, result.Message);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await App.ResourceNotifications.WaitForResourceHealthyAsync($"blob{index}", timeout.Token);
    }

    /// <summary>Kills a blob server's process outright: no graceful shutdown, requests cut mid-way.</summary>
    public void KillBlobServer(int index)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState($"blob{index}", out var state), $"blob{index} has no state");
        var pid = state.Snapshot.Properties.Single(property => property.Name == "executable.pid").Value;
        using var process = Process.GetProcessById(Convert.ToInt32(pid, global::System.Globalization.CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);
    }

    /// <summary>Temp files the blob servers hold: writes still staged or left half-written.</summary>
    public string[] StagedFiles() =>
        [.. Enumerable.Range(0, BlobServerCount)
            .Select(i => Path.Combine(DataDirectory, $"blob{i}", ".tmp"))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)];

    public Uri BlobServerUrl(int index) => App.GetEndpoint($"blob{index}", "http");

    /// <summary>Where blob server <paramref name="index"/> keeps the bytes of <paramref name="id"/>.</summary>
    public string CopyPath(int index, string id) => Path.Combine(DataDirectory, $"blob{index}", id[..2], id[2..4], id);

    /// <summary>The copies of <paramref name="id"/> that blob server <paramref name="index"/> has quarantined.</summary>
    public string[] QuarantinedCopies(int index, string id)
    {
        var quarantine = Path.Combine(DataDirectory, $"blob{index}", ".quarantine");
        return Directory.Exists(quarantine)
            ? [.. Directory.GetFiles(quarantine, $"{id}.*").Where(path => !path.EndsWith(".meta", StringComparison.Ordinal))]
            : [];
    }

    /// <summary>The blob servers that hold a copy of <paramref name="id"/> on disk.</summary>
    public int[] ServersHolding(string id) => [.. Enumerable.Range(0, BlobServerCount).Where(i => File.Exists(CopyPath(i, id)))];

    /// <summary>Runs the replicator once, as a separate process, against this app's blob servers.</summary>
    public Task<(int ExitCode, string Output)> RunReplicatorAsync(params string[] extraArgs) => RunReplicatorAsync(down: null, extraArgs);

    /// <summary>
    /// Runs the replicator once with blob server <paramref name="down"/> (if given) at an address
    /// where nothing listens: to the replicator, exactly a server that is down.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunReplicatorAsync(int? down, params string[] extraArgs)
    {
        var replicator = Path.Combine(AppContext.BaseDirectory, "Sos.Replicator.dll");
        // name=url: the servers keep the names placement knows them by inside the app.
        var servers = string.Join(",", Enumerable.Range(0, BlobServerCount)
            .Select(i => $"blob{i}={(i == down ? new Uri("http://127.0.0.1:9/") : BlobServerUrl(i))}"));
        var result = await ChildProcess.RunAsync("dotnet", [replicator, "--once", "--blob-server", servers, .. extraArgs],
            environment: new Dictionary<string, string> { ["Sos__InternalToken"] = ReplicatorToken });
        return (result.ExitCode, result.Output);
    }

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public static string Sha1Hex(byte[] bytes) => Convert.ToHexStringLower(TestBytes.Sha1(bytes));
}

[CollectionDefinition(Name)]
public sealed class SosAppDefinition : ICollectionFixture<SosAppFixture>
{
    public const string Name = "Sos app";
}
