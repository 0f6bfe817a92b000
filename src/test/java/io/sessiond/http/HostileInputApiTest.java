package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Input one tenant could use to hurt others, on the Redis store with write-behind into PostgreSQL:
 * text PostgreSQL or UTF-8 cannot hold (NUL, lone surrogates, invalid UTF-8), numbers no double can
 * hold, versions and seqs past what the Redis scripts count exactly, times past year 9999, repeated
 * credentials. Each is a 400 problem naming the field, changes nothing, and leaves the sync flowing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class HostileInputApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private static final String IMPORT = "/v1/sessions/import";
  /** The class's own PostgreSQL database (created while the class loads: blocking JDBC, off any event loop). */
  private static final String PG = TestPostgres.newDatabase();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(onRedisWithWriteBehind());

  private static TestDaemon.Builder onRedisWithWriteBehind() {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis")
        .set("REDIS_PREFIX", TestRedis.uniquePrefix()).set("PG_URL", PG).set("SYNC_MODE", "write-behind")
        .set("SESSION_SYNC_INTERVAL_MS", 50).set("HTTP_INSTANCES", 1);
    TestRedis.settings().forEach(b::set);
    return b.tenantWithKeys(TENANT, KEY);
  }

  private static Api api() {
    return daemon.api(TENANT);
  }

  /** JSON with single quotes for double quotes, so the rows stay readable. */
  private static String j(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** UTF-8 of {@code before}, the raw bytes, then UTF-8 of {@code after}: bytes no Java string can carry. */
  private static byte[] rawBytes(String before, int[] raw, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(j(before).getBytes(StandardCharsets.UTF_8));
    for (int b : raw) {
      out.write(b);
    }
    out.writeBytes(j(after).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** A refused request: the path may name {id} (a session made for the row); the detail must name {@code field}. */
  record Row(String name, HttpMethod method, String path, byte[] body, String ifMatch, int authHeaders, String field) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Row row(String name, HttpMethod method, String path, String json, String field) {
    return new Row(name, method, path, json == null ? null : j(json).getBytes(StandardCharsets.UTF_8), null, 1, field);
  }

  private static Row bytesRow(String name, String path, byte[] body, String field) {
    return new Row(name, HttpMethod.POST, path, body, null, 1, field);
  }

  static Stream<Row> hostileWrites() {
    String s = "/v1/sessions/{id}";
    String keys = s + "/keys";
    String msgs = s + "/messages";
    HttpMethod put = HttpMethod.PUT;
    HttpMethod post = HttpMethod.POST;
    List<Row> rows = new ArrayList<>();

    // NUL and lone surrogates in names and text PostgreSQL keeps
    rows.add(row("key id with an escaped NUL", post, keys, "{'pre-key':{'a\\u0000b':1}}", "key id"));
    rows.add(row("member name with an escaped NUL inside a key value", post, keys, "{'pre-key':{'1':{'a\\u0000b':1}}}", "/pre-key/1"));
    rows.add(row("key value string with an escaped NUL", post, keys, "{'pre-key':{'1':'x\\u0000'}}", "/pre-key/1"));
    rows.add(row("key id with a lone high surrogate", post, keys, "{'pre-key':{'\\ud800':1}}", "key id"));
    rows.add(row("key id with a lone low surrogate", post, keys, "{'pre-key':{'\\udc00x':1}}", "key id"));
    rows.add(row("key value with a high surrogate before a letter", post, keys, "{'pre-key':{'1':'\\ud800x'}}", "/pre-key/1"));
    rows.add(row("key value with a high surrogate before an escaped letter", post, keys,
        "{'pre-key':{'1':'\\ud800\\u0041'}}", "/pre-key/1"));
    rows.add(row("key value with a high surrogate at the end of the string", post, keys, "{'pre-key':{'1':['\\uD83D']}}", "/pre-key/1"));
    rows.add(row("key value with a lone low surrogate", post, keys, "{'pre-key':{'1':{'v':'\\udfff'}}}", "/pre-key/1"));
    rows.add(bytesRow("key value with an overlong NUL (C0 80)", keys, rawBytes("{'pre-key':{'1':'", new int[] {0xC0, 0x80}, "'}}"), "/pre-key/1"));
    rows.add(bytesRow("key value with an overlong 'A' (C1 81)", keys, rawBytes("{'pre-key':{'1':'", new int[] {0xC1, 0x81}, "'}}"), "/pre-key/1"));
    rows.add(bytesRow("key value with an encoded surrogate (ED A0 80)", keys,
        rawBytes("{'pre-key':{'1':{'k':'", new int[] {0xED, 0xA0, 0x80}, "'}}}"), "/pre-key/1"));
    rows.add(bytesRow("key value beyond U+10FFFF (F4 90 80 80)", keys,
        rawBytes("{'pre-key':{'1':'", new int[] {0xF4, 0x90, 0x80, 0x80}, "'}}"), "/pre-key/1"));
    rows.add(row("data member name with an escaped NUL", put, s, "{'data':{'a\\u0000b':1}}", "/data"));
    rows.add(row("data string with a lone surrogate", put, s, "{'data':{'s':'\\ud800'}}", "/data/s"));
    rows.add(row("creds string with a NUL in an array", put, s, "{'creds':{'k':['ok','\\u0000']}}", "/creds/k/1"));
    rows.add(row("merge patch with a lone surrogate", HttpMethod.PATCH, s, "{'x':'\\udc00'}", "/x"));
    rows.add(row("creds document with a NUL", put, s + "/creds", "{'noise':'\\u0000'}", "/noise"));
    rows.add(row("message content with a NUL", post, msgs, "{'role':'user','content':'a\\u0000'}", "/content"));
    rows.add(row("message role with a lone surrogate", post, msgs, "{'role':'\\ud800','content':1}", "/role"));
    rows.add(row("message metadata name with a lone surrogate", post, msgs,
        "[{'role':'user','content':1},{'role':'user','content':1,'metadata':{'\\udbff':1}}]", "/1/metadata"));
    rows.add(row("import with a key id holding a NUL", post, IMPORT, "{'id':'{id}','keys':{'pre-key':{'a\\u0000':1}}}", "/keys/pre-key"));
    rows.add(row("import with a NUL in a key value", post, IMPORT, "{'id':'{id}','keys':{'pre-key':{'a':'\\u0000'}}}", "/keys/pre-key/a"));

    // names the path and the key batch already restrict to ASCII (guards: refused before this issue too)
    rows.add(row("session id with an encoded NUL", put, s + "%00x", "{'data':{}}", "session id"));
    rows.add(row("blob name with an encoded NUL", put, s + "/blobs/a%00b", "{}", "blob name"));
    rows.add(row("key type with an escaped NUL", post, keys, "{'pre\\u0000key':{'1':1}}", "key type"));

    // JSON in another encoding than UTF-8 (RFC 8259 8.1): the key batch's byte offsets would be chars
    rows.add(bytesRow("key batch in UTF-16LE", keys, j("{'pre-key':{'1':'x'}}").getBytes(StandardCharsets.UTF_16LE), "UTF-8"));
    rows.add(bytesRow("key batch in UTF-16BE", keys, j("{'pre-key':{'1':'x'}}").getBytes(StandardCharsets.UTF_16BE), "UTF-8"));
    rows.add(bytesRow("messages in UTF-32", msgs, j("{'role':'u','content':1}").getBytes(java.nio.charset.Charset.forName("UTF-32")), "UTF-8"));
    rows.add(new Row("session in UTF-16", put, s, j("{'data':{'a':2}}").getBytes(StandardCharsets.UTF_16), null, 1, "UTF-8"));

    // numbers no double holds
    rows.add(row("data number 1e999999999", put, s, "{'data':{'n':1e999999999}}", "/data/n"));
    rows.add(row("data number -1e400", put, s, "{'data':{'n':-1e400}}", "/data/n"));
    rows.add(row("data integer of 400 digits", put, s, "{'data':{'n':" + "9".repeat(400) + "}}", "/data/n"));
    rows.add(row("data number 1e-400 (would be stored as 0)", put, s, "{'data':{'n':1e-400}}", "/data/n"));
    rows.add(row("key value number 1e400", post, keys, "{'pre-key':{'1':1e400}}", "/pre-key/1"));
    rows.add(row("number 1e999 inside a key value", post, keys, "{'pre-key':{'1':{'a':[1,{'n':-1e999}]}}}", "/pre-key/1"));
    rows.add(row("integer of 400 digits inside a key value", post, keys, "{'pre-key':{'1':[" + "9".repeat(400) + "]}}", "/pre-key/1"));
    rows.add(row("number 1e-400 inside a key value", post, keys, "{'pre-key':{'1':{'n':1e-400}}}", "/pre-key/1"));
    rows.add(row("message content 1e999", post, msgs, "{'role':'user','content':1e999}", "/content"));
    rows.add(row("creds number 1e999", put, s + "/creds", "{'n':1e999}", "/n"));
    rows.add(row("ttlSeconds 1e999", put, s, "{'ttlSeconds':1e999}", "ttlSeconds"));

    // versions and seqs the Redis scripts cannot count exactly
    rows.add(row("import version 10^17", post, IMPORT, "{'id':'{id}','version':100000000000000000}", "version"));
    rows.add(row("import version 10^13 + 1", post, IMPORT, "{'id':'{id}','version':10000000000001}", "version"));
    rows.add(row("import message seq 10^17", post, IMPORT,
        "{'id':'{id}','messages':[{'seq':100000000000000000,'role':'u','content':1}]}", "seq"));
    rows.add(new Row("If-Match beyond 2^53-1", put, s, j("{'data':{}}").getBytes(StandardCharsets.UTF_8),
        "\"9007199254740992\"", 1, "If-Match"));

    // times outside 1970..9999
    rows.add(row("message timestamp in year 999999999", post, msgs,
        "{'role':'user','content':1,'timestamp':'+999999999-12-31T23:59:59Z'}", "timestamp"));
    rows.add(row("message timestamp in year 10000", post, msgs,
        "{'role':'user','content':1,'timestamp':'+10000-01-01T00:00:00Z'}", "timestamp"));
    rows.add(row("message timestamp before 1970", post, msgs,
        "{'role':'user','content':1,'timestamp':'1969-12-31T23:59:59Z'}", "timestamp"));
    rows.add(row("import createdAt in year 999999999", post, IMPORT, "{'id':'{id}','createdAt':'+999999999-12-31T23:59:59Z'}", "createdAt"));
    rows.add(row("import updatedAt before year 0", post, IMPORT, "{'id':'{id}','updatedAt':'-000001-01-01T00:00:00Z'}", "updatedAt"));
    rows.add(row("import message timestamp in year 999999999", post, IMPORT,
        "{'id':'{id}','messages':[{'role':'u','content':1,'timestamp':'+999999999-12-31T23:59:59Z'}]}", "timestamp"));

    // credentials
    rows.add(new Row("two Authorization headers", put, s, j("{'data':{'x':1}}").getBytes(StandardCharsets.UTF_8),
        null, 2, "Authorization"));
    return rows.stream();
  }

  /**
   * A session with some of everything, its export before the row, the row refused with a 400 naming
   * the field, the export unchanged after it, the tenant's listing still answering, and a valid write
   * after it reaching PostgreSQL (the write-behind sync was not poisoned).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileWrites")
  void hostileWrite_isRefusedWith400NamingTheField_changesNothing_andSyncGoesOn(Row row, Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    String[] before = new String[1];
    richSession(id)
        .compose(v -> exportOf(id)).compose(e -> {
          before[0] = e;
          return send(row, id);
        })
        .compose(r -> {
          ctx.verify(() -> {
            JsonObject p = assertProblem(r, 400);
            assertTrue(p.getString("detail").contains(row.field()), () -> "detail names '" + row.field() + "': " + p.encode());
          });
          return exportOf(id);
        })
        .compose(after -> {
          ctx.verify(() -> assertEquals(before[0], after, "a refused request changes nothing"));
          return api().get("/v1/sessions?limit=1000");
        })
        .compose(list -> {
          ctx.verify(() -> assertEquals(200, list.statusCode(), list.bodyAsString()));
          return api().put(path + "/creds", new JsonObject().put("after", row.name()));
        })
        .compose(w -> {
          ctx.verify(() -> assertEquals(204, w.statusCode(), w.bodyAsString()));
          long version = Long.parseLong(w.getHeader("ETag").replace("\"", ""));
          return Poll.until(vertx, 20_000, 50, "PostgreSQL holds " + id + " at version " + version,
              () -> pgVersion(vertx, id).map(v -> v != null && v == version));
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  /** What a client may send at the very edges of each range is accepted and comes back exactly. */
  @Test
  void valuesAtTheEdgesOfEachRange_areAccepted_andComeBackExactly(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    String value = j("{'pair':'\\ud83d\\ude00','raw':'\u00e9\u20ac\ud83d\ude00','ctl':'\\u0001\\t','max':1.7976931348623157e308,"
        + "'min':4.9e-324,'neg':-0.0,'zero':0e-400,'big':" + "9".repeat(300) + "}");
    String batch = "{\"pre-key\":{\"\ud83d\ude00\u00e9\":" + value + "}}";
    api().create(id, new JsonObject().put("data", new JsonObject().put("max", 1.7976931348623157e308).put("s", "\ud83d\ude00")))
        .compose(r -> api().request(HttpMethod.POST, path + "/keys").putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(batch)))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return api().post(path + "/keys/query", new JsonObject().put("type", "pre-key").put("ids",
              new JsonArray().add("\ud83d\ude00\u00e9")));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{\"\ud83d\ude00\u00e9\":" + value + "}", r.bodyAsString(StandardCharsets.UTF_8.name())));
          return api().post(path + "/messages", new JsonArray()
              .add(new JsonObject().put("role", "u").put("content", 1).put("timestamp", "1970-01-01T00:00:00Z"))
              .add(new JsonObject().put("role", "u").put("content", 2).put("timestamp", "9999-12-31T23:59:59.999Z"))
              .add(new JsonObject().put("role", "u").put("content", 3).put("timestamp", 253402300799999L)));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(201, r.statusCode(), r.bodyAsString()));
          return api().get(path + "/messages?order=asc");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          JsonArray messages = r.bodyAsJsonObject().getJsonArray("messages");
          assertEquals("1970-01-01T00:00:00.000Z", messages.getJsonObject(0).getString("timestamp"));
          assertEquals("9999-12-31T23:59:59.999Z", messages.getJsonObject(1).getString("timestamp"));
          assertEquals("9999-12-31T23:59:59.999Z", messages.getJsonObject(2).getString("timestamp"));
          ctx.completeNow();
        })));
  }

  /**
   * The largest version and seq an import takes, then writes on top: every count stays exact through
   * the Redis scripts (no 1e+13, no lost increment) and reaches PostgreSQL.
   */
  @Test
  void importAtTheLargestVersionAndSeq_countsOnExactly_inRedisAndPostgres(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    long max = 10_000_000_000_000L;
    JsonObject doc = new JsonObject().put("id", id).put("version", max)
        .put("messages", new JsonArray().add(new JsonObject().put("seq", max).put("role", "u").put("content", 1)));
    api().post(IMPORT, doc)
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals("\"" + max + "\"", r.getHeader("ETag"));
          });
          return api().post(path + "/messages", new JsonObject().put("role", "u").put("content", 2));
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals("\"" + (max + 1) + "\"", r.getHeader("ETag"));
          });
          return api().put(path + "/creds", new JsonObject().put("a", 1));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("\"" + (max + 2) + "\"", r.getHeader("ETag")));
          return api().get(path + "/messages?order=asc");
        })
        .compose(r -> {
          ctx.verify(() -> {
            JsonArray messages = r.bodyAsJsonObject().getJsonArray("messages");
            assertEquals(max, messages.getJsonObject(0).getLong("seq"));
            assertEquals(max + 1, messages.getJsonObject(1).getLong("seq"));
          });
          return Poll.until(vertx, 20_000, 50, "PostgreSQL holds " + id + " at version " + (max + 2),
              () -> pgVersion(vertx, id).map(v -> v != null && v == max + 2));
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> richSession(String id) {
    String path = "/v1/sessions/" + id;
    return api().create(id, new JsonObject().put("data", new JsonObject().put("a", 1))
            .put("creds", new JsonObject().put("registrationId", 42)))
        .compose(r -> api().post(path + "/keys", new JsonObject().put("pre-key", new JsonObject()
            .put("1", new JsonObject().put("type", "Buffer").put("data", "BQ==")))))
        .compose(r -> expect(r, 204))
        .compose(v -> api().post(path + "/messages", new JsonObject().put("role", "user").put("content", "hi")))
        .compose(r -> expect(r, 201));
  }

  private static Future<Void> expect(HttpResponse<Buffer> r, int status) {
    return r.statusCode() == status ? Future.succeededFuture()
        : Future.failedFuture("expected " + status + ", got " + r.statusCode() + ": " + r.bodyAsString());
  }

  private static Future<String> exportOf(String id) {
    return api().get("/v1/sessions/" + id + "/export").compose(r -> expect(r, 200).map(v -> r.bodyAsString()));
  }

  private static Future<HttpResponse<Buffer>> send(Row row, String id) {
    HttpRequest<Buffer> req = daemon.client().request(row.method(), row.path().replace("{id}", id));
    for (int i = 0; i < row.authHeaders(); i++) {
      req.headers().add("Authorization", "Bearer " + KEY);
    }
    if (row.ifMatch() != null) {
      req.putHeader("If-Match", row.ifMatch());
    }
    if (row.body() == null) {
      return req.send();
    }
    byte[] body = new String(row.body(), StandardCharsets.ISO_8859_1).replace("{id}", id).getBytes(StandardCharsets.ISO_8859_1);
    return req.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  private static Future<Long> pgVersion(Vertx vertx, String id) {
    return vertx.executeBlocking(() -> {
      List<List<String>> rows = TestPostgres.query(PG, "SELECT version FROM sessions WHERE tenant = '" + TENANT
          + "' AND id = '" + id + "'");
      return rows.isEmpty() ? null : Long.parseLong(rows.get(0).get(0));
    });
  }
}
