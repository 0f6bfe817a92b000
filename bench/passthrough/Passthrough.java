import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's ceiling: a bare Vert.x 5 HTTP → Redis passthrough with no authentication, no
 * validation, no router and no event bus, one verticle instance per core, each with its own
 * pipelined Redis connections. It serves the same paths as sessiond so the same wrk scripts and
 * seeding tool drive it:
 * <pre>
 *   GET  /v1/sessions/{id}             → GET   pt:s:{id}            200 value | 404
 *   PUT  /v1/sessions/{id}             → SET   pt:s:{id} body       200
 *   POST /v1/sessions/{id}/keys        → HSET  pt:k:{id}:{type} id value … per type (JSON parsed, values re-encoded)  204
 *   POST /v1/sessions/{id}/keys/query  → HMGET pt:k:{id}:{type} ids… → {"id":value}  200
 *   POST /v1/sessions/{id}/messages    → RPUSH pt:m:{id} body       201
 *   GET  /health                       → 200
 * </pre>
 * Run: {@code java -cp target/sessiond.jar bench/passthrough/Passthrough.java <httpPort> <redisUrl>}
 * (env PT_INSTANCES, default nproc; PT_REDIS_CONNS per instance, default 2).
 *
 * <p>With {@code PT_GUARDED=1} it is the floor of any design that keeps sessiond's write guarantees in
 * Redis, still without sessiond's HTTP layer: every write is one call of a small Redis function (library
 * {@code ptguard}, loaded at start) that checks the version ({@code If-Match}), writes, bumps the
 * version, appends a change record to the session's stream and refreshes the expiry; a GET reads the
 * session's hash ({@code HMGET data ver}) and answers its version as the ETag. Keys: {@code pt:h:{id}}
 * (version and data), {@code pt:e:{id}} (change records), {@code pt:m:{id}}, {@code pt:k:{id}:{type}}.
 * With {@code PT_GUARDED=multi}, PUT and append do the same writes as plain commands in one
 * {@code MULTI}/{@code EXEC} instead, without the checks a script can make (no If-Match, no
 * existence check): what a write costs in Redis without any script at all.
 *
 * <p>Two more modes measure a GET's read in Redis as sessiond does it against one hash read, with the
 * guarded writes (PUT also keeps the fields sessiond's meta hash has: state, created, activity, ttl,
 * expires). With {@code PT_GUARDED=tx} a GET is sessiond's read on one Redis: {@code MULTI}, {@code HMGET}
 * of the eight meta fields ({@code ver state data created updated activity ttl expires}), {@code GET} of
 * the creds key ({@code pt:c:{id}}), {@code EXEC}, written in one batch. With {@code PT_GUARDED=hash} a GET
 * is one {@code HMGET} of the same eight fields and {@code creds} from the same hash: the read of a layout
 * with the creds in the meta hash. Both answer the data with the version as the ETag, and a session whose
 * {@code expires} has passed as 404, as sessiond does.
 */
public final class Passthrough extends VerticleBase {
  private final int port;
  private final String redisUrl;
  private final int conns;
  private final String mode = System.getenv().getOrDefault("PT_GUARDED", "");
  private final boolean readTx = "tx".equals(mode);
  private final boolean readHash = "hash".equals(mode);
  private final boolean guarded = "1".equals(mode) || readTx || readHash;
  private final boolean multi = "multi".equals(mode);
  private final String putFunction = readTx || readHash ? "pt_put_meta" : "pt_put";
  private final List<RedisConnection> redis = new ArrayList<>();
  private int next;

  Passthrough(int port, String redisUrl, int conns) {
    this.port = port;
    this.redisUrl = redisUrl;
    this.conns = conns;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String url = args.length > 1 ? args[1] : "redis://127.0.0.1:6379";
    int instances = Integer.parseInt(System.getenv().getOrDefault("PT_INSTANCES",
        String.valueOf(Runtime.getRuntime().availableProcessors())));
    int conns = Integer.parseInt(System.getenv().getOrDefault("PT_REDIS_CONNS", "2"));
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new Passthrough(port, url, conns), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("passthrough listening on " + port + " with " + instances
            + " instances x " + conns + " Redis connections"))
        .onFailure(t -> {
          t.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url())
        .setMaxWaitingHandlers(1_000_000).setMaxPoolSize(conns).setMaxPoolWaiting(1_000_000));
    List<Future<RedisConnection>> opened = new ArrayList<>();
    for (int i = 0; i < conns; i++) {
      opened.add(client.connect().onSuccess(redis::add));
    }
    return Future.all(opened)
        .compose(v -> guarded ? redis.get(0).send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE")
            .arg(GUARD_LIBRARY)).mapEmpty() : Future.succeededFuture())
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setPort(port))
        .requestHandler(this::handle).listen());
  }

  /** The guarded writes: what a write that keeps sessiond's guarantees must do in Redis at the least. */
  private static final String GUARD_LIBRARY = """
      #!lua name=ptguard
      local function bump(meta, stream, now, what)
        local ver = redis.call('HINCRBY', meta, 'ver', 1)
        redis.call('HSET', meta, 'updated', now)
        redis.call('XADD', stream, 'MAXLEN', '~', '100', '*', 'e', what, 'v', ver)
        redis.call('PEXPIRE', meta, 86400000)
        redis.call('PEXPIRE', stream, 86400000)
        return ver
      end
      local function unchanged(meta, ifMatch)
        return ifMatch == '' or tonumber(redis.call('HGET', meta, 'ver') or '0') == tonumber(ifMatch)
      end
      redis.register_function('pt_put', function(keys, args)
        if not unchanged(keys[1], args[2]) then return redis.error_reply('PRECONDITION') end
        redis.call('HSET', keys[1], 'data', args[1])
        return bump(keys[1], keys[2], args[3], 'put')
      end)
      redis.register_function('pt_put_meta', function(keys, args)
        if not unchanged(keys[1], args[2]) then return redis.error_reply('PRECONDITION') end
        redis.call('HSET', keys[1], 'data', args[1], 'state', 'unregistered', 'activity', args[3], 'ttl', '86400',
          'expires', tostring(tonumber(args[3]) + 86400000))
        redis.call('HSETNX', keys[1], 'created', args[3])
        return bump(keys[1], keys[2], args[3], 'put')
      end)
      redis.register_function('pt_append', function(keys, args)
        if redis.call('EXISTS', keys[1]) == 0 then return redis.error_reply('ABSENT') end
        if redis.call('RPUSH', keys[3], args[1]) > 1000 then redis.call('LTRIM', keys[3], -1000, -1) end
        redis.call('PEXPIRE', keys[3], 86400000)
        return bump(keys[1], keys[2], args[2], 'message')
      end)
      redis.register_function('pt_keys', function(keys, args)
        if redis.call('EXISTS', keys[1]) == 0 then return redis.error_reply('ABSENT') end
        local a = 2
        for k = 3, #keys do
          local n = tonumber(args[a])
          redis.call('HSET', keys[k], unpack(args, a + 1, a + 2 * n))
          redis.call('PEXPIRE', keys[k], 86400000)
          a = a + 2 * n + 1
        end
        return bump(keys[1], keys[2], args[1], 'keys')
      end)
      """;

  private String url() {
    return redisUrl;
  }

  private RedisConnection conn() {
    RedisConnection c = redis.get(next);
    next = (next + 1) % redis.size();
    return c;
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    HttpMethod m = req.method();
    if (path.equals("/health")) {
      req.response().end("ok");
      return;
    }
    if (!path.startsWith("/v1/sessions/")) {
      req.response().setStatusCode(404).end();
      return;
    }
    String rest = path.substring("/v1/sessions/".length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    String sub = slash < 0 ? "" : rest.substring(slash);
    if (multi && handleMulti(req, m, id, sub)) {
      return;
    }
    if ((guarded || multi) && handleGuarded(req, m, id, sub)) {
      return;
    }
    if (m == HttpMethod.GET && sub.isEmpty()) {
      conn().send(Request.cmd(Command.GET).arg("pt:s:" + id)).onComplete(ar -> {
        if (ar.failed()) {
          req.response().setStatusCode(503).end();
        } else if (ar.result() == null) {
          req.response().setStatusCode(404).end();
        } else {
          req.response().putHeader("Content-Type", "application/json").end(ar.result().toBuffer());
        }
      });
    } else if (m == HttpMethod.PUT && sub.isEmpty()) {
      req.body().compose(b -> conn().send(Request.cmd(Command.SET).arg("pt:s:" + id).arg(b)))
          .onComplete(ar -> req.response().setStatusCode(ar.succeeded() ? 200 : 503).end());
    } else if (m == HttpMethod.POST && sub.equals("/keys")) {
      req.body().compose(b -> {
        JsonObject batch = b.toJsonObject();
        List<Future<Response>> writes = new ArrayList<>();
        RedisConnection c = conn();
        for (Map.Entry<String, Object> type : batch) {
          Request hset = Request.cmd(Command.HSET).arg("pt:k:" + id + ":" + type.getKey());
          for (Map.Entry<String, Object> kv : (JsonObject) type.getValue()) {
            hset.arg(kv.getKey()).arg(io.vertx.core.json.Json.encode(kv.getValue()));
          }
          writes.add(c.send(hset));
        }
        return Future.all(writes);
      }).onComplete(ar -> req.response().setStatusCode(ar.succeeded() ? 204 : 503).end());
    } else if (m == HttpMethod.POST && sub.equals("/keys/query")) {
      req.body().compose(b -> {
        JsonObject q = b.toJsonObject();
        JsonArray ids = q.getJsonArray("ids");
        Request hmget = Request.cmd(Command.HMGET).arg("pt:k:" + id + ":" + q.getString("type"));
        for (Object k : ids) {
          hmget.arg((String) k);
        }
        return conn().send(hmget).map(r -> {
          StringBuilder out = new StringBuilder(ids.size() * 150).append('{');
          for (int i = 0; i < ids.size(); i++) {
            Response v = r.get(i);
            if (v != null) {
              if (out.length() > 1) {
                out.append(',');
              }
              out.append('"').append(ids.getString(i)).append("\":").append(v.toString());
            }
          }
          return out.append('}').toString();
        });
      }).onComplete(ar -> {
        if (ar.failed()) {
          req.response().setStatusCode(503).end();
        } else {
          req.response().putHeader("Content-Type", "application/json").end(ar.result());
        }
      });
    } else if (m == HttpMethod.POST && sub.equals("/messages")) {
      req.body().compose(b -> conn().send(Request.cmd(Command.RPUSH).arg("pt:m:" + id).arg(b)))
          .onComplete(ar -> req.response().setStatusCode(ar.succeeded() ? 201 : 503)
              .putHeader("Content-Type", "application/json").end("{}"));
    } else {
      req.response().setStatusCode(404).end();
    }
  }

  private boolean handleGuarded(HttpServerRequest req, HttpMethod m, String id, String sub) {
    String meta = "pt:h:" + id;
    String stream = "pt:e:" + id;
    String now = String.valueOf(System.currentTimeMillis());
    if (m == HttpMethod.GET && sub.isEmpty() && (readTx || readHash)) {
      readSession(req, id, meta, Long.parseLong(now));
    } else if (m == HttpMethod.GET && sub.isEmpty()) {
      conn().send(Request.cmd(Command.HMGET).arg(meta).arg("data").arg("ver")).onComplete(ar -> {
        if (ar.failed()) {
          req.response().setStatusCode(503).end();
        } else if (ar.result().get(0) == null) {
          req.response().setStatusCode(404).end();
        } else {
          req.response().putHeader("Content-Type", "application/json")
              .putHeader("ETag", "\"" + ar.result().get(1).toString() + "\"").end(ar.result().get(0).toBuffer());
        }
      });
    } else if (m == HttpMethod.PUT && sub.isEmpty()) {
      String ifMatch = req.getHeader("If-Match");
      req.body().compose(b -> conn().send(Request.cmd(Command.FCALL).arg(putFunction).arg(2).arg(meta).arg(stream)
              .arg(b).arg(ifMatch == null ? "" : ifMatch.replace("\"", "")).arg(now)))
          .onComplete(ar -> writeReply(req, ar, 200));
    } else if (m == HttpMethod.POST && sub.equals("/messages")) {
      req.body().compose(b -> conn().send(Request.cmd(Command.FCALL).arg("pt_append").arg(3).arg(meta).arg(stream)
              .arg("pt:m:" + id).arg(b).arg(now)))
          .onComplete(ar -> writeReply(req, ar, 201));
    } else if (m == HttpMethod.POST && sub.equals("/keys")) {
      req.body().compose(b -> {
        JsonObject batch = b.toJsonObject();
        Request fcall = Request.cmd(Command.FCALL).arg("pt_keys").arg(2 + batch.size()).arg(meta).arg(stream);
        for (String type : batch.fieldNames()) {
          fcall.arg("pt:k:" + id + ":" + type);
        }
        fcall.arg(now);
        for (Map.Entry<String, Object> type : batch) {
          JsonObject kvs = (JsonObject) type.getValue();
          fcall.arg(kvs.size());
          for (Map.Entry<String, Object> kv : kvs) {
            fcall.arg(kv.getKey()).arg(io.vertx.core.json.Json.encode(kv.getValue()));
          }
        }
        return conn().send(fcall);
      }).onComplete(ar -> writeReply(req, ar, 204));
    } else {
      return false;
    }
    return true;
  }

  /**
   * A GET as sessiond reads a session on one Redis ({@code tx}: MULTI, HMGET of the meta hash, GET of the
   * creds, EXEC) or as one HMGET of a hash that also holds the creds ({@code hash}).
   */
  private void readSession(HttpServerRequest req, String id, String meta, long now) {
    Request hmget = Request.cmd(Command.HMGET).arg(meta).arg("ver").arg("state").arg("data").arg("created")
        .arg("updated").arg("activity").arg("ttl").arg("expires");
    Future<Response> fields;
    if (readTx) {
      fields = conn().batch(List.of(Request.cmd(Command.MULTI), hmget, Request.cmd(Command.GET).arg("pt:c:" + id),
          Request.cmd(Command.EXEC))).map(replies -> replies.get(3).get(0));
    } else {
      fields = conn().send(hmget.arg("creds"));
    }
    fields.onComplete(ar -> {
      if (ar.failed()) {
        req.response().setStatusCode(503).end();
        return;
      }
      Response f = ar.result();
      if (f.get(0) == null || (f.get(7) != null && f.get(7).toLong() <= now)) {
        req.response().setStatusCode(404).end();
      } else {
        req.response().putHeader("Content-Type", "application/json")
            .putHeader("ETag", "\"" + f.get(0).toString() + "\"").end(f.get(2).toBuffer());
      }
    });
  }

  private boolean handleMulti(HttpServerRequest req, HttpMethod m, String id, String sub) {
    String meta = "pt:h:" + id;
    String stream = "pt:e:" + id;
    String now = String.valueOf(System.currentTimeMillis());
    boolean put = m == HttpMethod.PUT && sub.isEmpty();
    if (!put && !(m == HttpMethod.POST && sub.equals("/messages"))) {
      return false;
    }
    req.body().compose(b -> {
      List<Request> tx = new ArrayList<>();
      tx.add(Request.cmd(Command.MULTI));
      if (put) {
        tx.add(Request.cmd(Command.HSET).arg(meta).arg("data").arg(b).arg("updated").arg(now));
      } else {
        tx.add(Request.cmd(Command.RPUSH).arg("pt:m:" + id).arg(b));
        tx.add(Request.cmd(Command.LTRIM).arg("pt:m:" + id).arg(-1000).arg(-1));
        tx.add(Request.cmd(Command.PEXPIRE).arg("pt:m:" + id).arg(86400000));
        tx.add(Request.cmd(Command.HSET).arg(meta).arg("updated").arg(now));
      }
      tx.add(Request.cmd(Command.HINCRBY).arg(meta).arg("ver").arg(1));
      tx.add(Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(100).arg("*").arg("e")
          .arg(put ? "put" : "message"));
      tx.add(Request.cmd(Command.PEXPIRE).arg(meta).arg(86400000));
      tx.add(Request.cmd(Command.PEXPIRE).arg(stream).arg(86400000));
      tx.add(Request.cmd(Command.EXEC));
      return conn().batch(tx).map(r -> r.get(r.size() - 1).get(put ? 1 : 4));
    }).onComplete(ar -> writeReply(req, ar, put ? 200 : 201));
    return true;
  }

  private static void writeReply(HttpServerRequest req, io.vertx.core.AsyncResult<Response> ar, int ok) {
    if (ar.succeeded()) {
      req.response().setStatusCode(ok).putHeader("ETag", "\"" + ar.result().toString() + "\"").end();
    } else {
      String msg = String.valueOf(ar.cause().getMessage());
      req.response().setStatusCode(msg.contains("PRECONDITION") ? 412 : msg.contains("ABSENT") ? 404 : 503).end();
    }
  }
}
