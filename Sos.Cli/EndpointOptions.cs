using System.CommandLine;

namespace Sos.Cli;

/// <summary>The options every subcommand takes: where Sos is, and the upload key.</summary>
internal sealed record EndpointOptions(Option<string> UploadUrl, Option<string> DownloadUrl, Option<string?> ApiKey);
