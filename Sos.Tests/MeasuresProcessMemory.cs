namespace Sos.Tests;

/// <summary>
/// Tests that read the process's managed memory run alone: what other test classes allocate at
/// the same time would count against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresProcessMemory
{
    public const string Name = "Measures process memory";
}
