namespace Sos.Client;

/// <summary>An object Sos holds after an upload.</summary>
/// <param name="Id">The object's id: the SHA-1 of its bytes, 40 lowercase hex characters.</param>
/// <param name="Size">The object's size in bytes.</param>
/// <param name="AlreadyStored">
/// True when the store already had the object with its copies and said so before the body was
/// sent (an upload of a file announces its SHA-1 first): nothing was written.
/// </param>
/// <param name="BytesSent">Bytes of the body handed to the connection, every attempt counted: 0 when the store had the object.</param>
public sealed record SosUploadResult(string Id, long Size, bool AlreadyStored, long BytesSent);
