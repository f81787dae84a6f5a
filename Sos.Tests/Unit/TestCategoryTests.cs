using System.Reflection;

namespace Sos.Tests.Unit;

/// <summary>
/// The inner loop (<c>dotnet test --filter "Category!=WholeSystem"</c>) stays fast only if every
/// test that starts the AppHost, its publisher or the SDK says so.
/// </summary>
public sealed class TestCategoryTests
{
    [Fact]
    public void EveryTestClassOfTheWholeSystemIsCategorisedSo()
    {
        var wholeSystemNamespaces = new[] { "Sos.Tests.EndToEnd", "Sos.Tests.Deploy", "Sos.Tests.Hosting", "Sos.Tests.Packages" };
        var testClasses = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.GetCustomAttributes<FactAttribute>().Any()))
            .ToList();

        var uncategorised = testClasses
            .Where(type => wholeSystemNamespaces.Contains(type.Namespace))
            .Where(type => !type.GetCustomAttributesData().Any(IsWholeSystemTrait))
            .Select(type => type.Name);
        var miscategorised = testClasses
            .Where(type => !wholeSystemNamespaces.Contains(type.Namespace))
            .Where(type => type.GetCustomAttributesData().Any(IsWholeSystemTrait))
            .Select(type => type.Name);

        Assert.Empty(uncategorised);
        Assert.Empty(miscategorised);
        Assert.Contains(testClasses, type => type.Namespace == "Sos.Tests.EndToEnd");
    }

    private static bool IsWholeSystemTrait(CustomAttributeData attribute) =>
        attribute.AttributeType == typeof(TraitAttribute)
        && attribute.ConstructorArguments is [{ Value: "Category" }, { Value: "WholeSystem" }];
}
