using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sos.Chaos;

/// <summary>
/// The run's verdict: a table for people (stderr) and one JSON line for tools (stdout). Facts
/// from the script (faults injected, replicator passes, temp files found) come as name=value;
/// names <c>fault.*</c> and <c>replicator.*</c> are grouped.
/// </summary>
internal static class ChaosReport
{
    public static int Write(IReadOnlyDictionary<string, long> load, IReadOnlyDictionary<string, long> audit, IReadOnlyDictionary<string, string> facts, IEnumerable<string> wrongAnswers, int minCopies)
    {
        long L(string name) => load.GetValueOrDefault(name);
        long A(string name) => audit.GetValueOrDefault(name);
        long F(string name) => long.TryParse(facts.GetValueOrDefault(name), CultureInfo.InvariantCulture, out var value) ? value : 0;

        var wrong = L("wrong") + A("final_wrong");
        var lost = A("lost");
        var underMin = A("under_min_copies");
        var tempLeft = F("temp_files_left");
        var undone = A("deletes_undone");
        var failed = lost > 0 || wrong > 0 || underMin > 0 || tempLeft > 0 || undone > 0;
        var badCopies = audit.Where(pair => pair.Key.StartsWith("bad_copy.", StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key["bad_copy.".Length..], pair => pair.Value);
        var faults = facts.Where(pair => pair.Key.StartsWith("fault.", StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key["fault.".Length..], pair => F(pair.Key));
        var replicator = facts.Where(pair => pair.Key.StartsWith("replicator.", StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key["replicator.".Length..], pair => pair.Value);

        var table = new List<(string Label, string Value)>
        {
            ("duration (load seconds / whole run)", $"{L("load_ms") / 1000.0:F0} / {facts.GetValueOrDefault("duration_s", "?")}"),
            ("operations", $"{L("operations")}"),
            ("  new uploads (small / multi-MiB)", $"{L("uploads")} ({L("uploads_small")} / {L("uploads_multi_mib")})"),
            ("  acknowledged", $"{L("acknowledged")}"),
            ("  not acknowledged", $"{L("uploads_failed")} {Breakdown(load, "upload_failed_")}"),
            ("  hostile re-uploads", $"{L("hostile_reuploads")}: refused (400) {L("hostile_refused")}, accepted {L("hostile_accepted")}, failed {L("hostile_failed")} {Breakdown(load, "hostile_failed_")}"),
            ("  deletes: acknowledged / not", $"{L("deletes")}: {L("deletes_acknowledged")} / {L("deletes_failed")} {Breakdown(load, "delete_failed_")}"),
            ("  uploads again after a delete: acknowledged / not", $"{L("uploads_after_delete")}: {L("uploads_after_delete_acknowledged")} / {L("uploads_after_delete_failed")}"),
            ("  fetches (whole / range / after re-upload)", $"{L("fetch_whole")} / {L("fetch_range")} / {L("fetch_after_hostile")}"),
            ("  fetch outcomes", $"ok {L("fetch_ok")}, as before its delete {L("fetch_beforedelete")}, wrong {L("fetch_wrong")}, cut short {L("fetch_aborted")}, unavailable {L("fetch_unavailable")}, 404 {L("fetch_notfound")}, other {L("fetch_unexpected")}"),
            ("mean ms (upload / re-upload / fetch)", $"{Mean(load, "upload")} / {Mean(load, "reupload")} / {Mean(load, "fetch")}"),
            ("operations over 20 s (upload / re-upload / fetch)", $"{L("slow_upload")} / {L("slow_reupload")} / {L("slow_fetch")}"),
            ("faults", string.Join(", ", faults.Select(pair => $"{pair.Key} {pair.Value}"))),
            ("replicators", string.Join(", ", replicator.Select(pair => $"{pair.Key} {pair.Value}"))),
            ("final pass", $"{facts.GetValueOrDefault("final_pass", "?")} (exit {facts.GetValueOrDefault("final_pass_exit", "?")}: {FinalPassMeaning(facts.GetValueOrDefault("final_pass_exit"))})"),
            ("audited objects (live / deleted / fate unknown)", $"{A("audited")} / {A("audited_deleted")} / {A("fate_unknown")}"),
            ("DELETES UNDONE (served or on disk at the end)", $"{undone}"),
            ("LOST (not served right at the end)", $"{lost}"),
            ("WRONG bytes or headers served (run / end)", $"{wrong} ({L("wrong")} / {A("final_wrong")})"),
            ($"below {minCopies} good copies on disk", $"{underMin}"),
            ("bad copies on disk, by server", badCopies.Count == 0 ? "0" : string.Join(", ", badCopies.Select(pair => $"{pair.Key} {pair.Value}"))),
            ("temp files left (stores, spool)", $"{tempLeft}"),
            ("verdict", failed ? "FAIL" : "PASS"),
        };
        var width = table.Max(row => row.Label.Length) + 2;
        Console.Error.WriteLine();
        foreach (var (label, value) in table)
        {
            Console.Error.WriteLine(label.PadRight(width) + value);
        }
        var examples = wrongAnswers.Take(12).ToList();
        if (examples.Count > 0)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("first problems found (all in the work dir's problems.jsonl):");
            examples.ForEach(line => Console.Error.WriteLine("  " + line));
        }
        Console.Error.WriteLine();

        var json = new JsonObject
        {
            ["duration_s"] = F("duration_s"),
            ["load_s"] = Math.Round(L("load_ms") / 1000.0, 1),
            ["operations"] = L("operations"),
            ["acknowledged"] = L("acknowledged"),
            ["lost"] = lost,
            ["wrong"] = wrong,
            ["under_min_copies"] = underMin,
            ["temp_files_left"] = tempLeft,
            ["deletes"] = new JsonObject
            {
                ["sent"] = L("deletes"), ["acknowledged"] = L("deletes_acknowledged"), ["failed"] = L("deletes_failed"),
                ["uploaded_again"] = L("uploads_after_delete_acknowledged"), ["audited"] = A("audited_deleted"), ["fate_unknown"] = A("fate_unknown"), ["undone"] = undone,
            },
            ["kills"] = F("fault.sigkill"),
            ["faults"] = new JsonObject(faults.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))),
            ["uploads"] = new JsonObject { ["new"] = L("uploads"), ["multi_mib"] = L("uploads_multi_mib"), ["failed"] = L("uploads_failed") },
            ["hostile_reuploads"] = new JsonObject { ["sent"] = L("hostile_reuploads"), ["refused"] = L("hostile_refused"), ["accepted"] = L("hostile_accepted"), ["failed"] = L("hostile_failed") },
            ["fetches"] = new JsonObject
            {
                ["whole"] = L("fetch_whole") + L("fetch_after_hostile"), ["range"] = L("fetch_range"), ["ok"] = L("fetch_ok"), ["before_delete"] = L("fetch_beforedelete"), ["cut_short"] = L("fetch_aborted"),
                ["unavailable"] = L("fetch_unavailable"), ["not_found"] = L("fetch_notfound"), ["other"] = L("fetch_unexpected"),
            },
            ["bad_copies"] = new JsonObject(badCopies.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))),
            ["replicators"] = new JsonObject(replicator.Select(pair => KeyValuePair.Create(pair.Key,
                long.TryParse(pair.Value, CultureInfo.InvariantCulture, out var number) ? (JsonNode?)number : pair.Value))),
            ["final_pass"] = facts.GetValueOrDefault("final_pass", "unknown"),
            ["final_pass_exit"] = F("final_pass_exit"),
            ["passed"] = !failed,
        };
        Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return failed ? 1 : 0;
    }

    /// <summary>The replicator's exit codes, in words: the audit counts copies itself, the pass says what it saw.</summary>
    private static string FinalPassMeaning(string? exitCode) => exitCode switch
    {
        "0" => "every object at its minimum copies",
        "1" => "some object below its minimum copies, or a server not listed or stale",
        "2" => "usage error, nothing done",
        "3" => "its byte budget left objects unverified",
        _ => "unknown",
    };

    private static string Mean(IReadOnlyDictionary<string, long> counts, string kind) =>
        counts.GetValueOrDefault($"n_{kind}") is > 0 and var n ? (counts.GetValueOrDefault($"ms_{kind}") / n).ToString(CultureInfo.InvariantCulture) : "-";

    private static string Breakdown(IReadOnlyDictionary<string, long> counts, string prefix)
    {
        var parts = counts.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(pair => $"{pair.Key[prefix.Length..]}: {pair.Value}").ToList();
        return parts.Count == 0 ? "" : $"({string.Join(", ", parts)})";
    }
}
