package io.sessiond.store.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The append-only journal of one generation, {@code journal-<generation>.log}: the changes made
 * since the snapshot of that generation. Used only from blocking code, one call at a time.
 */
final class Journal implements AutoCloseable {
  private final Path path;
  private final long generation;
  private final FileChannel channel;

  private Journal(Path path, long generation, FileChannel channel) {
    this.path = path;
    this.generation = generation;
    this.channel = channel;
  }

  static Path pathFor(Path dir, long generation) {
    return dir.resolve("journal-" + generation + ".log");
  }

  /** The generation a file name holds, or -1 when it is not a journal. */
  static long generationOf(Path file) {
    String name = file.getFileName().toString();
    if (!name.startsWith("journal-") || !name.endsWith(".log")) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring("journal-".length(), name.length() - ".log".length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Opens a journal for appending after its first {@code validLength} bytes, cutting off a torn
   * tail so that new records follow the last good one.
   */
  static Journal openForAppend(Path dir, long generation, long validLength) throws IOException {
    Path path = pathFor(dir, generation);
    boolean existed = Files.exists(path);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (channel.size() != validLength) {
      channel.truncate(validLength);
      channel.force(true);
    }
    channel.position(validLength);
    if (!existed) {
      RecordFile.syncDirectory(dir);
    }
    return new Journal(path, generation, channel);
  }

  long generation() {
    return generation;
  }

  void append(List<byte[]> records) throws IOException {
    RecordFile.append(channel, records);
  }

  /** Closes this journal and removes it: a snapshot of a later generation now holds its changes. */
  void retire() throws IOException {
    close();
    Files.deleteIfExists(path);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
