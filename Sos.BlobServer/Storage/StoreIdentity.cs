using System.Security.Cryptography;

namespace Sos.BlobServer.Storage;

/// <summary>
/// A blob server's stable identity: 32 lowercase hex characters in <c>root/.identity</c>, made
/// once on first start and written durably. It belongs to the data, not to the name the server
/// is reached by, so the replicator can tell that two names lead to the same copies.
/// </summary>
internal static class StoreIdentity
{
    public const string FileName = ".identity";
    private const int Length = 32;

    public static string LoadOrCreate(string root)
    {
        var path = Path.Combine(root, FileName);
        if (File.Exists(path))
        {
            var held = File.ReadAllText(path).Trim();
            // A damaged identity is not silently replaced: a new one would make the replicator count these copies twice.
            return IsValid(held)
                ? held
                : throw new InvalidOperationException($"{path} does not hold an identity (32 lowercase hex characters); restore it or remove it to make a new one.");
        }
        var identity = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Length / 2));
        var temp = path + ".new";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(identity + "\n"));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: false);
        FsyncCommitter.FlushDirectory(root);
        return identity;
    }

    public static bool IsValid(string identity) =>
        identity.Length == Length && identity.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
