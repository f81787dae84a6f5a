using System.Text.Json;

namespace Sos.Chaos;

/// <summary>
/// The deletes of the run, appended to a file line by line as they are answered (the audit is a
/// later process), and the objects deleted so far, which the load may upload again.
/// </summary>
internal sealed class DeleteLog : IDisposable
{
    private readonly List<ChaosObject> _deleted = [];
    private readonly Lock _lock = new();
    private readonly StreamWriter? _file;

    public DeleteLog(string? path)
    {
        if (path is not null)
        {
            _file = new StreamWriter(path, append: true) { AutoFlush = true };
        }
    }

    /// <summary>Writes the outcome down; an acknowledged delete's object becomes one the load may upload again.</summary>
    public void Add(DeleteRecord record, ChaosObject target)
    {
        lock (_lock)
        {
            _file?.WriteLine(JsonSerializer.Serialize(record));
            if (record.Outcome == DeleteRecord.Deleted)
            {
                _deleted.Add(target);
            }
        }
    }

    /// <summary>Takes one deleted object out of the pool, for an upload of its bytes again.</summary>
    public ChaosObject? TakeDeleted(Random random)
    {
        lock (_lock)
        {
            if (_deleted.Count == 0)
            {
                return null;
            }
            var index = random.Next(_deleted.Count);
            var taken = _deleted[index];
            _deleted[index] = _deleted[^1];
            _deleted.RemoveAt(_deleted.Count - 1);
            return taken;
        }
    }

    public static List<DeleteRecord> Read(string path) =>
        File.Exists(path) ? [.. File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<DeleteRecord>(line)!)] : [];

    public void Dispose() => _file?.Dispose();
}
