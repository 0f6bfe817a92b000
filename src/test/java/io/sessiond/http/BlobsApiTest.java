package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayInputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Binary blobs over HTTP: streamed upload in chunks, atomic replace, streamed download, listing, limits and preconditions. */
@ExtendWith(VertxExtension.class)
class BlobsApiTest {
  private static final int MAX_BLOB = 3 * 1024 * 1024;
  private static final String KEY = "blob-key-" + java.util.UUID.randomUUID();
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String OTHER_TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenantWithKeys(TENANT, KEY)
      .tenant(OTHER_TENANT).set("MAX_BLOB_BYTES", MAX_BLOB));

  private static Api api() {
    return daemon.api(TENANT);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Future<HttpResponse<Buffer>> putBlob(String path, byte[] data, String ifMatch) {
    return putBlob(api(), path, data, ifMatch);
  }

  private static Future<HttpResponse<Buffer>> putBlob(Api api, String path, byte[] data, String ifMatch) {
    var r = api.request(HttpMethod.PUT, path).putHeader("Content-Type", "application/octet-stream");
    if (ifMatch != null) {
      r.putHeader("If-Match", ifMatch);
    }
    return r.sendBuffer(Buffer.buffer(data));
  }

  private static Future<String> session() {
    return session(api());
  }

  private static Future<String> session(Api api) {
    String id = TestDaemon.freshSession();
    return api.create(id, new JsonObject()).map("/v1/sessions/" + id);
  }

  @Test
  void putThenGet_streamsTheBytesBack_withLengthAndEtag_andReplaceIsAtomic(Vertx vertx, VertxTestContext tc) {
    byte[] first = bytes(1_500_000, 1);
    byte[] second = bytes(700_000, 2);
    session().compose(s -> putBlob(s + "/blobs/session.zip", first, null)
        .compose(r -> check(tc, () -> {
          assertEquals(201, r.statusCode());
          assertEquals("\"2\"", r.getHeader("ETag"));
        }))
        .compose(v -> api().get(s + "/blobs/session.zip"))
        .compose(r -> check(tc, () -> {
          assertEquals(200, r.statusCode());
          assertEquals("application/octet-stream", r.getHeader("Content-Type"));
          assertEquals(Integer.toString(first.length), r.getHeader("Content-Length"));
          assertEquals("\"2\"", r.getHeader("ETag"));
          assertArrayEquals(first, r.body().getBytes());
        }))
        .compose(v -> putBlob(s + "/blobs/session.zip", second, "\"1\""))
        .compose(r -> check(tc, () -> assertProblem(r, 412)))
        .compose(v -> putBlob(s + "/blobs/session.zip", second, "\"2\""))
        .compose(r -> check(tc, () -> {
          assertEquals(204, r.statusCode());
          assertEquals("\"3\"", r.getHeader("ETag"));
        }))
        .compose(v -> api().request(HttpMethod.GET, s + "/blobs/session.zip").putHeader("If-None-Match", "\"3\"").send())
        .compose(r -> check(tc, () -> assertEquals(304, r.statusCode())))
        .compose(v -> api().get(s + "/blobs/session.zip"))
        .compose(r -> check(tc, () -> assertArrayEquals(second, r.body().getBytes())))
        .compose(v -> api().delete(s + "/blobs/session.zip"))
        .compose(r -> check(tc, () -> assertEquals(204, r.statusCode())))
        .compose(v -> api().get(s + "/blobs/session.zip"))
        .compose(r -> check(tc, () -> assertProblem(r, 404))))
        .onComplete(tc.succeedingThenComplete());
  }

  @Test
  void overTheLimit_is413_byContentLength_orWhileStreaming_andTheOldBlobStays(Vertx vertx, VertxTestContext tc) {
    byte[] old = bytes(10, 3);
    session().compose(s -> putBlob(s + "/blobs/b", old, null)
        .compose(r -> putBlob(s + "/blobs/b", new byte[MAX_BLOB + 1], null)
            .compose(over -> check(tc, () -> assertProblem(over, 413)))
            // The server answers 413 from the Content-Length and closes the connection; a client
            // still sending the body may see the close before it reads the answer.
            .recover(t -> t instanceof io.vertx.core.http.HttpClosedException
                ? Future.succeededFuture() : Future.failedFuture(t)))
        .compose(v -> chunkedUpload(vertx, s + "/blobs/b", MAX_BLOB + 100_000))
        .compose(status -> check(tc, () -> assertTrue(status == 413 || status == -1, "status " + status)))
        .compose(v -> api().get(s + "/blobs/b"))
        .compose(r -> check(tc, () -> assertArrayEquals(old, r.body().getBytes())))
        .compose(v -> chunkedUpload(vertx, s + "/blobs/b", MAX_BLOB))
        .compose(status -> check(tc, () -> assertEquals(204, status)))
        .compose(v -> api().get(s + "/blobs/b"))
        .compose(r -> check(tc, () -> assertEquals(MAX_BLOB, r.body().length()))))
        .onComplete(tc.succeedingThenComplete());
  }

  /** An upload without Content-Length (chunked transfer encoding); the status, or -1 when the connection was cut. */
  private static Future<Integer> chunkedUpload(Vertx vertx, String path, int size) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + daemon.port() + path))
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
            new ByteArrayInputStream(new byte[size / 2]), new ByteArrayInputStream(new byte[size - size / 2]))))
        .build();
    return vertx.executeBlocking(() -> {
      try {
        return HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (java.io.IOException e) {
        return -1;
      }
    });
  }

  @Test
  void badRequests_areRefused_beforeTheBodyIsRead(VertxTestContext tc) {
    session().compose(s -> api().request(HttpMethod.PUT, s + "/blobs/b").putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer("{}"))
        .compose(r -> check(tc, () -> assertProblem(r, 415)))
        .compose(v -> putBlob(s + "/blobs/bad%20name", new byte[1], null))
        .compose(r -> check(tc, () -> assertProblem(r, 400)))
        .compose(v -> putBlob("/v1/sessions/" + TestDaemon.freshSession() + "/blobs/b", new byte[1000], null))
        .compose(r -> check(tc, () -> assertProblem(r, 404)))
        .compose(v -> api().get(s + "/blobs/none"))
        .compose(r -> check(tc, () -> assertProblem(r, 404)))
        .compose(v -> api().delete(s + "/blobs/none"))
        .compose(r -> check(tc, () -> assertProblem(r, 404))))
        .onComplete(tc.succeedingThenComplete());
  }

  @Test
  void deletingTheSession_deletesItsBlobs(VertxTestContext tc) {
    session().compose(s -> putBlob(s + "/blobs/b", bytes(100, 4), null)
        .compose(r -> api().delete(s))
        .compose(r -> api().create(s.substring("/v1/sessions/".length()), new JsonObject()))
        .compose(r -> api().get(s + "/blobs/b"))
        .compose(r -> check(tc, () -> assertProblem(r, 404))))
        .onComplete(tc.succeedingThenComplete());
  }

  @Test
  void list_namesEveryBlob_inNameOrder_withSizeGenerationAndTheEtagItsGetAnswers(VertxTestContext tc) {
    listScenario(tc, api()).onComplete(tc.succeedingThenComplete());
  }

  /** The same on the Redis store, whose list is read by a script of its own. */
  @Test
  void list_onTheRedisStore(Vertx vertx, VertxTestContext tc) {
    String redisTenant = TestDaemon.freshTenant();
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis")
        .set("REDIS_PREFIX", TestRedis.uniquePrefix());
    TestRedis.settings().forEach(builder::set);
    builder.tenant(redisTenant).start(vertx)
        .compose(redis -> listScenario(tc, redis.api(redisTenant)).eventually(redis::stop))
        .onComplete(tc.succeedingThenComplete());
  }

  private static Future<Void> listScenario(VertxTestContext tc, Api api) {
    byte[] zip = bytes(1_200_000, 5);
    byte[] small = bytes(10, 6);
    String[] zipGeneration = new String[1];
    return session(api).compose(s -> api.get(s + "/blobs")
        .compose(r -> check(tc, () -> {
          assertEquals(200, r.statusCode());
          assertEquals("application/json", r.getHeader("Content-Type"));
          assertEquals("\"1\"", r.getHeader("ETag"));
          assertEquals(new JsonObject().put("version", 1).put("blobs", new JsonArray()), r.bodyAsJsonObject());
        }))
        .compose(v -> putBlob(api, s + "/blobs/RemoteAuth.zip", zip, null))
        .compose(v -> putBlob(api, s + "/blobs/a.bin", small, null))
        .compose(v -> putBlob(api, s + "/blobs/empty", new byte[0], null))
        .compose(v -> Future.all(api.get(s + "/blobs"), api.get(s + "/blobs/RemoteAuth.zip")))
        .compose(both -> check(tc, () -> {
          HttpResponse<Buffer> r = both.resultAt(0);
          HttpResponse<Buffer> blob = both.resultAt(1);
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertEquals("\"4\"", r.getHeader("ETag"));
          JsonObject list = r.bodyAsJsonObject();
          assertEquals(4L, list.getLong("version"));
          JsonArray blobs = list.getJsonArray("blobs");
          assertEquals(List.of("RemoteAuth.zip", "a.bin", "empty"), names(blobs), "name order (code points)");
          assertEquals(List.of((long) zip.length, (long) small.length, 0L),
              blobs.stream().map(b -> ((JsonObject) b).getLong("size")).toList());
          for (Object b : blobs) {
            JsonObject info = (JsonObject) b;
            assertEquals(Set.of("name", "size", "generation", "etag"), info.fieldNames());
            assertEquals(blob.getHeader("ETag"), info.getString("etag"), "the ETag the blob's GET answers");
            assertFalse(info.getString("generation").isEmpty());
          }
          assertEquals(3, blobs.stream().map(b -> ((JsonObject) b).getString("generation")).distinct().count());
          zipGeneration[0] = blobs.getJsonObject(0).getString("generation");
        }))
        .compose(v -> api.request(HttpMethod.GET, s + "/blobs").putHeader("If-None-Match", "\"4\"").send())
        .compose(r -> check(tc, () -> {
          assertEquals(304, r.statusCode());
          assertEquals("\"4\"", r.getHeader("ETag"));
        }))
        // A replace gives the blob a new generation; a delete takes it off the list.
        .compose(v -> putBlob(api, s + "/blobs/RemoteAuth.zip", small, null))
        .compose(v -> api.delete(s + "/blobs/a.bin"))
        .compose(v -> api.get(s + "/blobs"))
        .compose(r -> check(tc, () -> {
          JsonObject list = r.bodyAsJsonObject();
          assertEquals(6L, list.getLong("version"));
          JsonArray blobs = list.getJsonArray("blobs");
          assertEquals(List.of("RemoteAuth.zip", "empty"), names(blobs));
          assertEquals(small.length, blobs.getJsonObject(0).getLong("size"));
          assertNotEquals(zipGeneration[0], blobs.getJsonObject(0).getString("generation"));
          assertEquals("\"6\"", blobs.getJsonObject(1).getString("etag"));
        }))
        .compose(v -> api.delete(s + "/blobs/RemoteAuth.zip"))
        .compose(v -> api.delete(s + "/blobs/empty"))
        .compose(v -> api.get(s + "/blobs"))
        .compose(r -> check(tc, () -> assertEquals(new JsonArray(), r.bodyAsJsonObject().getJsonArray("blobs")))));
  }

  @Test
  void list_ofAMissingSession_is404_andAnotherTenant_seesNone(VertxTestContext tc) {
    session().compose(s -> putBlob(s + "/blobs/secret.bin", bytes(100, 7), null)
        .compose(v -> api().get("/v1/sessions/" + TestDaemon.freshSession() + "/blobs"))
        .compose(r -> check(tc, () -> assertProblem(r, 404)))
        // The same session id under another tenant is another (here missing) session.
        .compose(v -> daemon.api(OTHER_TENANT).get(s + "/blobs"))
        .compose(r -> check(tc, () -> assertProblem(r, 404)))
        .compose(v -> daemon.api(OTHER_TENANT).create(s.substring("/v1/sessions/".length()), new JsonObject()))
        .compose(v -> daemon.api(OTHER_TENANT).get(s + "/blobs"))
        .compose(r -> check(tc, () -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertEquals(new JsonArray(), r.bodyAsJsonObject().getJsonArray("blobs"));
        }))
        .compose(v -> api().get(s + "/blobs"))
        .compose(r -> check(tc, () -> assertEquals(List.of("secret.bin"), names(r.bodyAsJsonObject().getJsonArray("blobs")))))
        .compose(v -> daemon.apiWithKey("nope").get(s + "/blobs"))
        .compose(r -> check(tc, () -> assertProblem(r, 401))))
        .onComplete(tc.succeedingThenComplete());
  }

  private static List<String> names(JsonArray blobs) {
    return blobs.stream().map(b -> ((JsonObject) b).getString("name")).toList();
  }

  private static Future<Void> check(VertxTestContext tc, Runnable assertions) {
    try {
      assertions.run();
      return Future.succeededFuture();
    } catch (Throwable t) {
      return Future.failedFuture(t);
    }
  }
}
