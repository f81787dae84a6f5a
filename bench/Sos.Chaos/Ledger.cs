using System.Text.Json;

namespace Sos.Chaos;

/// <summary>
/// Every acknowledged upload, in memory for the load and appended to a file line by line as it is
/// acknowledged, so the final audit (a later process) knows each one even if the load was killed.
/// </summary>
internal sealed class Ledger : IDisposable
{
    private readonly List<ChaosObject> _objects = [];
    private readonly Dictionary<string, int> _inUse = new(StringComparer.Ordinal);
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

    /// <summary>A random object for a fetch or re-upload; <see cref="Release"/> it when done, so that no delete takes it meanwhile.</summary>
    public ChaosObject? Pick(Random random)
    {
        lock (_lock)
        {
            if (_objects.Count == 0)
            {
                return null;
            }
            var picked = _objects[random.Next(_objects.Count)];
            _inUse[picked.Id] = _inUse.GetValueOrDefault(picked.Id) + 1;
            return picked;
        }
    }

    public void Release(ChaosObject picked)
    {
        lock (_lock)
        {
            if (--_inUse[picked.Id] == 0)
            {
                _inUse.Remove(picked.Id);
            }
        }
    }

    /// <summary>
    /// Takes a random object that no operation has in hand out of the ledger, for a delete: nothing
    /// that expects it (a fetch, a re-upload) can then be in flight or start while it goes.
    /// </summary>
    public ChaosObject? TakeIdle(Random random)
    {
        lock (_lock)
        {
            for (var attempt = 0; attempt < 8 && _objects.Count > 0; attempt++)
            {
                var index = random.Next(_objects.Count);
                var candidate = _objects[index];
                if (!_inUse.ContainsKey(candidate.Id))
                {
                    _objects[index] = _objects[^1];
                    _objects.RemoveAt(_objects.Count - 1);
                    return candidate;
                }
            }
            return null;
        }
    }

    public static List<ChaosObject> Read(string path) =>
        [.. File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<ChaosObject>(line)!)];

    public void Dispose() => _file?.Dispose();
}
