namespace Sos.Tests.InProcess;

/// <summary>The in-process cluster most HTTP-rule tests share: one start serves them all.</summary>
[CollectionDefinition(Name)]
public sealed class InProcessSosDefinition : ICollectionFixture<InProcessSos>
{
    public const string Name = "In-process Sos";
}
