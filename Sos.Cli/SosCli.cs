using System.CommandLine;
using Sos.Client;

namespace Sos.Cli;

/// <summary>
/// The <c>sos</c> command: <c>put</c>, <c>get</c>, <c>cat</c>, <c>stat</c> and <c>rm</c> over <see cref="SosClient"/>.
/// Every failure ends with one line on the error stream and its own exit code (<see cref="ExitCodes"/>).
/// </summary>
public static class SosCli
{
    public const string UploadUrlVariable = "SOS_UPLOAD_URL";
    public const string DownloadUrlVariable = "SOS_DOWNLOAD_URL";
    public const string ApiKeyVariable = "SOS_API_KEY";

    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="console"/>, with settings from <paramref name="environment"/>.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(environment);
        var root = Build(console, environment);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync($"sos: {error.Message}");
            }
            await console.Error.WriteLineAsync("Run 'sos --help' for usage.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }

    private static RootCommand Build(CliConsole console, Func<string, string?> environment)
    {
        var uploadUrl = new Option<string>("--upload-url")
        {
            Description = $"The upload API's address [env: {UploadUrlVariable}]",
            Recursive = true,
            DefaultValueFactory = _ => environment(UploadUrlVariable) ?? "http://localhost:9991",
        };
        var downloadUrl = new Option<string>("--download-url")
        {
            Description = $"The download API's address [env: {DownloadUrlVariable}]",
            Recursive = true,
            DefaultValueFactory = _ => environment(DownloadUrlVariable) ?? "http://localhost:9992",
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"The upload API key, when uploads need one [env: {ApiKeyVariable}]",
            Recursive = true,
            DefaultValueFactory = _ => environment(ApiKeyVariable),
        };
        var endpoints = new EndpointOptions(uploadUrl, downloadUrl, apiKey);

        var root = new RootCommand($"""
            Put files into Sos, the simple object store, and get them back checked against their ids.

            {ExitCodes.Help}
            """);
        root.Options.Add(uploadUrl);
        root.Options.Add(downloadUrl);
        root.Options.Add(apiKey);
        root.Subcommands.Add(PutCommand(console, endpoints));
        root.Subcommands.Add(GetCommand(console, endpoints));
        root.Subcommands.Add(CatCommand(console, endpoints));
        root.Subcommands.Add(StatCommand(console, endpoints));
        root.Subcommands.Add(RmCommand(console, endpoints));
        return root;
    }

    private static Command PutCommand(CliConsole console, EndpointOptions endpoints)
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Files to upload" };
        var headers = new Option<string[]>("--header", "-H")
        {
            Description = "Metadata to keep with each object, as 'X-Name: value' (repeatable); X-Mime-Type sets the download's Content-Type",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("put", "Upload files and print '<id>  <file>' for each. A file's SHA-1 is computed first, so one the store already has is not sent again.")
        {
            files,
            headers,
        };
        command.SetAction((parse, cancellationToken) => WithClientAsync(console, parse, endpoints, async client =>
        {
            var metadata = ParseHeaders(parse.GetValue(headers) ?? []);
            var exitCode = ExitCodes.Ok;
            foreach (var file in parse.GetValue(files) ?? [])
            {
                try
                {
                    var progress = ProgressLine.For(console, Path.GetFileName(file), new FileInfo(file).Length);
                    SosUploadResult result;
                    try
                    {
                        result = await client.UploadFileAsync(file, metadata, progress, cancellationToken);
                    }
                    finally
                    {
                        progress?.Done();
                    }
                    await console.Out.WriteLineAsync($"{result.Id}  {file}");
                    if (result.AlreadyStored)
                    {
                        await console.Error.WriteLineAsync($"sos: {file}: already stored, nothing sent");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The other files are still worth trying; the exit code is the first failure's.
                    var code = await ReportAsync(console, ex, file);
                    exitCode = exitCode == ExitCodes.Ok ? code : exitCode;
                }
            }
            return exitCode;
        }, cancellationToken));
        return command;
    }

    private static Command GetCommand(CliConsole console, EndpointOptions endpoints)
    {
        var id = IdArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the object (default: a file named after the id, here)" };
        var command = new Command("get", "Download an object into a file, checked against its id; a file that does not match is never left behind.") { id, output };
        command.SetAction((parse, cancellationToken) => WithClientAsync(console, parse, endpoints, async client =>
        {
            var objectId = parse.GetValue(id)!;
            if (!CheckId(console, objectId))
            {
                return ExitCodes.Usage;
            }
            var path = parse.GetValue(output) ?? objectId;
            ProgressLine? progress = null;
            if (console.ShowProgress)
            {
                // Only to size the progress line: a script (no terminal) pays no extra request.
                progress = ProgressLine.For(console, objectId[..12], (await client.GetInfoAsync(objectId, cancellationToken)).Size);
            }
            try
            {
                await client.DownloadFileAsync(objectId, path, progress, cancellationToken);
            }
            finally
            {
                progress?.Done();
            }
            await console.Out.WriteLineAsync($"{objectId}  {path}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command CatCommand(CliConsole console, EndpointOptions endpoints)
    {
        var id = IdArgument();
        var command = new Command("cat", "Write an object to standard output, checked against its id (when it does not match, the exit code says so after the bytes were written).") { id };
        command.SetAction((parse, cancellationToken) => WithClientAsync(console, parse, endpoints, async client =>
        {
            var objectId = parse.GetValue(id)!;
            if (!CheckId(console, objectId))
            {
                return ExitCodes.Usage;
            }
            await using var stdout = console.OpenStandardOutput();
            await client.DownloadAsync(objectId, stdout, progress: null, cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command StatCommand(CliConsole console, EndpointOptions endpoints)
    {
        var id = IdArgument();
        var command = new Command("stat", "Print an object's size, content type and metadata, one 'name: value' a line.") { id };
        command.SetAction((parse, cancellationToken) => WithClientAsync(console, parse, endpoints, async client =>
        {
            var objectId = parse.GetValue(id)!;
            if (!CheckId(console, objectId))
            {
                return ExitCodes.Usage;
            }
            var info = await client.GetInfoAsync(objectId, cancellationToken);
            await console.Out.WriteLineAsync($"id: {info.Id}");
            await console.Out.WriteLineAsync($"size: {info.Size}");
            if (info.ContentType is { } contentType)
            {
                await console.Out.WriteLineAsync($"content-type: {contentType}");
            }
            foreach (var (name, value) in info.Metadata.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase))
            {
                await console.Out.WriteLineAsync($"{name}: {value}");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command RmCommand(CliConsole console, EndpointOptions endpoints)
    {
        var ids = new Argument<string[]>("ID") { Arity = ArgumentArity.OneOrMore, Description = "Ids of the objects to delete" };
        var command = new Command("rm", "Delete objects, for everyone (an id is its bytes), and print each id deleted. Deleting an id deleted before succeeds again.") { ids };
        command.SetAction((parse, cancellationToken) => WithClientAsync(console, parse, endpoints, async client =>
        {
            var objectIds = parse.GetValue(ids) ?? [];
            // Every id is checked before any is deleted: a typo in a list must not leave it half done.
            var invalid = objectIds.Where(objectId => !CheckId(console, objectId)).ToList();
            if (invalid.Count > 0)
            {
                return ExitCodes.Usage;
            }
            var exitCode = ExitCodes.Ok;
            foreach (var objectId in objectIds)
            {
                var result = await client.DeleteAsync(objectId, cancellationToken);
                var code = result.Status switch
                {
                    SosDeleteStatus.Deleted => ExitCodes.Ok,
                    SosDeleteStatus.NotFound => ExitCodes.NotFound,
                    _ => ExitCodes.Unavailable,
                };
                if (code == ExitCodes.Ok)
                {
                    await console.Out.WriteLineAsync(objectId);
                }
                else
                {
                    // The other ids are still worth trying; the exit code is the first failure's.
                    await console.Error.WriteLineAsync($"sos: {objectId}: {result.Message}");
                    exitCode = exitCode == ExitCodes.Ok ? code : exitCode;
                }
            }
            return exitCode;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The object's id: 40 lowercase hex characters, the SHA-1 of its bytes" };

    private static bool CheckId(CliConsole console, string id)
    {
        if (SosClient.IsValidId(id))
        {
            return true;
        }
        console.Error.WriteLine($"sos: '{id}' is not an object id: ids are 40 lowercase hex characters (the SHA-1 of the object).");
        return false;
    }

    /// <summary>Builds the client from the options, runs <paramref name="action"/>, and turns its failure into a message and an exit code.</summary>
    private static async Task<int> WithClientAsync(
        CliConsole console, ParseResult parse, EndpointOptions endpoints, Func<SosClient, Task<int>> action, CancellationToken cancellationToken)
    {
        if (!TryEndpoint(console, parse.GetValue(endpoints.UploadUrl), endpoints.UploadUrl.Name, out var upload)
            || !TryEndpoint(console, parse.GetValue(endpoints.DownloadUrl), endpoints.DownloadUrl.Name, out var download))
        {
            return ExitCodes.Usage;
        }
        var options = new SosClientOptions { UploadEndpoint = upload, DownloadEndpoint = download, ApiKey = parse.GetValue(endpoints.ApiKey) };
        using var http = SosClient.CreateHttpClient(options);
        try
        {
            return await action(new SosClient(http, options));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("sos: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            return await ReportAsync(console, ex, subject: null);
        }
    }

    private static async Task<int> ReportAsync(CliConsole console, Exception ex, string? subject)
    {
        var (code, message) = ex switch
        {
            SosNotFoundException => (ExitCodes.NotFound, ex.Message),
            SosUnauthorizedException => (ExitCodes.Unauthorized, $"{ex.Message} (give the key with --api-key or {ApiKeyVariable})"),
            SosBadRequestException => (ExitCodes.Refused, ex.Message),
            SosUnavailableException => (ExitCodes.Unavailable, ex.Message),
            SosIntegrityException => (ExitCodes.Corrupt, ex.Message),
            SosException => (ExitCodes.Failed, ex.Message),
            ArgumentException => (ExitCodes.Usage, ex.Message),
            FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException => (ExitCodes.LocalFile, ex.Message),
            _ => (ExitCodes.Failed, ex.ToString()),
        };
        await console.Error.WriteLineAsync(subject is null ? $"sos: {message}" : $"sos: {subject}: {message}");
        return code;
    }

    private static bool TryEndpoint(CliConsole console, string? value, string option, out Uri endpoint)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out endpoint!) && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps))
        {
            return true;
        }
        console.Error.WriteLine($"sos: {option} must be an absolute http or https address, not '{value}'.");
        return false;
    }

    /// <summary>'X-Name: value' pairs; a malformed one is a usage error (<see cref="ArgumentException"/>).</summary>
    private static Dictionary<string, string> ParseHeaders(string[] headers)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new ArgumentException($"--header takes 'X-Name: value', not '{header}'.");
            }
            metadata[header[..colon].Trim()] = header[(colon + 1)..].Trim();
        }
        return metadata;
    }
}
