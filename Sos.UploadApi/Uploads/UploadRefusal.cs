namespace Sos.UploadApi.Uploads;

/// <summary>Why an upload stored nothing although its body was read whole.</summary>
public enum UploadRefusal
{
    None,
    /// <summary>The bytes do not hash to the id the client announced.</summary>
    DigestMismatch,
    /// <summary>If-None-Match: * and the object already had its copies.</summary>
    AlreadyStored,
}
