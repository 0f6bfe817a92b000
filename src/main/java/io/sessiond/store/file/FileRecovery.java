package io.sessiond.store.file;

import io.sessiond.store.memory.StoreChange;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up of the file store's directory, in blocking code: either read the latest snapshot and the
 * journal after it, or (without restore) move the old files aside so that starting empty destroys
 * nothing. A torn or corrupt journal tail is expected after a crash: it is reported once, cut off,
 * and never stops the start.
 */
final class FileRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(FileSessionStore.class);
  private static final DateTimeFormatter ASIDE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'");

  private FileRecovery() {
  }

  /** What start-up found; {@code tornAtByte} is -1 when the journal ended cleanly. */
  record Report(int snapshotSessions, int journalRecords, long tornAtByte, long bytesSkipped, Path movedAsideTo) {
  }

  /** The changes to replay, in order, and the journal to append to next. */
  record Recovered(List<StoreChange> changes, Journal journal, Report report) {
  }

  static Recovered recover(Path dir, boolean restore) throws IOException {
    Files.createDirectories(dir);
    Path movedAsideTo = restore ? null : moveAside(dir);
    Files.deleteIfExists(dir.resolve(SnapshotFile.TEMP_NAME));
    SnapshotFile.Loaded snapshot = SnapshotFile.read(dir);
    long generation = snapshot == null ? 0 : snapshot.generation();
    removeSupersededJournals(dir, generation);
    List<StoreChange> changes = new ArrayList<>(snapshot == null ? List.of() : snapshot.sessions());
    Path journalPath = Journal.pathFor(dir, generation);
    RecordFile.Scan scan = Files.exists(journalPath)
        ? RecordFile.scan(journalPath) : new RecordFile.Scan(List.of(), 0, 0);
    if (scan.torn()) {
      LOG.warn("journal {} has a torn or corrupt record at byte {}: skipped {} bytes after the last good record"
          + " and truncated the journal there", journalPath, scan.validLength(),
          scan.fileLength() - scan.validLength());
    }
    for (byte[] record : scan.records()) {
      changes.add(ChangeCodec.decode(record));
    }
    Journal journal = Journal.openForAppend(dir, generation, scan.validLength());
    Report report = new Report(changes.size() - scan.records().size(), scan.records().size(),
        scan.torn() ? scan.validLength() : -1, scan.fileLength() - scan.validLength(), movedAsideTo);
    return new Recovered(changes, journal, report);
  }

  /**
   * Moves every snapshot and journal into {@code discarded-<UTC time>/} inside the directory:
   * AUTO_RESTORE_SESSIONS=false means "start empty", not "erase the backup". Null when there was
   * nothing to move.
   */
  private static Path moveAside(Path dir) throws IOException {
    List<Path> files = storeFiles(dir);
    if (files.isEmpty()) {
      return null;
    }
    Path aside = dir.resolve("discarded-" + ASIDE_STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)));
    for (int n = 2; Files.exists(aside); n++) {
      aside = dir.resolve(aside.getFileName() + "-" + n);
    }
    Files.createDirectories(aside);
    for (Path file : files) {
      Files.move(file, aside.resolve(file.getFileName()));
    }
    RecordFile.syncDirectory(dir);
    LOG.warn("restore is off: started empty and moved {} earlier store files to {}", files.size(), aside);
    return aside;
  }

  private static List<Path> storeFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (Journal.generationOf(entry) >= 0 || name.equals(SnapshotFile.NAME) || name.equals(SnapshotFile.TEMP_NAME)) {
          files.add(entry);
        }
      }
    }
    return files;
  }

  /** Journals older than the snapshot are in it already (a crash came between rename and delete). */
  private static void removeSupersededJournals(Path dir, long generation) throws IOException {
    for (Path file : storeFiles(dir)) {
      long journalGeneration = Journal.generationOf(file);
      if (journalGeneration >= 0 && journalGeneration < generation) {
        Files.delete(file);
      } else if (journalGeneration > generation) {
        LOG.warn("ignoring {}: it is newer than the snapshot (generation {})", file, generation);
      }
    }
  }
}
