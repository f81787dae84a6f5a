using System.Text.Json;

namespace Sos.Chaos;

/// <summary>
/// Every acknowledged upload, in memory for the load and appended to a file line by line as it is
/// acknowledged, so the final audit (a later process) knows each one even if the load was killed.
/// </summary>
internal sealed class Ledger : IDisposable
{
    private readonly List<ChaosObject> _objects = [];
    private readonly Lock _lock = new();
    private readonly StreamWriter? _file;

    public Ledger(string? path)
    {
        if (path is not null)
        {
            _file = new StreamWriter(path, append: true) { AutoFlush = true };
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _objects.Count;
            }
        }
    }

    public void Add(ChaosObject acknowledged)
    {
        lock (_lock)
        {
            _objects.Add(acknowledged);
            _file?.WriteLine(JsonSerializer.Serialize(acknowledged));
        }
    }

    public ChaosObject? Pick(Random random)
    {
        lock (_lock)
        {
            return _objects.Count == 0 ? null : _objects[random.Next(_objects.Count)];
        }
    }

    public static List<ChaosObject> Read(string path) =>
        [.. File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<ChaosObject>(line)!)];

    public void Dispose() => _file?.Dispose();
}
