using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sos.Core.Storage;
using Sos.Tests.Telemetry;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// The real AppHost, with its blob servers' data in a temp directory the tests can look into. The
/// in-app replicator is set to a day's interval so that only the tests decide when a replication
/// pass runs.
/// </summary>
/// <remarks>
/// A start costs every service's process and most of a minute on a busy machine, so whole-system
/// tests share apps: the shared app of the <see cref="SosAppDefinition"/> collection (this type's
/// public constructor) for tests that only read and write objects, and the
/// <see cref="OutageAppFixture"/> for tests that stop or kill blob servers.
/// </remarks>
public sealed class SosAppFixture : IAsyncLifetime
{
    public const int BlobServerCount = 3;
    public const long DefaultMaxObjectBytes = 32L * 1024 * 1024;

    /// <summary>The largest object the shared app takes: room for the command line's 200 MiB file.</summary>
    public const long SharedMaxObjectBytes = 512L * 1024 * 1024;

    /// <summary>The shared app's upload API key, set as a user sets it (<c>--Parameters:upload-api-key</c>).</summary>
    public const string ApiKey = "test-upload-key-7d0c9a";

    // Most of a minute on a quiet machine; a machine that builds beside the tests takes a few.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    private readonly string? _apiKey;
    private readonly bool _scrubContinuously;
    private readonly string[] _extraArgs;
    private readonly Action<IDistributedApplicationTestingBuilder>? _configure;
    private readonly OtlpReceiver? _telemetry;
    private readonly HashSet<int> _broken = [];
    private DistributedApplication? _app;

    /// <summary>
    /// The shared app: its upload API requires <see cref="ApiKey"/> (which <see cref="Upload"/>
    /// presents), every service exports its telemetry to <see cref="Telemetry"/>, it takes objects
    /// up to <see cref="SharedMaxObjectBytes"/>, and the blob servers scrub continuously, so that a
    /// damaged copy is quarantined within seconds.
    /// </summary>
    public SosAppFixture()
        : this(SharedMaxObjectBytes, ApiKey, exportTelemetry: true, scrubContinuously: true)
    {
    }

    private SosAppFixture(
        long maxObjectBytes, string? apiKey, bool exportTelemetry, bool scrubContinuously,
        string[]? extraArgs = null, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        MaxObjectBytes = maxObjectBytes;
        _apiKey = apiKey;
        _telemetry = exportTelemetry ? new OtlpReceiver() : null;
        _scrubContinuously = scrubContinuously;
        _extraArgs = extraArgs ?? [];
        _configure = configure;
    }

    /// <summary>
    /// An app of its own, with no API key and no telemetry: for tests that stop or kill parts of it
    /// (see <see cref="OutageAppFixture"/>), or that need other AppHost arguments
    /// (<paramref name="extraArgs"/>) or resources changed before the start (<paramref name="configure"/>).
    /// Unless <paramref name="scrubContinuously"/>, the blob servers keep their default scrub, which
    /// starts long after a test run ends.
    /// </summary>
    public static SosAppFixture CreateOwn(
        long maxObjectBytes = DefaultMaxObjectBytes, bool scrubContinuously = true,
        string[]? extraArgs = null, Action<IDistributedApplicationTestingBuilder>? configure = null) =>
        new(maxObjectBytes, apiKey: null, exportTelemetry: false, scrubContinuously, extraArgs, configure);

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

    /// <summary>The spans, metrics and logs the services exported; only the shared app exports any.</summary>
    public OtlpReceiver Telemetry => _telemetry ?? throw new InvalidOperationException("This app exports no telemetry.");

    public async Task InitializeAsync()
    {
        if (_telemetry is not null)
        {
            await _telemetry.StartAsync();
        }
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Sos_AppHost>(
        [
            $"--Sos:DataDirectory={DataDirectory}",
            $"--Sos:BlobServerCount={BlobServerCount}",
            $"--Sos:MaxObjectBytes={MaxObjectBytes}",
            "--Sos:ReplicatorInterval=1.00:00:00",
            .. _scrubContinuously
                // A scrub that finds a damaged copy within a second or two, over the tests' few megabytes.
                ? (string[])["--Sos:ScrubBytesPerSecond=50000000", "--Sos:ScrubInterval=00:00:00.500", "--Sos:ScrubStartDelay=00:00:00"]
                : [],
            .. _apiKey is null ? (string[])[] : [$"--Parameters:upload-api-key={_apiKey}"],
            .. _extraArgs,
        ]);
        if (_telemetry is null)
        {
            foreach (var project in appHost.Resources.OfType<ProjectResource>().ToList())
            {
                // With the dashboard off nothing receives telemetry, and a service stopping would
                // spend its shutdown retrying exports to nowhere.
                project.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
            }
        }
        else
        {
            // Metrics too, every half second: tests read the services' counters within a second or two.
            _telemetry.ReceiveFrom(appHost, TimeSpan.FromMilliseconds(500));
        }
        // The upload API's spool in this test's directory, so tests can see that it is left empty.
        appHost.CreateResourceBuilder<ProjectResource>("upload").WithEnvironment("Upload__SpoolDirectory", SpoolDirectory);
        _configure?.Invoke(appHost);
        _app = await appHost.BuildAsync();
        await AppHostStarts.Gate.WaitAsync();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            InternalToken = await appHost.Resources.OfType<ParameterResource>().Single(p => p.Name == "blob-internal-token").GetValueAsync(timeout.Token) ?? "";
            ReplicatorToken = await appHost.Resources.OfType<ParameterResource>().Single(p => p.Name == "blob-replicator-token").GetValueAsync(timeout.Token) ?? "";
            await _app.StartAsync(timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("upload", timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("download", timeout.Token);
        }
        finally
        {
            AppHostStarts.Gate.Release();
        }
        Upload = _app.CreateHttpClient("upload");
        if (_apiKey is not null)
        {
            Upload.DefaultRequestHeaders.Authorization = new("Bearer", _apiKey);
        }
        Download = _app.CreateHttpClient("download");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_telemetry is not null)
        {
            await _telemetry.DisposeAsync();
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

    /// <summary>
    /// Stops a blob server as the dashboard's Stop button does. The app is shared: the test brings
    /// it back, with <see cref="StartBlobServerAsync"/> or <see cref="RestoreBlobServersAsync"/>.
    /// </summary>
    public async Task StopBlobServerAsync(int index)
    {
        lock (_broken)
        {
            _broken.Add(index);
        }
        var result = await App.ResourceCommands.ExecuteCommandAsync($"blob{index}", KnownResourceCommands.StopCommand);
        Assert.True(result.Success, result.Message);
    }

    /// <summary>Starts a stopped or killed blob server again and waits until it is healthy.</summary>
    public async Task StartBlobServerAsync(int index)
    {
        var name = $"blob{index}";
        using var timeout = new CancellationTokenSource(StartTimeout);
        for (var attempt = 1; ; attempt++)
        {
            // A killed server's exit is seen a moment later: until then it shows as running and cannot be started.
            await App.ResourceNotifications.WaitForResourceAsync(name, update => update.Snapshot.Commands.Any(command =>
                command.Name == KnownResourceCommands.StartCommand && command.State == ResourceCommandState.Enabled), timeout.Token);
            var result = await App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, timeout.Token);
            if (attempt > 1 && !result.Success)
            {
                // It was starting after all (the state that showed it stopped was an old one): ask the process below.
                break;
            }
            Assert.True(result.Success, result.Message);
            // The start is reported a moment later: until then the snapshot still shows the exit, which
            // a health wait would take as a failed start.
            await App.ResourceNotifications.WaitForResourceAsync(name, update => !KnownResourceStates.TerminalStates.Contains(update.Snapshot.State?.Text), timeout.Token);
            try
            {
                await App.ResourceNotifications.WaitForResourceHealthyAsync(name, WaitBehavior.StopOnResourceUnavailable, timeout.Token);
                break;
            }
            catch (DistributedApplicationException) when (attempt < 3)
            {
                // Seen to end at once, with nothing logged (on a busy machine, now and then): the exit
                // of the killed process can be reported after the new start began. Started again
                // while it shows as stopped; if it shows as running, the process itself is asked below.
                if (!ShowsAsStopped(name))
                {
                    break;
                }
            }
            catch (DistributedApplicationException ex)
            {
                throw new DistributedApplicationException($"{ex.Message} Its log:\n{await RecentLogAsync(name)}", ex);
            }
        }
        // Health reports kept from before the stop may still read healthy: ask the new process itself.
        await WaitUntilAnswersHealthAsync(index, timeout.Token);
        lock (_broken)
        {
            _broken.Remove(index);
        }
    }

    private bool ShowsAsStopped(string name) =>
        App.ResourceNotifications.TryGetCurrentState(name, out var state) && KnownResourceStates.TerminalStates.Contains(state.Snapshot.State?.Text);

    /// <summary>What a resource has logged so far (its last lines), for a failure's message.</summary>
    private async Task<string> RecentLogAsync(string name)
    {
        var lines = new List<string>();
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(name).WithCancellation(enough.Token))
            {
                lines.AddRange(batch.Select(line => line.Content));
            }
        }
        catch (OperationCanceledException)
        {
            // The backlog has arrived by then; the watch itself never ends.
        }
        return string.Join('\n', lines.TakeLast(40));
    }

    private async Task WaitUntilAnswersHealthAsync(int index, CancellationToken cancellationToken)
    {
        using var client = BlobServerWithoutToken(index);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(ServiceDefaultsExtensions.HealthPath, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>
    /// Starts every blob server stopped or killed since it last started, and waits until each is
    /// healthy: how a test that breaks the cluster leaves it whole for the next test of its collection.
    /// </summary>
    public async Task RestoreBlobServersAsync()
    {
        int[] broken;
        lock (_broken)
        {
            broken = [.. _broken.Order()];
        }
        foreach (var index in broken)
        {
            await StartBlobServerAsync(index);
        }
    }

    /// <summary>Kills a blob server's process outright: no graceful shutdown, requests cut mid-way.</summary>
    public void KillBlobServer(int index)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState($"blob{index}", out var state), $"blob{index} has no state");
        var pid = state.Snapshot.Properties.Single(property => property.Name == "executable.pid").Value;
        lock (_broken)
        {
            _broken.Add(index);
        }
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
    public string CopyPath(int index, string id) => Path.Combine(DataDirectory, $"blob{index}", ShardLayout.RelativePath(id));

    /// <summary>The copies of <paramref name="id"/> that blob server <paramref name="index"/> has quarantined.</summary>
    public string[] QuarantinedCopies(int index, string id)
    {
        var quarantine = Path.Combine(DataDirectory, $"blob{index}", ".quarantine");
        return Directory.Exists(quarantine)
            ? [.. Directory.GetFiles(quarantine, $"{id}.*").Where(path => !path.EndsWith(".meta", StringComparison.Ordinal))]
            : [];
    }

    /// <summary>
    /// The blob servers that hold a copy of <paramref name="id"/> on disk, in their log or as a file.
    /// The upload API writes small copies to the servers' inboxes, which they adopt into their logs
    /// within milliseconds, and at once before they answer that they lack an id: each running server
    /// is asked for it first, so that what is on disk is what it holds.
    /// </summary>
    public int[] ServersHolding(string id)
    {
        Adopted(id);
        return [.. Enumerable.Range(0, BlobServerCount).Where(i => DiskCopies.Find(BlobRoot(i), id) is not null)];
    }

    /// <summary>The bytes of blob server <paramref name="index"/>'s copy of <paramref name="id"/> as they are on its disk (a file, or a log record).</summary>
    public byte[] CopyOnDisk(int index, string id)
    {
        Adopted(id);
        return DiskCopies.Read(BlobRoot(index), id) ?? throw new InvalidOperationException($"blob{index} holds no copy of {id}");
    }

    /// <summary>Asks every running blob server for the id (HEAD), which has it adopt whatever its inbox holds first.</summary>
    private void Adopted(string id)
    {
        // On the pool: the test's own context may have no thread free to continue on while this waits.
        Task.WaitAll([.. Enumerable.Range(0, BlobServerCount).Select(i => Task.Run(async () =>
        {
            try
            {
                using var blob = BlobServer(i);
                blob.Timeout = TimeSpan.FromSeconds(5);
                using var response = await blob.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not running: what its inbox holds waits for its start.
            }
        }))]);
    }

    /// <summary>The data directory of blob server <paramref name="index"/>.</summary>
    public string BlobRoot(int index) => Path.Combine(DataDirectory, $"blob{index}");

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

/// <summary>
/// The shared app: one start serves every test class that only reads and writes objects. Such a
/// class joins with <c>[Collection(SosAppDefinition.Name)]</c> and takes a <see cref="SosAppFixture"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SosAppDefinition : ICollectionFixture<SosAppFixture>
{
    public const string Name = "Sos app";
}
