using System.CommandLine;
using Sos.Chaos;

// bench/chaos.sh runs "load" while it injects faults, then "audit" once the cluster is restarted.
var uploadApi = new Option<Uri>("--upload") { Description = "The upload API.", Required = true, CustomParser = ParseUri };
var downloadApi = new Option<Uri>("--download") { Description = "The download API.", Required = true, CustomParser = ParseUri };
var seconds = new Option<double>("--seconds") { Description = "How long the load runs.", DefaultValueFactory = _ => 60 };
var workers = new Option<int>("--workers") { Description = "Operations in flight at once.", DefaultValueFactory = _ => 4 };
var seed = new Option<int>("--seed") { Description = "Seeds the choice of operations and sizes.", DefaultValueFactory = _ => Environment.ProcessId };
var maxBigMib = new Option<int>("--max-big-mib") { Description = "Largest multi-MiB upload, in MiB.", DefaultValueFactory = _ => 6 };
var ledgerFile = new Option<FileInfo>("--ledger") { Description = "Acknowledged uploads, one JSON line each (appended by load, read by audit).", Required = true };
var countersFile = new Option<FileInfo>("--counters") { Description = "The load's counters (continued and written by load, read by audit).", Required = true };
var deletesFile = new Option<FileInfo>("--deletes") { Description = "Deletes sent, one JSON line each (appended by load, read by audit).", Required = true };
var problemsFile = new Option<FileInfo>("--problems") { Description = "Every wrong answer and bad copy, one JSON line each.", Required = true };
var blobs = new Option<string[]>("--blob") { Description = "A blob server as name=url=data-root (repeat).", Required = true, AllowMultipleArgumentsPerToken = false };
var token = new Option<string?>("--token") { Description = "The blob servers' read token (Sos:InternalToken)." };
var minCopies = new Option<int>("--min-copies") { Description = "Good copies every object must have.", DefaultValueFactory = _ => 2 };
var facts = new Option<string[]>("--fact") { Description = "name=value from the script for the report (fault.*, replicator.*, final_pass, temp_files_left, duration_s)." };

var load = new Command("load", "Runs the mixed load for --seconds, checking every answer.")
{
    uploadApi, downloadApi, seconds, workers, seed, maxBigMib, ledgerFile, deletesFile, countersFile, problemsFile,
};
load.SetAction(async (result, cancellationToken) =>
{
    using var ledger = new Ledger(result.GetRequiredValue(ledgerFile).FullName);
    using var deletes = new DeleteLog(result.GetRequiredValue(deletesFile).FullName);
    using var tally = new Tally(result.GetRequiredValue(problemsFile).FullName);
    tally.Resume(result.GetRequiredValue(countersFile).FullName);
    using var client = new ChaosClient(TimeSpan.FromMinutes(2));
    var settings = new LoadSettings(result.GetRequiredValue(uploadApi), result.GetRequiredValue(downloadApi),
        TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(workers), result.GetValue(seed), result.GetValue(maxBigMib) * 1024L * 1024);
    try
    {
        await new LoadRun(settings, ledger, deletes, tally, client).RunAsync(cancellationToken);
    }
    finally
    {
        tally.Save(result.GetRequiredValue(countersFile).FullName);
    }
    return 0;
});

var audit = new Command("audit", "Checks every acknowledged upload and delete, prints the table and the JSON line; exit 1 when anything was lost, wrong or undeleted.")
{
    downloadApi, blobs, token, minCopies, ledgerFile, deletesFile, countersFile, problemsFile, facts, workers,
};
audit.SetAction(async (result, cancellationToken) =>
{
    var problems = result.GetRequiredValue(problemsFile).FullName;
    using var tally = new Tally(problems);
    using var client = new ChaosClient(TimeSpan.FromMinutes(2));
    var settings = new AuditSettings(result.GetRequiredValue(downloadApi), [.. result.GetRequiredValue(blobs).Select(BlobServerDisk.Parse)],
        result.GetValue(token), result.GetValue(minCopies), result.GetValue(workers));
    var objects = Ledger.Read(result.GetRequiredValue(ledgerFile).FullName);
    var deletes = DeleteLog.Read(result.GetRequiredValue(deletesFile).FullName);
    await new AuditRun(settings, tally, client).RunAsync(objects, deletes, cancellationToken);
    var given = (result.GetValue(facts) ?? []).Select(fact => fact.Split('=', 2)).Where(parts => parts.Length == 2)
        .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    return ChaosReport.Write(Tally.Load(result.GetRequiredValue(countersFile).FullName), tally.Counts, given, File.ReadLines(problems), settings.MinCopies);
});

var command = new RootCommand("Sos chaos run: the load generator and the final audit driven by bench/chaos.sh.") { load, audit };
return await command.Parse(args).InvokeAsync();

static Uri ParseUri(System.CommandLine.Parsing.ArgumentResult result)
{
    var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
    if (Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri))
    {
        return uri;
    }
    result.AddError($"'{text}' is not an absolute URL.");
    return null!;
}
