namespace Sos.BlobServer.Storage;

/// <summary>Which file on the machine: a path can be renamed over, a (device, inode) pair cannot.</summary>
public readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode);
