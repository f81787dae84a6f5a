using System.Security.Cryptography;

namespace Sos.Core.Objects;

/// <summary>
/// Reads a whole copy while hashing it, and checks it against its id before handing out its
/// last bytes: the read that would complete the object throws <see cref="CorruptCopyException"/>
/// instead of returning them. A reader that forwards what it reads therefore never forwards a
/// complete body that is wrong; with the length known, the receiver sees a short body, never
/// a clean one. When the length is not known (a body sent chunked), the check happens at the
/// end of the source, and the read that finds the end throws instead of returning 0: a reader
/// that forwards a chunked body never sends its last chunk. Only whole objects can be checked,
/// never a range of one.
/// </summary>
public sealed class VerifyingReadStream(Stream source, ObjectId id, long? length, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
    private long _read;
    private bool _verified;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_verified || buffer.IsEmpty)
        {
            // Past the end: whatever the source still has is one byte too many.
            if (_verified && !buffer.IsEmpty && await source.ReadAsync(buffer[..1], cancellationToken) > 0)
            {
                throw new CorruptCopyException(id, $"more than the {length} bytes announced");
            }
            return 0;
        }
        if (length is null)
        {
            var got = await source.ReadAsync(buffer, cancellationToken);
            if (got == 0)
            {
                Verify();
                return 0;
            }
            _sha1.AppendData(buffer.Span[..got]);
            _read += got;
            return got;
        }
        // Never read past the announced length, so the last bytes stay held back until checked.
        var wanted = (int)Math.Min(buffer.Length, length.Value - _read);
        var read = wanted == 0 ? 0 : await source.ReadAsync(buffer[..wanted], cancellationToken);
        if (read == 0 && _read < length)
        {
            throw new CorruptCopyException(id, $"it ended after {_read} of {length} bytes");
        }
        _sha1.AppendData(buffer.Span[..read]);
        _read += read;
        if (_read == length)
        {
            Verify();
        }
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Verify()
    {
        Span<byte> digest = stackalloc byte[ObjectId.ByteLength];
        _sha1.GetHashAndReset(digest);
        var actual = ObjectId.FromDigest(digest);
        if (actual != id)
        {
            throw new CorruptCopyException(id, $"its bytes hash to {actual}");
        }
        _verified = true;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length ?? throw new NotSupportedException("The length of a chunked body is known only at its end.");
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha1.Dispose();
            if (!leaveOpen)
            {
                source.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _sha1.Dispose();
        if (!leaveOpen)
        {
            await source.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
