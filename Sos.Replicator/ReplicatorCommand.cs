using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Sos.Core.Placement;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

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
        Description = "Report what would be copied or removed and change nothing (counting copies by listing). Exit code 0: nothing to copy; 1: copies needed.",
    };

    private readonly Option<bool> _rebalance = new("--rebalance")
    {
        Description = "Also remove copies left on handoff servers (into the servers' trash), once every preferred server's copy was verified by hash "
            + "in the same pass and no copy of the object failed. One rebalancing pass at a time per cluster (a lease on a majority of the blob servers).",
    };

    private readonly Option<bool> _verify = new("--verify")
    {
        Description = "Ask every holder to verify its copy by hash (on the blob server), count only verified copies, and restore the bad ones, "
            + "which their servers quarantine. Exit code 1 while an object has fewer verified copies than the minimum. Reads every byte: run it nightly.",
    };

    private readonly Option<long?> _verifyMaxBytes = new("--verify-max-bytes")
    {
        Description = "With --verify, stop verifying once the servers have re-hashed this many bytes (suffix K, M, G, T: powers of 1024); "
            + "later objects are counted by listing only, and the exit code is 3 if nothing else is wrong [default: no limit].",
        CustomParser = ParseBytes,
        HelpName = "bytes",
    };

    private readonly Option<TimeSpan> _tombstoneGrace = new("--tombstone-grace")
    {
        Description = "Keep a deleted object's tombstones at least this long (d.hh:mm:ss), and until every blob server holds them; "
            + "a blob server away longer must be wiped or checked before it rejoins",
        DefaultValueFactory = _ => TimeSpan.FromDays(7),
        HelpName = "duration",
    };

    private readonly Option<bool> _verbose = new("--verbose")
    {
        Description = "Log every copy and every attempt.",
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
            // Verifying is not a look: a server quarantines a bad copy as it answers.
            if (result.GetResult(_dryRun) is not null && result.GetResult(_verify) is not null)
            {
                result.AddError("--dry-run and --verify exclude each other: a blob server quarantines a copy that fails verification.");
            }
            if (result.GetResult(_verifyMaxBytes) is not null && result.GetResult(_verify) is null)
            {
                result.AddError("--verify-max-bytes is the budget of a --verify pass; give --verify too.");
            }
        });
        Options.Add(_once);
        Options.Add(_interval);
        Options.Add(_minCopies);
        Options.Add(_blobServers);
        Options.Add(_parallelism);
        Options.Add(_dryRun);
        Options.Add(_rebalance);
        Options.Add(_verify);
        Options.Add(_verifyMaxBytes);
        Options.Add(_tombstoneGrace);
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
            Verify: parseResult.GetValue(_verify),
            VerifyMaxBytes: parseResult.GetValue(_verifyMaxBytes),
            // Progress lines are for someone watching a terminal; a log collector gets the summary.
            ShowProgress: !Console.IsOutputRedirected)
        {
            TombstoneGrace = parseResult.GetValue(_tombstoneGrace),
        });

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

    private static long? ParseBytes(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value.Trim() : "";
        var shift = text.Length == 0 ? 0 : char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        var digits = shift == 0 ? text : text[..^1];
        if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 0 && count <= long.MaxValue >> shift)
        {
            return count << shift;
        }
        result.AddError($"{OptionName(result)} takes a number of bytes, optionally with K, M, G or T, not '{text}'.");
        return null;
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
