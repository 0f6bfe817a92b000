package io.sessiond.admin;

import io.sessiond.config.RedisConfig;
import io.sessiond.store.redis.RedisClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis client of the tenant catalog and the shared rate limit: a small pool of its own, apart from
 * the session store's pipelined connections, with the store's timeout on every command. Keys live under
 * {@code <prefix>{admin}:…} (one cluster slot) and {@code <prefix>{rate:<tenant>}}.
 */
final class AdminRedis {
  /** A script from {@code /lua/admin/}: its source and SHA-1. */
  record Script(String source, String sha) {
    static Script named(String name) {
      try (InputStream in = AdminRedis.class.getResourceAsStream("/lua/admin/" + name + ".lua")) {
        if (in == null) {
          throw new IllegalStateException("missing resource /lua/admin/" + name + ".lua");
        }
        String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Script(source, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
            .digest(source.getBytes(StandardCharsets.UTF_8))));
      } catch (IOException | NoSuchAlgorithmException e) {
        throw new IllegalStateException("cannot read /lua/admin/" + name + ".lua", e);
      }
    }
  }

  private final Redis redis;
  private final String prefix;
  private final long timeoutMs;

  AdminRedis(Vertx vertx, RedisConfig config) {
    this.redis = Redis.createClient(vertx, RedisClientOptions.of(config));
    this.prefix = config.prefix();
    this.timeoutMs = config.timeoutMs();
  }

  /** The base of the catalog's keys. */
  String admin() {
    return prefix + "{admin}";
  }

  /** The key of a tenant's shared token bucket. */
  String rate(String tenant) {
    return prefix + "{rate:" + tenant + "}";
  }

  Future<Response> send(Request request) {
    return redis.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** Runs a script by SHA; after a NOSCRIPT (a restarted or never-seen Redis) once by its source. */
  Future<Response> eval(Script script, String key, List<String> args) {
    return send(request(Command.EVALSHA, script.sha(), key, args)).recover(e ->
        e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
            ? send(request(Command.EVAL, script.source(), key, args))
            : Future.failedFuture(e));
  }

  private static Request request(Command command, String script, String key, List<String> args) {
    Request r = Request.cmd(command).arg(script).arg(1).arg(key);
    args.forEach(r::arg);
    return r;
  }

  /** A hash reply (a RESP3 map or a RESP2 flat list) as a map. */
  static java.util.Map<String, String> fields(Response r) {
    java.util.Map<String, String> out = new java.util.HashMap<>();
    if (r != null && r.isMap()) {
      r.getKeys().forEach(k -> out.put(k, r.get(k).toString()));
    } else if (r != null) {
      for (int i = 0; i + 1 < r.size(); i += 2) {
        out.put(r.get(i).toString(), r.get(i + 1).toString());
      }
    }
    return out;
  }

  Future<Void> close() {
    redis.close();
    return Future.succeededFuture();
  }
}
