using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Sos.Tests.WholeSystemFirst", "Sos.Tests")]

namespace Sos.Tests;

/// <summary>
/// Starts the test collections that run the whole system first, so that the long ones (an AppHost
/// start and every test behind it) begin at once and the seconds-long in-process classes fill the
/// other threads around them, instead of a long collection starting last and running alone. The
/// shared apps go first, then the classes with a start of their own, then everything else; within
/// each, by name, so that every run starts them in the same order.
/// </summary>
public sealed class WholeSystemFirst : ITestCollectionOrderer
{
    private static readonly string[] WholeSystemNamespaces = ["Sos.Tests.EndToEnd.", "Sos.Tests.Deploy.", "Sos.Tests.Hosting.", "Sos.Tests.Packages."];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(collection => collection.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCollection collection)
    {
        // A [CollectionDefinition] names a shared fixture; a class without one is a collection of its
        // own, "Test collection for <its full name>".
        var defined = collection.CollectionDefinition?.Name;
        var name = defined ?? collection.DisplayName;
        var wholeSystem = WholeSystemNamespaces.Any(prefix => name.Contains(prefix, StringComparison.Ordinal));
        return (wholeSystem, defined is not null) switch
        {
            (true, true) => 0,
            (true, false) => 1,
            _ => 2,
        };
    }
}
