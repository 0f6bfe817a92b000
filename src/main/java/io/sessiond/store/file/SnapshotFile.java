package io.sessiond.store.file;

import io.sessiond.store.memory.StoreChange;
import io.sessiond.store.memory.StoreChange.Imported;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code snapshot.dat}: every session at one instant, as a header record then one import record
 * per session, in the journal's framing. It is written to a temporary file, forced, and renamed
 * over the old one, so a reader only ever sees a whole snapshot; its generation names the journal
 * holding the changes made after it.
 */
final class SnapshotFile {
  static final String NAME = "snapshot.dat";
  static final String TEMP_NAME = "snapshot.tmp";
  private static final String FORMAT = "sessiond.snapshot.v1";

  private SnapshotFile() {
  }

  /** A snapshot as read back: its generation and its sessions. */
  record Loaded(long generation, List<StoreChange> sessions) {
  }

  /** Writes and forces the temporary file; nothing visible changes yet. */
  static Path writeTemp(Path dir, long generation, List<Imported> sessions) throws IOException {
    List<byte[]> records = new ArrayList<>(sessions.size() + 1);
    records.add(new JsonObject().put("format", FORMAT).put("generation", generation).put("sessions", sessions.size())
        .toBuffer().getBytes());
    sessions.forEach(session -> records.add(ChangeCodec.encode(session)));
    Path temp = dir.resolve(TEMP_NAME);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      RecordFile.append(channel, records);
    }
    return temp;
  }

  /** Makes a written temporary file the snapshot, atomically and durably. */
  static void install(Path dir, Path temp) throws IOException {
    Files.move(temp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    RecordFile.syncDirectory(dir);
  }

  /**
   * The snapshot in {@code dir}, or {@code null} when there is none. A damaged snapshot is an
   * {@link IOException}: it was renamed into place whole, so damage means the disk lost data, and
   * starting without it would silently drop sessions.
   */
  static Loaded read(Path dir) throws IOException {
    Path file = dir.resolve(NAME);
    if (!Files.exists(file)) {
      return null;
    }
    RecordFile.Scan scan = RecordFile.scan(file);
    if (scan.torn() || scan.records().isEmpty()) {
      throw new IOException(file + " is damaged at byte " + scan.validLength());
    }
    JsonObject header = new JsonObject(io.vertx.core.buffer.Buffer.buffer(scan.records().get(0)));
    int count = header.getInteger("sessions", -1);
    if (!FORMAT.equals(header.getString("format")) || count != scan.records().size() - 1) {
      throw new IOException(file + " is not a complete " + FORMAT + " snapshot");
    }
    List<StoreChange> sessions = new ArrayList<>(count);
    for (byte[] record : scan.records().subList(1, scan.records().size())) {
      sessions.add(ChangeCodec.decode(record));
    }
    return new Loaded(header.getLong("generation"), sessions);
  }
}
