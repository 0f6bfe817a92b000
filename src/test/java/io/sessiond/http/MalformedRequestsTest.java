package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of malformed requests: each gets its 4xx as a problem document (never a 500, never a
 * hang), and the daemon keeps answering afterwards. Then what the router never sees: oversize bodies
 * streamed without end, oversize headers, and bytes that are not HTTP at all.
 */
@ExtendWith(VertxExtension.class)
class MalformedRequestsTest {
  /*
   * Body limits small enough to overflow cheaply, large enough that the count limits (10000 query
   * ids, 1000 messages per append) are reached before the byte limits.
   */
  private static final int MAX_BODY = 65_536;
  private static final int MAX_BATCH = 65_536;
  private static final int MAX_IMPORT = 131_072;
  private static final long DEADLINE_MS = 10_000;

  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT)
      .set("MAX_BODY_BYTES", MAX_BODY).set("MAX_KEY_BATCH_BYTES", MAX_BATCH).set("MAX_IMPORT_BYTES", MAX_IMPORT));
  /** A session every row may read but none changes: state unregistered, no creds. */
  private static final String EXISTING = "existing-" + UUID.randomUUID();

  @BeforeAll
  static void createExisting(VertxTestContext ctx) {
    daemon.api(TENANT).create(EXISTING, new JsonObject()).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(201, r.statusCode(), r.bodyAsString());
      ctx.completeNow();
    })));
  }

  // ---------------------------------------------------------------- the table

  /** One malformed request and the status it must get. Paths may name {new}, {existing} or {missing}. */
  record Row(String name, HttpMethod method, String path, Map<String, String> headers, boolean auth, Buffer body,
             int status, String detailPart) {
    @Override
    public String toString() {
      return name + " → " + status;
    }
  }

  private static final class RowBuilder {
    private final String name;
    private HttpMethod method = HttpMethod.GET;
    private String path = "/v1/sessions";
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean auth = true;
    private Buffer body;

    RowBuilder(String name) {
      this.name = name;
    }

    RowBuilder on(HttpMethod method, String path) {
      this.method = method;
      this.path = path;
      return this;
    }

    RowBuilder json(String body) {
      return body("application/json", body);
    }

    RowBuilder body(String contentType, String body) {
      if (contentType != null) {
        headers.put("Content-Type", contentType);
      }
      this.body = Buffer.buffer(body);
      return this;
    }

    RowBuilder bytes(String contentType, byte[] body) {
      headers.put("Content-Type", contentType);
      this.body = Buffer.buffer(body);
      return this;
    }

    RowBuilder header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    RowBuilder noAuth() {
      auth = false;
      return this;
    }

    Row expect(int status) {
      return expect(status, null);
    }

    Row expect(int status, String detailPart) {
      return new Row(name, method, path, Map.copyOf(headers), auth, body, status, detailPart);
    }
  }

  private static RowBuilder row(String name) {
    return new RowBuilder(name);
  }

  private static final HttpMethod GET = HttpMethod.GET;
  private static final HttpMethod PUT = HttpMethod.PUT;
  private static final HttpMethod POST = HttpMethod.POST;
  private static final HttpMethod PATCH = HttpMethod.PATCH;
  private static final HttpMethod DELETE = HttpMethod.DELETE;

  static Stream<Row> table() {
    List<Row> rows = new ArrayList<>();
    String s = "/v1/sessions/{new}";
    String e = "/v1/sessions/{existing}";
    String m = "/v1/sessions/{missing}";

    // authentication
    rows.add(row("no Authorization header").noAuth().expect(401));
    rows.add(row("Basic scheme").noAuth().header("Authorization", "Basic dXNlcjpwYXNz").expect(401));
    rows.add(row("unknown key").noAuth().header("Authorization", "Bearer not-a-key").expect(401));
    rows.add(row("empty bearer").noAuth().header("Authorization", "Bearer ").expect(401));
    rows.add(row("bearer without a space").noAuth().header("Authorization", "Bearer").expect(401));
    rows.add(row("PUT without a key").noAuth().on(PUT, s).json("{}").expect(401));
    rows.add(row("unknown /v1 route without a key").noAuth().on(GET, "/v1/nothing").expect(401));

    // session ids in the path
    rows.add(row("GET id of 129 characters").on(GET, "/v1/sessions/" + "a".repeat(129)).expect(400));
    rows.add(row("PUT id of 129 characters").on(PUT, "/v1/sessions/" + "a".repeat(129)).json("{}").expect(400));
    rows.add(row("id with an encoded space").on(GET, "/v1/sessions/a%20b").expect(400));
    rows.add(row("id with an encoded slash").on(GET, "/v1/sessions/a%2Fb").expect(400));
    rows.add(row("id with !").on(PUT, "/v1/sessions/a!b").json("{}").expect(400));
    rows.add(row("id with a quote").on(PUT, "/v1/sessions/a%22b").json("{}").expect(400));
    rows.add(row("id with é").on(POST, "/v1/sessions/caf%C3%A9/keys").json("{}").expect(400));
    rows.add(row("id with a bad percent escape").on(GET, "/v1/sessions/a%zzb").expect(400));
    rows.add(row("PUT reserved id status").on(PUT, "/v1/sessions/status").json("{}").expect(400, "reserved"));
    rows.add(row("PUT reserved id import").on(PUT, "/v1/sessions/import").json("{}").expect(400, "reserved"));
    rows.add(row("PUT reserved id restore").on(PUT, "/v1/sessions/restore").json("{}").expect(400, "reserved"));

    // media types
    rows.add(row("PUT text/plain").on(PUT, s).body("text/plain", "{}").expect(415));
    rows.add(row("PUT without Content-Type").on(PUT, s).body(null, "{}").expect(415));
    rows.add(row("PUT form-urlencoded").on(PUT, s).body("application/x-www-form-urlencoded", "data=1").expect(415));
    rows.add(row("PUT merge-patch").on(PUT, s).body("application/merge-patch+json", "{}").expect(415));
    rows.add(row("PATCH text/plain").on(PATCH, e).body("text/plain", "{}").expect(415));
    rows.add(row("POST keys application/xml").on(POST, e + "/keys").body("application/xml", "<a/>").expect(415));
    rows.add(row("POST messages without Content-Type").on(POST, e + "/messages").body(null, "{}").expect(415));
    rows.add(row("POST import text/plain").on(POST, "/v1/sessions/import").body("text/plain", "{}").expect(415));
    rows.add(row("POST state application/jsonx").on(POST, e + "/state").body("application/jsonx", "{}").expect(415));
    rows.add(row("PUT creds multipart").on(PUT, e + "/creds").body("multipart/form-data; boundary=x", "--x--").expect(415));

    // not JSON, or not the JSON expected
    rows.add(row("invalid JSON").on(PUT, s).json("{data:").expect(400));
    rows.add(row("truncated JSON").on(PUT, s).json("{\"data\":{\"a\":1}").expect(400));
    rows.add(row("JSON with trailing garbage").on(PUT, s).json("{\"data\":{}} xyz").expect(400));
    rows.add(row("two JSON documents").on(PUT, s).json("{}{}").expect(400));
    rows.add(row("array for a session").on(PUT, s).json("[]").expect(400));
    rows.add(row("number for a session").on(PUT, s).json("42").expect(400));
    rows.add(row("string for a session").on(PUT, s).json("\"hi\"").expect(400));
    rows.add(row("null for a session").on(PUT, s).json("null").expect(400));
    rows.add(row("empty body").on(PUT, s).json("").expect(400));
    rows.add(row("whitespace body").on(PUT, s).json("   \n ").expect(400));
    rows.add(row("invalid UTF-8").on(PUT, s).bytes("application/json",
        new byte[] {'{', '"', 'd', 'a', 't', 'a', '"', ':', '{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}', '}'}).expect(400));
    rows.add(row("nesting 5000 deep").on(PATCH, e).json("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}").expect(400));
    rows.add(row("PATCH with an array").on(PATCH, e).json("[1]").expect(400));
    rows.add(row("PATCH with null").on(PATCH, e).json("null").expect(400));
    rows.add(row("PUT creds with an array").on(PUT, e + "/creds").json("[]").expect(400));
    rows.add(row("PUT creds with a string").on(PUT, e + "/creds").json("\"x\"").expect(400));

    // session bodies
    rows.add(row("unknown field").on(PUT, s).json("{\"dta\":{}}").expect(400, "dta"));
    rows.add(row("data as array").on(PUT, s).json("{\"data\":[1]}").expect(400, "data"));
    rows.add(row("data as string").on(PUT, s).json("{\"data\":\"x\"}").expect(400, "data"));
    rows.add(row("creds as string").on(PUT, s).json("{\"creds\":\"x\"}").expect(400, "creds"));
    rows.add(row("creds as array").on(PUT, s).json("{\"creds\":[]}").expect(400, "creds"));
    rows.add(row("state unknown").on(PUT, s).json("{\"state\":\"asleep\"}").expect(400, "state"));
    rows.add(row("state as number").on(PUT, s).json("{\"state\":1}").expect(400, "state"));
    rows.add(row("ttlSeconds negative").on(PUT, s).json("{\"ttlSeconds\":-1}").expect(400, "ttlSeconds"));
    rows.add(row("ttlSeconds float").on(PUT, s).json("{\"ttlSeconds\":1.5}").expect(400, "ttlSeconds"));
    rows.add(row("ttlSeconds string").on(PUT, s).json("{\"ttlSeconds\":\"60\"}").expect(400, "ttlSeconds"));
    rows.add(row("ttlSeconds huge").on(PUT, s).json("{\"ttlSeconds\":99999999999999999999999}").expect(400, "ttlSeconds"));
    rows.add(row("ttlSeconds exponent").on(PUT, s).json("{\"ttlSeconds\":1e30}").expect(400, "ttlSeconds"));
    rows.add(row("ttlSeconds over ten years").on(PUT, s).json("{\"ttlSeconds\":315360001}").expect(400, "ttlSeconds"));

    // key batches
    rows.add(row("key type uppercase").on(POST, e + "/keys").json("{\"Pre-Key\":{\"1\":1}}").expect(400, "key type"));
    rows.add(row("key type of 65 characters").on(POST, e + "/keys").json("{\"" + "k".repeat(65) + "\":{\"1\":1}}").expect(400, "key type"));
    rows.add(row("key type empty").on(POST, e + "/keys").json("{\"\":{\"1\":1}}").expect(400, "key type"));
    rows.add(row("key type with a space").on(POST, e + "/keys").json("{\"pre key\":{\"1\":1}}").expect(400, "key type"));
    rows.add(row("key id of 257 characters").on(POST, e + "/keys").json("{\"pre-key\":{\"" + "i".repeat(257) + "\":1}}").expect(400, "key id"));
    rows.add(row("key id empty").on(POST, e + "/keys").json("{\"pre-key\":{\"\":1}}").expect(400, "key id"));
    rows.add(row("keys of a type as array").on(POST, e + "/keys").json("{\"pre-key\":[1]}").expect(400, "pre-key"));
    rows.add(row("keys of a type as string").on(POST, e + "/keys").json("{\"pre-key\":\"x\"}").expect(400, "pre-key"));
    rows.add(row("keys of a type null").on(POST, e + "/keys").json("{\"pre-key\":null}").expect(400, "pre-key"));
    rows.add(row("key batch as array").on(POST, e + "/keys").json("[{\"pre-key\":{}}]").expect(400));

    // key queries
    rows.add(row("query without type").on(POST, e + "/keys/query").json("{\"ids\":[\"1\"]}").expect(400, "key type"));
    rows.add(row("query type uppercase").on(POST, e + "/keys/query").json("{\"type\":\"PRE\",\"ids\":[]}").expect(400, "key type"));
    rows.add(row("query ids not an array").on(POST, e + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":\"1\"}").expect(400, "ids"));
    rows.add(row("query ids null").on(POST, e + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":null}").expect(400, "ids"));
    rows.add(row("query ids with a number").on(POST, e + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":[\"1\",2]}").expect(400, "key id"));
    rows.add(row("query ids with an empty id").on(POST, e + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":[\"\"]}").expect(400, "key id"));
    rows.add(row("query id of 257 characters").on(POST, e + "/keys/query")
        .json("{\"type\":\"pre-key\",\"ids\":[\"" + "i".repeat(257) + "\"]}").expect(400, "key id"));
    rows.add(row("query of 10001 ids").on(POST, e + "/keys/query")
        .json(new JsonObject().put("type", "pre-key").put("ids", ids(10_001)).encode()).expect(400, "at most"));
    rows.add(row("query of 10001 ids, not strings").on(POST, e + "/keys/query")
        .json("{\"type\":\"pre-key\",\"ids\":[" + "0,".repeat(10_000) + "0]}").expect(400, "at most"));
    rows.add(row("query unknown field").on(POST, e + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":[],\"all\":true}").expect(400, "all"));

    // messages
    String msgs = e + "/messages";
    rows.add(row("message without role").on(POST, msgs).json("{\"content\":\"x\"}").expect(400, "role"));
    rows.add(row("message with empty role").on(POST, msgs).json("{\"role\":\"\",\"content\":\"x\"}").expect(400, "role"));
    rows.add(row("message role of 65 characters").on(POST, msgs).json("{\"role\":\"" + "r".repeat(65) + "\",\"content\":\"x\"}").expect(400, "role"));
    rows.add(row("message role as number").on(POST, msgs).json("{\"role\":1,\"content\":\"x\"}").expect(400, "role"));
    rows.add(row("message without content").on(POST, msgs).json("{\"role\":\"user\"}").expect(400, "content"));
    rows.add(row("message content null").on(POST, msgs).json("{\"role\":\"user\",\"content\":null}").expect(400, "content"));
    rows.add(row("message metadata not an object").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"metadata\":\"x\"}").expect(400, "metadata"));
    rows.add(row("message timestamp garbage").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"timestamp\":\"yesterday\"}").expect(400, "timestamp"));
    rows.add(row("message timestamp float").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"timestamp\":1.5}").expect(400, "timestamp"));
    rows.add(row("message timestamp negative").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"timestamp\":-1}").expect(400, "timestamp"));
    rows.add(row("message id empty").on(POST, msgs).json("{\"id\":\"\",\"role\":\"user\",\"content\":1}").expect(400, "id"));
    rows.add(row("message userId number").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"userId\":7}").expect(400, "userId"));
    rows.add(row("message unknown field").on(POST, msgs).json("{\"role\":\"user\",\"content\":1,\"text\":\"x\"}").expect(400, "text"));
    rows.add(row("empty message array").on(POST, msgs).json("[]").expect(400, "1 to 1000"));
    rows.add(row("1001 messages").on(POST, msgs).json(messages(1001)).expect(400, "1 to 1000"));
    rows.add(row("message array with a number").on(POST, msgs).json("[{\"role\":\"user\",\"content\":1},2]").expect(400, "[1]"));
    rows.add(row("message body a string").on(POST, msgs).json("\"hello\"").expect(400));

    // list parameters
    rows.add(row("list limit=0").on(GET, "/v1/sessions?limit=0").expect(400, "limit"));
    rows.add(row("list limit=1001").on(GET, "/v1/sessions?limit=1001").expect(400, "limit"));
    rows.add(row("list limit=abc").on(GET, "/v1/sessions?limit=abc").expect(400, "limit"));
    rows.add(row("list limit=-5").on(GET, "/v1/sessions?limit=-5").expect(400, "limit"));
    rows.add(row("list limit beyond long").on(GET, "/v1/sessions?limit=99999999999999999999").expect(400, "limit"));
    rows.add(row("list state=bogus").on(GET, "/v1/sessions?state=bogus").expect(400, "state"));
    rows.add(row("list cursor=garbage").on(GET, "/v1/sessions?cursor=!!!garbage").expect(400, "cursor"));
    rows.add(row("list cursor not an id").on(GET, "/v1/sessions?cursor="
        + Base64.getUrlEncoder().withoutPadding().encodeToString("a b/c".getBytes(StandardCharsets.UTF_8))).expect(400, "cursor"));
    rows.add(row("list limit given twice").on(GET, "/v1/sessions?limit=1&limit=2").expect(400, "more than once"));
    rows.add(row("status list limit=0").on(GET, "/v1/sessions/status?limit=0").expect(400, "limit"));
    rows.add(row("status list state=bogus").on(GET, "/v1/sessions/status?state=bogus").expect(400, "state"));
    rows.add(row("query string with a bad escape").on(GET, "/v1/sessions?limit=%zz").expect(400, "query"));
    rows.add(row("bad escape in the query of a PATCH").on(PATCH, e + "?x=%zz").body("application/merge-patch+json", "{}").expect(400, "malformed"));

    // message read parameters
    rows.add(row("messages before=0").on(GET, msgs + "?before=0").expect(400, "before"));
    rows.add(row("messages before=-1").on(GET, msgs + "?before=-1").expect(400, "before"));
    rows.add(row("messages before=abc").on(GET, msgs + "?before=abc").expect(400, "before"));
    rows.add(row("messages order=sideways").on(GET, msgs + "?order=sideways").expect(400, "order"));
    rows.add(row("messages limit=1001").on(GET, msgs + "?limit=1001").expect(400, "limit"));
    rows.add(row("messages order given twice").on(GET, msgs + "?order=asc&order=desc").expect(400, "more than once"));

    // preconditions
    rows.add(row("If-Match abc").on(PATCH, e).header("If-Match", "abc").json("{}").expect(400, "If-Match"));
    rows.add(row("If-Match \"1.5\"").on(PUT, e).header("If-Match", "\"1.5\"").json("{}").expect(400, "If-Match"));
    rows.add(row("If-Match W/\"x\"").on(DELETE, e).header("If-Match", "W/\"x\"").expect(400, "If-Match"));
    rows.add(row("If-Match -1").on(POST, e + "/touch").header("If-Match", "-1").expect(400, "If-Match"));
    rows.add(row("If-Match of 30 digits").on(DELETE, e + "/keys").header("If-Match", "\"" + "9".repeat(30) + "\"").expect(400, "If-Match"));
    rows.add(row("stale If-Match on PATCH").on(PATCH, e).header("If-Match", "\"999\"").json("{}").expect(412));
    rows.add(row("stale If-Match on DELETE").on(DELETE, e).header("If-Match", "\"999\"").expect(412));
    rows.add(row("stale If-Match on keys").on(POST, e + "/keys").header("If-Match", "\"999\"").json("{\"pre-key\":{\"1\":1}}").expect(412));
    rows.add(row("stale If-Match on creds").on(PUT, e + "/creds").header("If-Match", "W/\"999\"").json("{}").expect(412));
    rows.add(row("If-Match on a new session").on(PUT, s).header("If-Match", "\"5\"").json("{}").expect(412));

    // lifecycle
    rows.add(row("transition without state").on(POST, e + "/state").json("{}").expect(400, "state"));
    rows.add(row("transition to unknown state").on(POST, e + "/state").json("{\"state\":\"asleep\"}").expect(400, "state"));
    rows.add(row("transition with extra field").on(POST, e + "/state").json("{\"state\":\"registering\",\"why\":1}").expect(400, "why"));
    rows.add(row("transition to null").on(POST, e + "/state").json("{\"state\":null}").expect(400, "state"));
    rows.add(row("illegal transition").on(POST, e + "/state").json("{\"state\":\"connected\"}").expect(409, "registering"));
    rows.add(row("illegal transition by PUT").on(PUT, e).json("{\"state\":\"connected\"}").expect(409));

    // imports
    String imp = "/v1/sessions/import";
    rows.add(row("import without id").on(POST, imp).json("{\"format\":\"sessiond.session.v1\"}").expect(400, "id"));
    rows.add(row("import with a bad id").on(POST, imp).json("{\"id\":\"a b\"}").expect(400, "id"));
    rows.add(row("import with a reserved id").on(POST, imp).json("{\"id\":\"status\"}").expect(400, "reserved"));
    rows.add(row("import of another format").on(POST, imp).json("{\"format\":\"sessiond.session.v2\",\"id\":\"x\"}").expect(400, "format"));
    rows.add(row("import with a null key value").on(POST, imp).json("{\"id\":\"x\",\"keys\":{\"pre-key\":{\"1\":null}}}").expect(400, "null"));
    rows.add(row("import keys not an object").on(POST, imp).json("{\"id\":\"x\",\"keys\":[]}").expect(400, "keys"));
    rows.add(row("import with non-increasing seq").on(POST, imp).json("{\"id\":\"x\",\"messages\":["
        + "{\"seq\":2,\"role\":\"u\",\"content\":1},{\"seq\":2,\"role\":\"u\",\"content\":2}]}").expect(400, "seq"));
    rows.add(row("import messages not an array").on(POST, imp).json("{\"id\":\"x\",\"messages\":{}}").expect(400, "messages"));
    rows.add(row("import with a negative version").on(POST, imp).json("{\"id\":\"x\",\"version\":-1}").expect(400, "version"));
    rows.add(row("import with an unknown field").on(POST, imp).json("{\"id\":\"x\",\"owner\":\"me\"}").expect(400, "owner"));
    rows.add(row("import with createdAt garbage").on(POST, imp).json("{\"id\":\"x\",\"createdAt\":\"monday\"}").expect(400, "createdAt"));
    rows.add(row("import with data as array").on(POST, imp).json("{\"id\":\"x\",\"data\":[]}").expect(400, "data"));
    rows.add(row("import of an array").on(POST, imp).json("[]").expect(400));

    // oversize bodies, Content-Length known
    rows.add(row("PUT over MAX_BODY_BYTES").on(PUT, s).json(dataOfSize(MAX_BODY + 1024)).expect(413));
    rows.add(row("PATCH over MAX_BODY_BYTES").on(PATCH, e).json(dataOfSize(MAX_BODY + 1024)).expect(413));
    rows.add(row("state over MAX_BODY_BYTES").on(POST, e + "/state").json(dataOfSize(MAX_BODY + 1024)).expect(413));
    rows.add(row("key batch over MAX_KEY_BATCH_BYTES").on(POST, e + "/keys").json(dataOfSize(MAX_BATCH + 1024)).expect(413));
    rows.add(row("messages over MAX_KEY_BATCH_BYTES").on(POST, msgs).json(dataOfSize(MAX_BATCH + 1024)).expect(413));
    rows.add(row("import over MAX_IMPORT_BYTES").on(POST, imp).json(dataOfSize(MAX_IMPORT + 1024)).expect(413));

    // routes and methods
    rows.add(row("unknown /v1 route").on(GET, "/v1/nothing").expect(404));
    rows.add(row("unknown sub-resource").on(GET, e + "/nothing").expect(404));
    rows.add(row("root").noAuth().on(GET, "/").expect(404));
    rows.add(row("unknown health route").noAuth().on(GET, "/health/nothing").expect(404));
    rows.add(row("POST the session list").on(POST, "/v1/sessions").json("{}").expect(405));
    rows.add(row("PATCH the keys").on(PATCH, e + "/keys").json("{}").expect(405));
    rows.add(row("PUT the export").on(PUT, e + "/export").json("{}").expect(405));
    rows.add(row("GET the touch").on(GET, e + "/touch").expect(405));
    rows.add(row("DELETE the status list").on(DELETE, "/v1/sessions/status").expect(404));
    rows.add(row("POST the liveness probe").noAuth().on(POST, "/health/live").json("{}").expect(405));
    rows.add(row("DELETE the OpenAPI document").noAuth().on(DELETE, "/openapi.yaml").expect(405));
    rows.add(row("an unknown method").on(HttpMethod.valueOf("BREW"), "/v1/sessions").expect(405));

    // sessions that do not exist
    rows.add(row("GET a missing session").on(GET, m).expect(404));
    rows.add(row("PATCH a missing session").on(PATCH, m).json("{}").expect(404));
    rows.add(row("DELETE a missing session").on(DELETE, m).expect(404));
    rows.add(row("touch a missing session").on(POST, m + "/touch").expect(404));
    rows.add(row("status of a missing session").on(GET, m + "/status").expect(404));
    rows.add(row("transition of a missing session").on(POST, m + "/state").json("{\"state\":\"registering\"}").expect(404));
    rows.add(row("creds of a missing session").on(GET, m + "/creds").expect(404));
    rows.add(row("put creds of a missing session").on(PUT, m + "/creds").json("{}").expect(404));
    rows.add(row("query keys of a missing session").on(POST, m + "/keys/query").json("{\"type\":\"pre-key\",\"ids\":[\"1\"]}").expect(404));
    rows.add(row("write keys of a missing session").on(POST, m + "/keys").json("{\"pre-key\":{\"1\":1}}").expect(404));
    rows.add(row("clear keys of a missing session").on(DELETE, m + "/keys").expect(404));
    rows.add(row("append to a missing session").on(POST, m + "/messages").json("{\"role\":\"u\",\"content\":1}").expect(404));
    rows.add(row("read messages of a missing session").on(GET, m + "/messages").expect(404));
    rows.add(row("export a missing session").on(GET, m + "/export").expect(404));
    rows.add(row("creds of a session without creds").on(GET, e + "/creds").expect(404, "no creds"));
    rows.add(row("GET the reserved id import").on(GET, "/v1/sessions/import").expect(404));
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void malformedRequest_answersItsProblem_andTheDaemonKeepsAnswering(Row row, VertxTestContext ctx) {
    send(row)
        .compose(r -> {
          ctx.verify(() -> assertRow(row, r));
          return daemon.client().get("/health/live").timeout(DEADLINE_MS).send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void wholeTable_sentAtOnce_answersEveryRowItsStatus_andNoServerError(VertxTestContext ctx) {
    List<Row> rows = table().toList();
    List<Future<String>> answers = rows.stream()
        .map(row -> send(row).map(r -> r.statusCode() == row.status() && r.statusCode() < 500 ? ""
            : row.name() + " answered " + r.statusCode() + " (expected " + row.status() + "): " + r.bodyAsString()))
        .toList();
    Future.all(answers)
        .compose(all -> daemon.client().get("/health/live").timeout(DEADLINE_MS).send())
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          List<String> wrong = answers.stream().map(Future::result).filter(a -> !a.isEmpty()).toList();
          assertEquals(List.of(), wrong, "rows answered wrongly when sent concurrently");
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  private static Future<HttpResponse<Buffer>> send(Row row) {
    String path = row.path()
        .replace("{new}", TestDaemon.freshSession())
        .replace("{missing}", TestDaemon.freshSession())
        .replace("{existing}", EXISTING);
    HttpRequest<Buffer> req = row.auth() ? daemon.api(TENANT).request(row.method(), path)
        : daemon.client().request(row.method(), path);
    row.headers().forEach(req::putHeader);
    req.timeout(DEADLINE_MS);
    return row.body() == null ? req.send() : req.sendBuffer(row.body());
  }

  private static void assertRow(Row row, HttpResponse<Buffer> r) {
    JsonObject p = assertProblem(r, row.status());
    assertEquals("urn:sessiond:problem:", p.getString("type").substring(0, "urn:sessiond:problem:".length()));
    assertFalse(p.getString("title").isBlank());
    if (row.detailPart() != null) {
      assertTrue(p.getString("detail").contains(row.detailPart()), () -> "detail names '" + row.detailPart() + "': " + p.encode());
    }
    if (row.status() == 401) {
      assertEquals("Bearer realm=\"sessiond\"", r.getHeader("WWW-Authenticate"));
    }
    if (row.status() == 405) {
      String allow = r.getHeader("Allow");
      assertNotNull(allow, "405 carries Allow");
      assertFalse(allow.isBlank(), "405 carries a non-empty Allow");
      assertFalse(allow.contains(row.method().name()), "Allow does not list the refused method: " + allow);
    }
  }

  private static JsonArray ids(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add(Integer.toString(i % 10));
    }
    return a;
  }

  private static String messages(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add(new JsonObject().put("role", "u").put("content", i));
    }
    return a.encode();
  }

  /** A well-formed JSON object of about {@code bytes} bytes. */
  private static String dataOfSize(int bytes) {
    return "{\"data\":{\"blob\":\"" + "x".repeat(bytes) + "\"}}";
  }

  // ---------------------------------------------------------------- below the router

  private static String authorization() {
    return daemon.api(TENANT).request(HttpMethod.GET, "/").headers().get("Authorization");
  }

  @Test
  void contentLengthOverTheLimit_answers413_beforeTheBodyIsSent(Vertx vertx, VertxTestContext ctx) {
    String head = "PUT /v1/sessions/" + TestDaemon.freshSession() + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\n"
        + "Authorization: " + authorization() + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: 100000000\r\n\r\n"
        + "{\"data\":{\"blob\":\"";
    rawExchange(vertx, head)
        .compose(answer -> {
          ctx.verify(() -> {
            assertTrue(answer.startsWith("HTTP/1.1 413"), "answered 413 without the body: " + answer);
            assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
          });
          return daemon.client().get("/health/live").timeout(DEADLINE_MS).send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void chunkedSessionBody_pastTheLimit_answers413_whileTheClientIsStillSending(Vertx vertx, VertxTestContext ctx) {
    endlessChunkedUpload(vertx, HttpMethod.PUT, "/v1/sessions/" + TestDaemon.freshSession(), ctx);
  }

  @Test
  void chunkedKeyBatch_pastTheLimit_answers413_whileTheClientIsStillSending(Vertx vertx, VertxTestContext ctx) {
    endlessChunkedUpload(vertx, HttpMethod.POST, "/v1/sessions/" + EXISTING + "/keys", ctx);
  }

  @Test
  void chunkedImport_pastTheLimit_answers413_whileTheClientIsStillSending(Vertx vertx, VertxTestContext ctx) {
    endlessChunkedUpload(vertx, HttpMethod.POST, "/v1/sessions/import", ctx);
  }

  /**
   * Streams a JSON body that never ends (chunked, no Content-Length): the daemon must answer 413 as
   * soon as the limit is passed, while the client is still writing.
   */
  private static void endlessChunkedUpload(Vertx vertx, HttpMethod method, String path, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(daemon.port())
        .setURI(path).putHeader("Authorization", authorization()).putHeader("Content-Type", "application/json");
    AtomicLong sent = new AtomicLong();
    long limit = 64L << 20;
    Buffer chunk = Buffer.buffer("x".repeat(8192));
    client.request(options)
        .compose(req -> {
          req.setChunked(true);
          req.exceptionHandler(t -> { }); // the reset below, once answered, is expected
          Promise<HttpClientResponse> answered = Promise.promise();
          req.response().onComplete(answered);
          req.write(Buffer.buffer("{\"data\":{\"blob\":\""));
          long timer = vertx.setPeriodic(1, id -> {
            if (answered.future().isComplete()) {
              vertx.cancelTimer(id);
              return;
            }
            // A few chunks a millisecond: the answer must arrive long before the limit of this loop.
            for (int i = 0; i < 4 && !req.writeQueueFull() && sent.get() < limit; i++) {
              req.write(chunk);
              sent.addAndGet(chunk.length());
            }
          });
          long deadline = vertx.setTimer(DEADLINE_MS, id -> answered.tryFail("no answer within " + DEADLINE_MS + " ms after "
              + sent.get() + " bytes"));
          return answered.future()
              .compose(resp -> resp.body().map(body -> new Object[] {resp, body}))
              .onComplete(ar -> {
                vertx.cancelTimer(timer);
                vertx.cancelTimer(deadline);
                req.reset();
              });
        })
        .compose(pair -> {
          HttpClientResponse resp = (HttpClientResponse) pair[0];
          Buffer body = (Buffer) pair[1];
          ctx.verify(() -> {
            assertEquals(413, resp.statusCode(), body::toString);
            assertEquals("application/problem+json", resp.getHeader("Content-Type"));
            assertEquals(413, body.toJsonObject().getInteger("status"));
            assertTrue(sent.get() < limit, "answered before the client finished (" + sent.get() + " bytes sent)");
          });
          return client.close().compose(v -> daemon.client().get("/health/live").timeout(DEADLINE_MS).send());
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void headerOf20Kb_gets4xx_andTheConnectionIsNotHung(Vertx vertx, VertxTestContext ctx) {
    String request = "GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: " + authorization() + "\r\n"
        + "X-Padding: " + "p".repeat(20 * 1024) + "\r\n\r\n";
    rawExchange(vertx, request)
        .compose(answer -> {
          ctx.verify(() -> assertTrue(answer.matches("(?s)HTTP/1\\.[01] 4\\d\\d .*"), "4xx: " + answer));
          return daemon.client().get("/health/live").timeout(DEADLINE_MS).send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void requestLineOf20Kb_gets4xx_andTheConnectionIsNotHung(Vertx vertx, VertxTestContext ctx) {
    String request = "GET /v1/sessions/" + "a".repeat(20 * 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    rawExchange(vertx, request)
        .compose(answer -> {
          ctx.verify(() -> assertTrue(answer.matches("(?s)HTTP/1\\.[01] 4\\d\\d .*"), "4xx: " + answer));
          return daemon.client().get("/health/live").timeout(DEADLINE_MS).send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void requestWithoutHost_answers400Problem_notA500(Vertx vertx, VertxTestContext ctx) {
    // Found by HostileRequestsFuzzTest: the router fails such a request with 400 and a cause, which
    // the failure handler used to take for an unexpected failure (500).
    String request = "GET /v1/sessions/" + EXISTING + " HTTP/1.1\r\nAuthorization: " + authorization() + "\r\n\r\n";
    rawExchange(vertx, request).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
      assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
      assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
      assertTrue(answer.contains("'Host' header is required"), answer);
      ctx.completeNow();
    })));
  }

  @Test
  void requestsTheDecoderRefuses_answerAProblemDocument(Vertx vertx, VertxTestContext ctx) {
    // Found by HostileRequestsFuzzTest: Vert.x answered these with an empty body and no problem type.
    String auth = "Authorization: " + authorization() + "\r\n";
    List<String[]> cases = List.of(
        new String[] {"414", "GET /v1/sessions/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
        new String[] {"431", "GET /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth + "X-Padding: " + "p".repeat(9000) + "\r\n\r\n"},
        new String[] {"400", "GET /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth + "If-Match: \"1\u0000\"\r\n\r\n"});
    Future<Void> chain = Future.succeededFuture();
    for (String[] c : cases) {
      chain = chain.compose(v -> rawExchange(vertx, c[1])).map(answer -> {
        ctx.verify(() -> {
          assertTrue(answer.matches("(?s)HTTP/1\\.[01] " + c[0] + " .*"), answer);
          assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
          JsonObject p = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4));
          assertEquals(Integer.parseInt(c[0]), p.getInteger("status"));
          assertFalse(p.getString("detail").isBlank());
        });
        return null;
      });
    }
    chain.compose(v -> daemon.client().get("/health/live").timeout(DEADLINE_MS).send())
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void garbageBytes_get400OrAClosedConnection_andTheDaemonKeepsAnswering(Vertx vertx, VertxTestContext ctx) {
    byte[] garbage = new byte[4096];
    new java.util.Random(42).nextBytes(garbage);
    garbage[0] = 0;
    String request = new String(garbage, StandardCharsets.ISO_8859_1) + "\r\n\r\n";
    rawExchange(vertx, request)
        .compose(answer -> {
          ctx.verify(() -> assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/1\\.[01] 400 .*"), "400 or closed: " + answer));
          return rawExchange(vertx, "NOT HTTP AT ALL\r\n\r\n");
        })
        .compose(answer -> {
          ctx.verify(() -> assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/1\\.[01] 400 .*"), "400 or closed: " + answer));
          return daemon.client().get("/health/live").timeout(DEADLINE_MS).send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.statusCode());
          ctx.completeNow();
        })));
  }

  /**
   * Writes {@code request} on a fresh connection and collects the answer until one whole response
   * has arrived or the connection closes; fails when neither happens before the deadline (a hang).
   */
  private static Future<String> rawExchange(Vertx vertx, String request) {
    NetClient net = vertx.createNetClient();
    Promise<String> done = Promise.promise();
    Buffer received = Buffer.buffer();
    net.connect(daemon.port(), "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      NetSocket socket = ar.result();
      long deadline = vertx.setTimer(DEADLINE_MS, id -> done.tryFail("hung: no whole answer and no close within "
          + DEADLINE_MS + " ms; got: " + received));
      socket.handler(data -> {
        received.appendBuffer(data);
        if (wholeResponse(received.toString(StandardCharsets.ISO_8859_1))) {
          vertx.cancelTimer(deadline);
          done.tryComplete(received.toString(StandardCharsets.ISO_8859_1));
        }
      });
      socket.closeHandler(v -> {
        vertx.cancelTimer(deadline);
        done.tryComplete(received.toString(StandardCharsets.ISO_8859_1));
      });
      socket.exceptionHandler(t -> { });
      socket.write(Buffer.buffer(request.getBytes(StandardCharsets.ISO_8859_1)));
    });
    return done.future().eventually(() -> net.close());
  }

  private static boolean wholeResponse(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    java.util.regex.Matcher cl = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
    long length = cl.find() ? Long.parseLong(cl.group(1)) : 0;
    return text.length() - end - 4 >= length;
  }
}
