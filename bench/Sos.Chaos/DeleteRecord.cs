namespace Sos.Chaos;

/// <summary>
/// A delete the load sent, or a re-upload of a deleted object that failed: what the audit needs
/// to know which ids must be gone at the end. Only an id whose last word was an acknowledged
/// delete is audited as deleted; an unacknowledged delete, or a failed re-upload (which may have
/// left a later copy), makes its id's fate unknown and it is audited neither way.
/// </summary>
internal sealed record DeleteRecord(string Id, DateTimeOffset At, string Outcome)
{
    public const string Deleted = "deleted";

    public const string Unacknowledged = "unacknowledged";

    public const string ReuploadFailed = "reupload_failed";
}
