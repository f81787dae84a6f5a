using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage.SmallObjects;

/// <summary>Where one copy lives in the small-object log: its record's segment and offset, and the sizes of what the record holds.</summary>
internal readonly record struct LogEntry(int Segment, long Offset, int MetadataLength, int DataLength, HybridTimestamp Stamp)
{
    public int RecordLength => LogRecord.HeaderSize + MetadataLength + DataLength;

    public long MetadataOffset => Offset + LogRecord.HeaderSize;

    public long DataOffset => MetadataOffset + MetadataLength;
}
