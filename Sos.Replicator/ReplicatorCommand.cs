using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Sos.Core.Placement;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

/// <summary>What the command line asked for.</summary>
/// <param name="Once">One pass, then exit with its verdict.</param>
/// <param name="Interval">Without <paramref name="Once"/>, the wait between passes.</param>
/// <param name="Verbose">Log every copy.</param>
/// <param name="MinCopies">Null when not given: the configured <c>Sos:MinCopies</c> (the AppHost's) stands.</param>
/// <param name="BlobServers">Null when not given: the configured <c>Sos:BlobServers</c> (the AppHost's) stand.</param>
/// <param name="Pass">How each pass runs.</param>
internal sealed record ReplicatorInvocation(
    bool Once, TimeSpan Interval, bool Verbose, int? MinCopies, IReadOnlyList<BlobServer>? BlobServers, ReplicationSettings Pass);

/// <summary>
/// The replicator's command line. Every mistake in it is found here, before any host is built,
/// and ends the process with <see cref="ExitCodes.UsageError"/>.
/// </summary>
internal sealed class ReplicatorCommand : RootCommand
{
    private readonly Option<bool> _once = new("--once")
    {
        Description = "Run one pass and exit (cron, CronJob, Container Apps job). Exit code 0: every object is at its minimum copies; 1: not.",
    };

    private readonly Option<TimeSpan> _interval = new("--interval")
    {
        Description = "Without --once, the wait after each pass before the next; passes go on until the process is stopped.",
        DefaultValueFactory = _ => TimeSpan.FromMinutes(5),
        CustomParser = ParseInterval,
        HelpName = "[d.]hh:mm:ss",
    };

    private readonly Option<int?> _minCopies = new("--min-copies")
    {
        Description = "Copies every object must have [default: Sos:MinCopies from configuration, else 2].",
        CustomParser = result => ParseCount(result),
        HelpName = "n",
    };

    private readonly Option<BlobServer[]> _blobServers = new("--blob-server")
    {
        Description = "Blob servers to replicate across, comma-separated or repeated; replaces Sos:BlobServers (for use outside Aspire).",
        HelpName = "url,url",
        CustomParser = ParseBlobServers,
    };

    private readonly Option<int> _parallelism = new("--parallelism")
    {
        Description = "Objects copied at once.",
        DefaultValueFactory = _ => 4,
        CustomParser = ParseCount,
        HelpName = "n",
    };

    private readonly Option<bool> _dryRun = new("--dry-run")
    {
        Description = "Report what would be copied and change nothing. Exit code 0: nothing to copy; 1: copies needed.",
    };

    private readonly Option<bool> _rebalance = new("--rebalance")
    {
        Description = "Also remove copies left on handoff servers, once every preferred server of the object holds a verified copy.",
    };

    private readonly Option<bool> _verbose = new("--verbose")
    {
        Description = "Log every copy.",
    };

    public ReplicatorCommand()
        : base("Brings every object on the Sos blob servers to its minimum number of copies.")
    {
        Validators.Add(result =>
        {
            // Given together, one of the two would be silently ignored.
            if (result.GetResult(_once) is not null && result.GetResult(_interval) is { Implicit: false })
            {
                result.AddError("--once and --interval exclude each other: --once runs a single pass.");
            }
        });
        Options.Add(_once);
        Options.Add(_interval);
        Options.Add(_minCopies);
        Options.Add(_blobServers);
        Options.Add(_parallelism);
        Options.Add(_dryRun);
        Options.Add(_rebalance);
        Options.Add(_verbose);
        SetAction((parseResult, cancellationToken) =>
            ReplicatorJob.RunAsync(ToInvocation(parseResult), parseResult.InvocationConfiguration.Error, cancellationToken));
    }

    private ReplicatorInvocation ToInvocation(ParseResult parseResult) => new(
        Once: parseResult.GetValue(_once),
        Interval: parseResult.GetValue(_interval),
        Verbose: parseResult.GetValue(_verbose),
        MinCopies: parseResult.GetValue(_minCopies),
        BlobServers: parseResult.GetValue(_blobServers) is { Length: > 0 } servers ? servers : null,
        Pass: new ReplicationSettings(
            DryRun: parseResult.GetValue(_dryRun),
            Parallelism: parseResult.GetValue(_parallelism),
            Rebalance: parseResult.GetValue(_rebalance),
            // Progress lines are for someone watching a terminal; a log collector gets the summary.
            ShowProgress: !Console.IsOutputRedirected));

    private static BlobServer[] ParseBlobServers(ArgumentResult result)
    {
        var servers = new List<BlobServer>();
        foreach (var token in result.Tokens)
        {
            foreach (var address in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                try
                {
                    servers.Add(BlobServer.Parse(address));
                }
                catch (FormatException ex)
                {
                    result.AddError(ex.Message);
                }
            }
        }
        return [.. servers];
    }

    // The parsers below turn a bad value into a usage error; System.CommandLine's own conversion
    // would let a validator's read of it throw instead.

    private static int ParseCount(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            return count;
        }
        result.AddError($"{OptionName(result)} takes a whole number greater than zero, not '{text}'.");
        return default;
    }

    private static TimeSpan ParseInterval(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero && interval <= ReplicatorJob.MaxInterval)
        {
            return interval;
        }
        result.AddError($"{OptionName(result)} takes a duration [d.]hh:mm:ss greater than zero and at most {ReplicatorJob.MaxInterval:c}, not '{text}'.");
        return default;
    }

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
