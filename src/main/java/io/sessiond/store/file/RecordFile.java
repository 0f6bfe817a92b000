package io.sessiond.store.file;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The framing shared by journals and snapshots: each record is a 4-byte length, a 4-byte CRC32 of
 * that length and the payload, then the payload. A crash mid-append leaves a short or mismatching
 * record at the end, which {@link #scan} detects; everything before it is intact.
 */
final class RecordFile {
  /** Far above the largest record (a 32 MiB import, escaped); a bigger length is corruption. */
  static final int MAX_RECORD_BYTES = 256 << 20;
  private static final int HEADER_BYTES = 8;

  private RecordFile() {
  }

  /** The intact records of a file, and where the intact part ends. */
  record Scan(List<byte[]> records, long validLength, long fileLength) {
    boolean torn() {
      return validLength < fileLength;
    }
  }

  static Scan scan(Path file) throws IOException {
    long fileLength = Files.size(file);
    List<byte[]> records = new ArrayList<>();
    long offset = 0;
    try (InputStream raw = Files.newInputStream(file);
         DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      while (fileLength - offset >= HEADER_BYTES) {
        int length = in.readInt();
        int crc = in.readInt();
        if (length <= 0 || length > MAX_RECORD_BYTES || length > fileLength - offset - HEADER_BYTES) {
          break;
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length != length || checksum(length, payload) != crc) {
          break;
        }
        records.add(payload);
        offset += HEADER_BYTES + length;
      }
    }
    return new Scan(records, offset, fileLength);
  }

  /** Appends the records in one write and forces them (not the file's metadata) to disk. */
  static void append(FileChannel channel, List<byte[]> payloads) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(framedSize(payloads));
    for (byte[] payload : payloads) {
      buffer.putInt(payload.length).putInt(checksum(payload.length, payload)).put(payload);
    }
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    channel.force(false);
  }

  /** Forces a directory entry change (a create or a rename) to disk, as Linux needs. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static int framedSize(List<byte[]> payloads) {
    long size = 0;
    for (byte[] payload : payloads) {
      size += HEADER_BYTES + payload.length;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a journal batch of " + size + " bytes is too large for one write");
    }
    return (int) size;
  }

  private static int checksum(int length, byte[] payload) {
    CRC32 crc = new CRC32();
    crc.update(ByteBuffer.allocate(4).putInt(0, length));
    crc.update(payload);
    return (int) crc.getValue();
  }
}
