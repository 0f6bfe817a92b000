package io.sessiond.store.file;

import io.sessiond.store.SessionStoreContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import static io.sessiond.store.SessionStoreContract.checking;
import static io.sessiond.store.SessionStoreContract.failsWith;
import static io.sessiond.store.StoreRequests.ANY_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.store.StoreRequests.Written;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What survives a restart of the file store. A "crash" is simply abandoning a store without
 * closing it: every acknowledged write is already fsynced, so the next store on the same directory
 * must find it. Journal damage is made by hand, as a crash mid-append or a bad disk would leave it.
 */
@ExtendWith(VertxExtension.class)
class FileSessionStoreRecoveryTest {
  private static final String CREDS = "{\"noiseKey\":{\"private\":{\"type\":\"Buffer\",\"data\":\"AAEC/w==\"}},\"n\":1.50}";
  private static final String UNICODE_VALUE = "{\"v\":\"é€😀\",\"e\":1e3}";

  @TempDir
  Path dir;
  private Vertx vertx;
  private Context context;
  private final String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
  private final Logger storeLogger = (Logger) LoggerFactory.getLogger(FileSessionStore.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    logged.start();
    storeLogger.addAppender(logged);
  }

  @AfterEach
  void tearDown() {
    storeLogger.detachAppender(logged);
  }

  @Test
  void restart_restoresSessionsKeysAndMessages_byteForByte(VertxTestContext tc) {
    List<SessionExport> before = new ArrayList<>();
    run(tc, () -> open(true, 1000)
        .compose(store -> put(store, "s1", "{\"n\":1.50,\"u\":\"ü\"}", CREDS)
            .compose(v -> put(store, "s2", "{}", null))
            .compose(v -> put(store, "gone", "{}", null))
            .compose(v -> writeKeys(store, "s1", Map.of("pre-key", Map.of("1", CREDS, "2", UNICODE_VALUE),
                "session", Map.of("peer@s.whatsapp.net", "{\"x\":[1,2]}"))))
            .compose(v -> append(store, "s1", 7))
            .compose(v -> store.patch(new PatchSession(tenant, "s1", "{\"u\":null,\"p\":{\"q\":1}}", ANY_VERSION)))
            .compose(v -> store.transition(new Transition(tenant, "s2", SessionState.REGISTERING, ANY_VERSION)))
            .compose(v -> store.delete(new SessionRef(tenant, "gone")))
            .compose(v -> store.export(new SessionRef(tenant, "s1")).onSuccess(before::add))
            .compose(v -> store.export(new SessionRef(tenant, "s2")).onSuccess(before::add)))
        .compose(v -> open(true, 1000))
        .compose(store -> store.export(new SessionRef(tenant, "s1"))
            .compose(checking(after -> assertEquals(before.get(0), after)))
            .compose(v -> store.export(new SessionRef(tenant, "s2")))
            .compose(checking(after -> assertEquals(before.get(1), after)))
            .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.get(new SessionRef(tenant, "gone"))))
            .compose(v -> store.appendMessages(new AppendMessages(tenant, "s1", List.of("{\"id\":\"next\"}"),
                ANY_VERSION)))
            .compose(checking(a -> assertEquals(8, a.firstSeq())))));
  }

  @Test
  void restart_afterSnapshotAndMoreJournal_restoresEverything(VertxTestContext tc) {
    run(tc, () -> open(true, 4)
        .compose(store -> writeKeysOneByOne(store, 9))
        .compose(v -> open(true, 4))
        .compose(store -> {
          FileRecovery.Report report = store.recovery();
          return store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(9)))
              .compose(checking(found -> {
                assertTrue(Files.exists(dir.resolve(SnapshotFile.NAME)));
                assertEquals(1, report.snapshotSessions());
                assertEquals(2, report.journalRecords());
                assertEquals(9, found.values().size());
                assertEquals("\"value 9\"", found.values().get("9"));
              }))
              .compose(v -> store.get(new SessionRef(tenant, "s1")))
              .compose(checking(s -> assertEquals(10, s.version())));
        }));
  }

  @Test
  void close_writesASnapshot_soTheNextStartReplaysNoJournal(VertxTestContext tc) {
    run(tc, () -> open(true, 1000)
        .compose(store -> writeKeysOneByOne(store, 3).compose(v -> store.close()))
        .compose(v -> open(true, 1000))
        .compose(checking(store -> {
          assertEquals(1, store.recovery().snapshotSessions());
          assertEquals(0, store.recovery().journalRecords());
        }))
        .compose(store -> store.get(new SessionRef(tenant, "s1")))
        .compose(checking(s -> assertEquals(4, s.version()))));
  }

  @Test
  void tornTail_cutMidRecord_isSkippedAndReportedOnce_andNewAppendsSurvive(VertxTestContext tc) {
    Path journal = Journal.pathFor(dir, 0);
    run(tc, () -> open(true, 1000)
        .compose(store -> writeKeysOneByOne(store, 2))
        .compose(v -> shorten(journal, 5))
        .compose(v -> open(true, 1000))
        .compose(store -> checkTornReport(store, -1)
            .compose(v -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(2))))
            .compose(checking(found -> assertEquals(Map.of("1", "\"value 1\""), found.values())))
            .compose(v -> writeKeys(store, "s1", Map.of("pre-key", Map.of("3", "\"value 3\"")))))
        .compose(v -> open(true, 1000))
        .compose(store -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(3)))
            .compose(checking(found -> {
              assertEquals(-1, store.recovery().tornAtByte());
              assertEquals(Map.of("1", "\"value 1\"", "3", "\"value 3\""), found.values());
              assertEquals(1, warnings());
            }))));
  }

  @Test
  void garbageAfterTheLastRecord_isSkippedAndReported_andNewAppendsSurvive(VertxTestContext tc) {
    Path journal = Journal.pathFor(dir, 0);
    byte[] garbage = "\u0000\u0000\u0000\u0010not a record at all, just noise".getBytes();
    run(tc, () -> open(true, 1000)
        .compose(store -> writeKeysOneByOne(store, 2))
        .compose(v -> appendBytes(journal, garbage))
        .compose(v -> open(true, 1000))
        .compose(store -> checkTornReport(store, garbage.length)
            .compose(v -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(2))))
            .compose(checking(found -> assertEquals(2, found.values().size())))
            .compose(v -> writeKeys(store, "s1", Map.of("pre-key", Map.of("3", "\"value 3\"")))))
        .compose(v -> open(true, 1000))
        .compose(store -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(3)))
            .compose(checking(found -> {
              assertEquals(-1, store.recovery().tornAtByte());
              assertEquals(3, found.values().size());
            }))));
  }

  @Test
  void restoreOff_startsEmpty_andMovesTheOldFilesAside(VertxTestContext tc) {
    run(tc, () -> open(true, 1000)
        .compose(store -> put(store, "s1", "{\"keep\":1}", null).compose(v -> store.close()))
        .compose(v -> open(false, 1000))
        .compose(store -> failsWith(StoreFailure.NOT_FOUND, store.get(new SessionRef(tenant, "s1")))
            .compose(checking(v -> {
              Path aside = store.recovery().movedAsideTo();
              assertNotNull(aside);
              assertTrue(aside.getFileName().toString().startsWith("discarded-"));
              assertTrue(Files.exists(aside.resolve(SnapshotFile.NAME)));
            }))
            .compose(v -> put(store, "fresh", "{}", null))
            .compose(v -> store.close()))
        .compose(v -> open(true, 1000))
        .compose(store -> failsWith(StoreFailure.NOT_FOUND, store.get(new SessionRef(tenant, "s1")))
            .compose(v -> store.get(new SessionRef(tenant, "fresh")))
            .compose(checking(s -> assertNull(store.recovery().movedAsideTo())))));
  }

  @Test
  void manyWritesInOneTurn_allCompleteInOrder_andAllSurviveARestart(VertxTestContext tc) {
    int writes = 200;
    run(tc, () -> open(true, 64)
        .compose(store -> put(store, "s1", "{}", null).compose(v -> {
          List<Future<Written>> inFlight = new ArrayList<>();
          for (int i = 1; i <= writes; i++) {
            inFlight.add(store.writeKeys(new WriteKeys(tenant, "s1",
                Map.of("pre-key", Map.of(String.valueOf(i), "\"value " + i + "\"")), ANY_VERSION)));
          }
          return Future.all(inFlight).compose(checking(all -> {
            for (int i = 0; i < writes; i++) {
              assertEquals(i + 2, ((Written) all.resultAt(i)).version());
            }
          }));
        }))
        .compose(v -> open(true, 64))
        .compose(store -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(writes)))
            .compose(checking(found -> assertEquals(writes, found.values().size())))
            .compose(v -> store.get(new SessionRef(tenant, "s1")))
            .compose(checking(s -> assertEquals(writes + 1, s.version())))));
  }

  @Test
  void failedJournalWrite_failsThatWriteUnavailable_andRefusesEverythingUntilRestart(VertxTestContext tc) {
    run(tc, () -> open(true, 1000)
        .compose(store -> writeKeysOneByOne(store, 1)
            .compose(v -> breakJournalOf(store))
            .compose(v -> failsWith(StoreFailure.UNAVAILABLE,
                writeKeys(store, "s1", Map.of("pre-key", Map.of("2", "\"lost\"")))))
            .compose(v -> failsWith(StoreFailure.UNAVAILABLE, store.get(new SessionRef(tenant, "s1"))))
            .compose(v -> failsWith(StoreFailure.UNAVAILABLE, put(store, "other", "{}", null))))
        .compose(v -> open(true, 1000))
        .compose(store -> store.queryKeys(new QueryKeys(tenant, "s1", "pre-key", keyIds(2))))
        .compose(checking(found -> assertEquals(Map.of("1", "\"value 1\""), found.values()))));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  @Test
  void restart_restoresBlobs_fromJournalThenSnapshot_andDropsUploadsStillStaged(VertxTestContext tc) {
    io.vertx.core.buffer.Buffer blob = SessionStoreContract.bytes(StoreRequests.BLOB_CHUNK_BYTES + 99, 21);
    int chunk = StoreRequests.BLOB_CHUNK_BYTES;
    run(tc, () -> open(true, 1000)
        .compose(store -> store.put(new PutSession(tenant, "s1", "{}", null, null, null, ANY_VERSION))
            .compose(v -> store.stageBlobChunk(new StoreRequests.BlobChunk(tenant, "s1", "up1", 0, blob.getBuffer(0, chunk))))
            .compose(v -> store.stageBlobChunk(new StoreRequests.BlobChunk(tenant, "s1", "up1", 1,
                blob.getBuffer(chunk, blob.length()))))
            .compose(v -> store.commitBlob(new StoreRequests.CommitBlob(tenant, "s1", "a.zip", "up1", 2, blob.length(),
                ANY_VERSION)))
            .compose(v -> store.stageBlobChunk(new StoreRequests.BlobChunk(tenant, "s1", "up2", 0,
                io.vertx.core.buffer.Buffer.buffer("partial")))))
        // Abandoned without closing: the journal alone must bring the blob back.
        .compose(v -> open(true, 1000))
        .compose(store -> readBlob(store, "a.zip")
            .compose(checking(read -> assertEquals(blob, read)))
            .compose(v -> failsWith(StoreFailure.INVALID, store.commitBlob(new StoreRequests.CommitBlob(tenant, "s1",
                "b", "up2", 1, 7, ANY_VERSION))))
            .compose(v -> store.close()))
        // Closed cleanly: now it comes back from the snapshot.
        .compose(v -> open(true, 1000))
        .compose(store -> readBlob(store, "a.zip").compose(checking(read -> assertEquals(blob, read)))));
  }

  private Future<io.vertx.core.buffer.Buffer> readBlob(FileSessionStore store, String name) {
    return store.blobInfo(new StoreRequests.BlobRef(tenant, "s1", name, ANY_VERSION)).compose(info -> {
      Future<io.vertx.core.buffer.Buffer> all = Future.succeededFuture(io.vertx.core.buffer.Buffer.buffer());
      for (int i = 0; i < info.chunks(); i++) {
        int index = i;
        all = all.compose(b -> store.readBlobChunk(new StoreRequests.ReadBlobChunk(tenant, "s1", name,
            info.generation(), index)).map(d -> b.appendBuffer(d.data())));
      }
      return all;
    });
  }

  private Future<FileSessionStore> open(boolean restore, int snapshotEvery) {
    FileSessionStore store = new FileSessionStore(vertx, SessionStoreContract.settings(), dir, restore, snapshotEvery);
    return store.open().map(store);
  }

  private void run(VertxTestContext tc, Supplier<Future<?>> body) {
    context.runOnContext(v -> {
      Future<?> outcome;
      try {
        outcome = body.get();
      } catch (Throwable t) {
        outcome = Future.failedFuture(t);
      }
      outcome.onComplete(tc.succeedingThenComplete());
    });
  }

  private Future<Void> checkTornReport(FileSessionStore store, long expectedSkipped) {
    return Future.<Void>succeededFuture().compose(checking(v -> {
      FileRecovery.Report report = store.recovery();
      assertTrue(report.tornAtByte() > 0, "torn at " + report.tornAtByte());
      assertTrue(report.bytesSkipped() > 0);
      if (expectedSkipped >= 0) {
        assertEquals(expectedSkipped, report.bytesSkipped());
      }
      assertEquals(1, warnings());
      String warning = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).findFirst()
          .orElseThrow().getFormattedMessage();
      assertTrue(warning.contains("byte " + report.tornAtByte()), warning);
      assertTrue(warning.contains("skipped " + report.bytesSkipped() + " bytes"), warning);
    }));
  }

  private long warnings() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
  }

  private Future<Void> put(SessionStore store, String id, String data, String creds) {
    return store.put(new PutSession(tenant, id, data, creds, null, 0L, ANY_VERSION)).mapEmpty();
  }

  private Future<Void> writeKeys(SessionStore store, String id, Map<String, Map<String, String>> batch) {
    return store.writeKeys(new WriteKeys(tenant, id, batch, ANY_VERSION)).mapEmpty();
  }

  /** Creates s1, then writes keys 1..n one write at a time: n + 1 journal records. */
  private Future<Void> writeKeysOneByOne(SessionStore store, int n) {
    Future<Void> chain = put(store, "s1", "{}", null);
    for (int i = 1; i <= n; i++) {
      String keyId = String.valueOf(i);
      chain = chain.compose(v -> writeKeys(store, "s1", Map.of("pre-key", Map.of(keyId, "\"value " + keyId + "\""))));
    }
    return chain;
  }

  private Future<Void> append(SessionStore store, String id, int count) {
    List<String> messages = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      messages.add("{\"id\":\"m" + i + "\",\"role\":\"user\",\"content\":{\"text\":\"ñ " + i + "\"}}");
    }
    return store.appendMessages(new AppendMessages(tenant, id, messages, ANY_VERSION)).mapEmpty();
  }

  private static List<String> keyIds(int n) {
    return Stream.iterate(1, i -> i + 1).limit(n).map(String::valueOf).toList();
  }

  private Future<Void> shorten(Path file, int bytes) {
    return vertx.executeBlocking(() -> {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.truncate(channel.size() - bytes);
      }
      return null;
    });
  }

  private Future<Void> appendBytes(Path file, byte[] bytes) {
    return vertx.executeBlocking(() -> {
      Files.write(file, bytes, StandardOpenOption.APPEND);
      return null;
    });
  }

  /** Fault injection: closes the store's journal file under it, so the next append fails. */
  private Future<Void> breakJournalOf(FileSessionStore store) {
    return vertx.executeBlocking(() -> {
      Object groupCommit = field(store, "journal");
      ((Journal) field(groupCommit, "journal")).close();
      return null;
    });
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }
}
