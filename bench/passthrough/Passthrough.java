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
 */
public final class Passthrough extends VerticleBase {
  private final int port;
  private final String redisUrl;
  private final int conns;
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
    return Future.all(opened).compose(v -> vertx.createHttpServer(new HttpServerOptions().setPort(port))
        .requestHandler(this::handle).listen());
  }

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
}
