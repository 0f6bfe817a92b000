package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store as users meet it: a daemon with SESSION_STORE=file is stopped and started again on
 * the same folder, and everything acknowledged is still there; a torn journal tail does not stop it.
 */
@ExtendWith(VertxExtension.class)
class FileStoreRestartApiTest {
  private static final String TENANT = "acme";
  private static final String BUFFER_KEY = "{\"type\":\"Buffer\",\"data\":\"AAECAwQFBgcICQ==\"}";

  @TempDir
  Path dataDir;

  private Future<TestDaemon> daemon(Vertx vertx, String key) {
    return TestDaemon.builder().set("SESSION_STORE", "file").set("DATA_DIR", dataDir)
        .set("SNAPSHOT_EVERY", 5).tenantWithKeys(TENANT, key).start(vertx);
  }

  @Test
  void restart_restoresSessionsKeysAndMessages_byteForByte(Vertx vertx, VertxTestContext ctx) {
    String key = "key-" + TestDaemon.freshSession();
    String id = "123@s.whatsapp.net";
    String base = "/v1/sessions/" + id;
    daemon(vertx, key)
        .compose(d -> write(d.api(TENANT), base).compose(v -> d.stop()))
        .compose(v -> daemon(vertx, key))
        .compose(d -> d.api(TENANT).get(base + "/export").compose(r -> d.stop().map(r)))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          String body = r.bodyAsString();
          assertTrue(body.contains("\"pre-key\":{\"1\":" + BUFFER_KEY), body);
          JsonObject export = r.bodyAsJsonObject();
          assertEquals("connected", export.getString("state"));
          assertEquals(new JsonObject().put("me", "bot"), export.getJsonObject("creds"));
          assertEquals(20, export.getJsonObject("keys").getJsonObject("pre-key").size());
          JsonArray messages = export.getJsonArray("messages");
          assertEquals(3, messages.size());
          assertEquals("third", messages.getJsonObject(2).getString("content"));
          ctx.completeNow();
        })));
  }

  @Test
  void tornJournalTail_isSkipped_andTheDaemonKeepsServing(Vertx vertx, VertxTestContext ctx) {
    String key = "key-" + TestDaemon.freshSession();
    String base = "/v1/sessions/torn";
    daemon(vertx, key)
        .compose(d -> d.api(TENANT).create("torn", new JsonObject().put("data", new JsonObject().put("v", 1)))
            .compose(r -> d.stop()))
        .compose(v -> appendGarbageToNewestJournal())
        .compose(v -> daemon(vertx, key))
        .compose(d -> {
          Api api = d.api(TENANT);
          return api.get(base)
              .compose(read -> api.patch(base, new JsonObject().put("v", 2)).map(read))
              .compose(read -> d.stop().map(read));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertEquals(1, r.bodyAsJsonObject().getJsonObject("data").getInteger("v"));
          ctx.completeNow();
        })));
  }

  private Future<Void> write(Api api, String base) {
    Future<?> chain = api.create(base.substring(base.lastIndexOf('/') + 1),
        new JsonObject().put("creds", new JsonObject().put("me", "bot")).put("state", "registering"));
    for (String state : new String[] {"registered", "connected"}) {
      chain = chain.compose(r -> api.post(base + "/state", new JsonObject().put("state", state)));
    }
    for (int i = 1; i <= 20; i++) {
      JsonObject batch = new JsonObject().put("pre-key", new JsonObject().put(String.valueOf(i), new JsonObject(BUFFER_KEY)));
      chain = chain.compose(r -> api.post(base + "/keys", batch));
    }
    for (String content : new String[] {"first", "second", "third"}) {
      chain = chain.compose(r -> api.post(base + "/messages", new JsonObject().put("role", "user").put("content", content)));
    }
    return chain.mapEmpty();
  }

  /** A crash in the middle of a write leaves a partial record at the end of the journal. */
  private Future<Void> appendGarbageToNewestJournal() {
    try (Stream<Path> files = Files.list(dataDir)) {
      Path journal = files.filter(p -> p.getFileName().toString().contains("journal"))
          .max(java.util.Comparator.comparing(Path::toString))
          .orElseThrow(() -> new AssertionError("no journal in " + dataDir));
      Files.write(journal, new byte[] {0, 0, 1, 0, 42, 42, 42}, StandardOpenOption.APPEND);
      return Future.succeededFuture();
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
  }
}
