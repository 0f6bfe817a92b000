package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A session holding a distinct marker in every field a client can store (data, a patch of it, creds,
 * a key value, a message, a blob of two chunks), written and read back over the API.
 */
final class Scenario {
  static final String TENANT = "enc-" + UUID.randomUUID().toString().substring(0, 8);
  final String suffix = UUID.randomUUID().toString().substring(0, 8);
  final String data = "MARK-DATA-" + suffix;
  final String patched = "MARK-PATCH-" + suffix;
  final String creds = "MARK-CREDS-" + suffix;
  final String key = "MARK-KEY-" + suffix;
  final String message = "MARK-MSG-" + suffix;
  final String blobMarker = "MARK-BLOB-" + suffix;
  final byte[] blob;

  Scenario() {
    byte[] m = (blobMarker + ";").getBytes(StandardCharsets.UTF_8);
    blob = new byte[600 * 1024];
    for (int i = 0; i < blob.length; i++) {
      blob[i] = m[i % m.length];
    }
  }

  List<String> markers() {
    return List.of(data, patched, creds, key, message, blobMarker);
  }

  static String newKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  /** A daemon on Redis (and PostgreSQL when {@code pg} is not null) for {@link #TENANT}. */
  static TestDaemon.Builder redisDaemon(String redisUrl, String prefix, String pg, String masterKey) {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redisUrl)
        .set("REDIS_PREFIX", prefix).set("HTTP_INSTANCES", 2).tenantWithKeys(TENANT, "key-" + TENANT)
        // A cold JVM on a loaded machine takes seconds to connect and load the scripts; no test here times Redis.
        .set("REDIS_CONNECT_TIMEOUT_MS", 15_000).set("REDIS_TIMEOUT_MS", 15_000);
    if (pg != null) {
      b.set("PG_URL", pg).set("SESSION_SYNC_INTERVAL_MS", 50);
    }
    if (masterKey != null) {
      b.set("ENCRYPTION_KEY", masterKey);
    }
    return b;
  }

  static String redisUrl() {
    return TestRedis.url();
  }

  Future<Void> write(Api api, String id) {
    String path = "/v1/sessions/" + id;
    return api.put(path, new JsonObject().put("data", new JsonObject().put("note", data))
            .put("creds", new JsonObject().put("noiseKey", creds)).put("ttlSeconds", 3600))
        .compose(r -> expect(r, 201))
        .compose(v -> api.patch(path, new JsonObject().put("extra", patched))).compose(r -> expect(r, 200))
        .compose(v -> api.post(path + "/keys", new JsonObject().put("pre-key",
            new JsonObject().put("1", new JsonObject().put("private", key))))).compose(r -> expect(r, 204))
        // With an Idempotency-Key: the append and its recorded outcome are one store step (its own sealing rule).
        .compose(v -> api.request(HttpMethod.POST, path + "/messages").putHeader("Idempotency-Key", "append-" + suffix)
            .sendJsonObject(new JsonObject().put("role", "user").put("content", message)))
        .compose(r -> expect(r, 201))
        .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/RemoteAuth.zip")
            .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(blob)))
        .compose(r -> expect(r, 201));
  }

  /** Reads every field back over the API and checks it is the plaintext written. */
  Future<Void> readBack(Api api, String id) {
    return readBack(api, id, true);
  }

  /** The same, the blob only when {@code withBlob}. */
  Future<Void> readBack(Api api, String id, boolean withBlob) {
    String path = "/v1/sessions/" + id;
    return api.get(path).compose(r -> {
      JsonObject d = r.bodyAsJsonObject().getJsonObject("data");
      assertEquals(new JsonObject().put("note", data).put("extra", patched), d, r::bodyAsString);
      return api.get(path + "/creds");
    }).compose(r -> {
      assertEquals(200, r.statusCode(), r::bodyAsString);
      assertEquals(creds, r.bodyAsJsonObject().getString("noiseKey"));
      return api.post(path + "/keys/query", new JsonObject().put("type", "pre-key").put("ids", new JsonArray().add("1")));
    }).compose(r -> {
      assertEquals(new JsonObject().put("private", key), r.bodyAsJsonObject().getJsonObject("1"), r::bodyAsString);
      return api.get(path + "/messages");
    }).compose(r -> {
      assertEquals(message, r.bodyAsJsonObject().getJsonArray("messages").getJsonObject(0).getString("content"),
          r::bodyAsString);
      return withBlob ? api.get(path + "/blobs/RemoteAuth.zip") : Future.<HttpResponse<Buffer>>succeededFuture(null);
    }).map(r -> {
      if (r == null) {
        return null;
      }
      assertEquals(200, r.statusCode());
      assertArrayEquals(blob, r.body().getBytes());
      return null;
    });
  }

  /** Waits until PostgreSQL holds the session with its blob's two chunks at the session's version. */
  static boolean inPostgres(String pg, String id, long version) {
    List<List<String>> rows = TestPostgres.query(pg, "SELECT s.version, (SELECT count(*) FROM blob_chunks c"
        + " WHERE c.tenant = s.tenant AND c.session_id = s.id) FROM sessions s WHERE s.tenant = '" + TENANT
        + "' AND s.id = '" + id + "'");
    return rows.size() == 1 && rows.get(0).equals(List.of(Long.toString(version), "2"));
  }

  static Future<Void> expect(HttpResponse<Buffer> r, int status) {
    return r.statusCode() == status ? Future.succeededFuture()
        : Future.failedFuture("expected " + status + ", got " + r.statusCode() + ": " + r.bodyAsString());
  }

  static Future<Long> version(Api api, String id) {
    return api.get("/v1/sessions/" + id).map(r -> r.bodyAsJsonObject().getLong("version"));
  }

}
