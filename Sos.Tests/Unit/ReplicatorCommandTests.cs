using Sos.Replicator;

namespace Sos.Tests.Unit;

/// <summary>The replicator's command line: what it accepts and refuses before any host starts.</summary>
public sealed class ReplicatorCommandTests
{
    [Theory]
    [InlineData("--once", "--dry-run", "--verify")]
    [InlineData("--once", "--verify-max-bytes", "10G")]
    [InlineData("--once", "--verify", "--verify-max-bytes", "ten")]
    public void ContradictoryOrMalformedVerifyOptionsAreUsageErrors(params string[] args)
    {
        Assert.NotEmpty(new ReplicatorCommand().Parse(args).Errors);
    }

    [Theory]
    [InlineData("1000", 1000L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("10G", 10L << 30)]
    [InlineData("2t", 2L << 40)]
    public void TheVerifyBudgetTakesBytesWithABinarySuffix(string text, long bytes)
    {
        var command = new ReplicatorCommand();
        var result = command.Parse(["--once", "--verify", "--verify-max-bytes", text]);

        Assert.Empty(result.Errors);
        Assert.Equal(bytes, result.GetValue<long?>("--verify-max-bytes"));
    }
}
