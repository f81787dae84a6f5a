namespace Sos.Replicator.Cluster;

/// <summary>A server's verdict on its copy, and the copy's length when it was good (what the check read).</summary>
internal readonly record struct CopyCheck(CopyVerdict Verdict, long Size)
{
    public static CopyCheck Missing => new(CopyVerdict.Missing, 0);

    public static CopyCheck Bad => new(CopyVerdict.Bad, 0);

    public static CopyCheck Good(long size) => new(CopyVerdict.Good, size);
}
