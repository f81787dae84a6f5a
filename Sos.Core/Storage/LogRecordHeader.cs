using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Storage;

/// <summary>The fixed part of a log record, read back and checked (see <see cref="LogRecord"/>).</summary>
public readonly record struct LogRecordHeader(byte Kind, ObjectId Id, HybridTimestamp Stamp, int MetadataLength, int Length, ulong PayloadSum)
{
    public int DataLength => Length - LogRecord.HeaderSize - MetadataLength;
}
