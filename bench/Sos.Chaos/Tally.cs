using System.Collections.Concurrent;
using System.Text.Json;

namespace Sos.Chaos;

/// <summary>Counters by name, and every wrong answer written down with what was expected.</summary>
internal sealed class Tally : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _wrong = new();
    private readonly StreamWriter? _wrongFile;
    private readonly Lock _fileLock = new();

    public Tally(string? wrongPath)
    {
        if (wrongPath is not null)
        {
            _wrongFile = new StreamWriter(wrongPath, append: true) { AutoFlush = true };
        }
    }

    /// <summary>Continues the counts saved by an earlier phase (the warm-up before the faults).</summary>
    public void Resume(string path)
    {
        foreach (var (name, count) in Load(path))
        {
            Add(name, count);
        }
    }

    public void Add(string name, long by = 1) => _counts.AddOrUpdate(name, by, (_, count) => count + by);

    public long this[string name] => _counts.GetValueOrDefault(name);

    public IReadOnlyDictionary<string, long> Counts => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public IEnumerable<string> WrongAnswers => _wrong;

    /// <summary>A served answer that was not the object: counted under <paramref name="counter"/> and kept.</summary>
    public void Wrong(string counter, string operation, string id, string where, string problem)
    {
        Add(counter);
        var line = JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, operation, id, where, problem });
        _wrong.Enqueue(line);
        lock (_fileLock)
        {
            _wrongFile?.WriteLine(line);
        }
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(Counts));

    public static Dictionary<string, long> Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(path)) ?? [] : [];

    public void Dispose() => _wrongFile?.Dispose();
}
