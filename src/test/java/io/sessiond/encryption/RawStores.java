package io.sessiond.encryption;

import io.sessiond.testing.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What an attacker who reads the stores sees: every value of every Redis key under a prefix (strings,
 * hashes, lists, sets, sorted sets, streams), every row of PostgreSQL's session tables, every byte of
 * a file store's folder. Text is read as ISO-8859-1, so any byte sequence can be searched.
 */
final class RawStores {
  private RawStores() {
  }

  /** Every Redis key under {@code prefix} with its values, one entry per key. */
  static Future<List<String>> redis(Vertx vertx, String url, String prefix) {
    Redis client = Redis.createClient(vertx, url);
    RedisAPI api = RedisAPI.api(client);
    return api.keys(prefix + "*").compose(keys -> {
      // One key after the other: the client's pool queues only a few requests.
      List<String> out = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Response k : keys) {
        String key = k.toString();
        chain = chain.compose(v -> api.type(key).compose(t -> values(api, key, t.toString())))
            .map(v -> {
              out.add(key + " => " + v);
              return null;
            });
      }
      return chain.map(v -> out);
    }).eventually(() -> {
      client.close();
      return Future.succeededFuture();
    });
  }

  private static Future<String> values(RedisAPI api, String key, String type) {
    Future<Response> r = switch (type) {
      case "string" -> api.get(key);
      case "hash" -> api.hvals(key);
      case "list" -> api.lrange(key, "0", "-1");
      case "set" -> api.smembers(key);
      case "zset" -> api.zrange(List.of(key, "0", "-1"));
      case "stream" -> api.xrange(List.of(key, "-", "+"));
      default -> Future.succeededFuture(null);
    };
    return r.map(v -> {
      StringBuilder sb = new StringBuilder();
      collect(v, sb);
      return sb.toString();
    });
  }

  private static void collect(Response r, StringBuilder sb) {
    if (r == null) {
      return;
    }
    if (r.type() == ResponseType.MULTI) {
      for (Response child : r) {
        collect(child, sb);
      }
      return;
    }
    Buffer b = r.toBuffer();
    if (b != null) {
      sb.append(new String(b.getBytes(), StandardCharsets.ISO_8859_1)).append(" | ");
    }
  }

  /** Every row of the session tables of PostgreSQL, as text (bytea as hex). */
  static String postgres(String pgUrl) {
    StringBuilder sb = new StringBuilder();
    for (String table : List.of("sessions", "keys", "messages", "blobs", "blob_chunks")) {
      TestPostgres.query(pgUrl, "SELECT t::text FROM " + table + " t").forEach(row -> sb.append(row).append('\n'));
    }
    return sb.toString();
  }

  /** Every byte of every file under {@code dir}. */
  static String files(Path dir) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * Whether {@code dump} holds {@code marker} in any form a store writes it: as text, as the hex of
   * PostgreSQL's bytea text, or inside base64 (the file store's journal holds blob chunks so) at any
   * of the three alignments of a blob that repeats {@code marker;}.
   */
  static boolean holds(String dump, String marker) {
    if (dump.contains(marker) || dump.contains(hex(marker))) {
      return true;
    }
    byte[] twice = (marker + ";" + marker).getBytes(StandardCharsets.UTF_8);
    for (int k = 0; k < 3; k++) {
      byte[] part = java.util.Arrays.copyOfRange(twice, k, k + 15);
      if (dump.contains(java.util.Base64.getEncoder().encodeToString(part))) {
        return true;
      }
    }
    return false;
  }

  /** How bytes look in PostgreSQL's text form of a bytea ({@code \x…}). */
  static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }
}
