package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two workers, each on its own replica of one Redis, contend for one session's lease over 1,000
 * rounds. Each round both ask for the lease at once; the winner writes its key fenced with its token
 * while the loser writes, at the same moment, fenced with the last token it ever held (once it has
 * held one); the other replica sees the winner as holder; the winner then releases. Never two
 * holders, every write of the loser refused (409 fenced), and at the end the session holds exactly
 * the winners' keys, its version counting exactly their writes.
 */
@ExtendWith(VertxExtension.class)
class RedisLeaseContentionApiTest {
  private static final int ROUNDS = 1000;
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private static final String PREFIX = TestRedis.uniquePrefix();
  @RegisterExtension
  static final DaemonExtension first = DaemonExtension.of(replica());
  @RegisterExtension
  static final DaemonExtension second = DaemonExtension.of(replica());

  private static TestDaemon.Builder replica() {
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", PREFIX);
    TestRedis.settings().forEach(builder::set);
    return builder.tenantWithKeys(TENANT, KEY);
  }

  /** One worker: its name, its replica, and the last token it held (0: none yet). */
  private static final class Worker {
    final String name;
    final Api api;
    long lastToken;
    int wins;
    int attempts;
    int refused;

    Worker(String name, Api api) {
      this.name = name;
      this.api = api;
    }
  }

  private final List<String> failures = new ArrayList<>();

  @Test
  @Timeout(value = 10, timeUnit = TimeUnit.MINUTES)
  void twoWorkersOnTwoReplicas_thousandRounds_oneHolderAtATime_loserAlwaysFenced(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Worker a = new Worker("worker-a", first.api(TENANT));
    Worker b = new Worker("worker-b", second.api(TENANT));
    List<String> winners = new ArrayList<>();
    a.api.create(id, new JsonObject())
        .compose(r -> rounds(id, a, b, 0, winners))
        .compose(v -> a.api.post("/v1/sessions/" + id + "/keys/query", new JsonObject().put("type", "pre-key")
            .put("ids", new JsonArray(allIds()))))
        .compose(found -> b.api.get("/v1/sessions/" + id).map(s -> List.of(found, s)))
        .onComplete(ctx.succeeding(rs -> ctx.verify(() -> {
          assertEquals(List.of(), failures);
          JsonObject keys = rs.get(0).bodyAsJsonObject();
          assertEquals(ROUNDS, keys.size(), "one key per round, none from a loser");
          for (int i = 0; i < ROUNDS; i++) {
            assertEquals(winners.get(i), keys.getString("w" + i), "round " + i);
            assertTrue(!keys.containsKey("l" + i), "a loser's write of round " + i + " landed");
          }
          assertEquals("\"" + (ROUNDS + 1) + "\"", rs.get(1).getHeader("ETag"), "create + one write per round");
          assertEquals(ROUNDS, a.wins + b.wins);
          assertTrue(a.wins > 0 && b.wins > 0, "both workers won rounds: " + a.wins + " / " + b.wins);
          assertEquals(a.attempts + b.attempts, a.refused + b.refused, "every write of a loser refused");
          assertTrue(a.attempts + b.attempts > ROUNDS / 2, "losers holding a stale token wrote in most rounds");
          ctx.completeNow();
        })));
  }

  private static List<String> allIds() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      ids.add("w" + i);
      ids.add("l" + i);
    }
    return ids;
  }

  private Future<Void> rounds(String id, Worker a, Worker b, int round, List<String> winners) {
    if (round == ROUNDS || failures.size() > 10) {
      return Future.succeededFuture();
    }
    // Alternate who asks first, so both win rounds.
    Future<HttpResponse<Buffer>> fa = take(a, id);
    Future<HttpResponse<Buffer>> fb = take(b, id);
    return Future.all(fa, fb).compose(both -> {
      boolean aWon = fa.result().statusCode() == 201;
      boolean bWon = fb.result().statusCode() == 201;
      if (aWon == bWon) {
        failures.add("round " + round + ": " + fa.result().statusCode() + " / " + fb.result().statusCode());
        return Future.succeededFuture();
      }
      Worker winner = aWon ? a : b;
      Worker loser = aWon ? b : a;
      HttpResponse<Buffer> lost = aWon ? fb.result() : fa.result();
      if (lost.statusCode() != 409 || !lost.bodyAsJsonObject().getString("type").endsWith(":lease-held")) {
        failures.add("round " + round + ": the loser got " + lost.statusCode() + " " + lost.bodyAsString());
      }
      winner.lastToken = (aWon ? fa : fb).result().bodyAsJsonObject().getLong("token");
      winner.wins++;
      winners.add(winner.name);
      Future<Void> winnerWrite = write(winner, id, "w" + round).map(w -> {
        if (w.statusCode() != 204) {
          failures.add("round " + round + ": the winner's write answered " + w.statusCode() + " " + w.bodyAsString());
        }
        return null;
      });
      return Future.all(winnerWrite, loserWrite(loser, id, round))
          .compose(v -> holderSeenBy(loser, id, winner, round))
          .compose(v -> winner.api.request(HttpMethod.DELETE, "/v1/sessions/" + id + "/lease")
              .putHeader("Fence", Long.toString(winner.lastToken)).send())
          .compose(rel -> {
            if (rel.statusCode() != 204) {
              failures.add("round " + round + ": release answered " + rel.statusCode());
            }
            return Future.succeededFuture();
          });
    }).compose(v -> rounds(id, round % 2 == 0 ? b : a, round % 2 == 0 ? a : b, round + 1, winners));
  }

  private static Future<HttpResponse<Buffer>> take(Worker w, String id) {
    return w.api.post("/v1/sessions/" + id + "/lease", new JsonObject().put("holder", w.name).put("ttlSeconds", 60));
  }

  private static Future<HttpResponse<Buffer>> write(Worker w, String id, String keyId) {
    return w.api.request(HttpMethod.POST, "/v1/sessions/" + id + "/keys").putHeader("Content-Type", "application/json")
        .putHeader("Fence", Long.toString(w.lastToken))
        .sendBuffer(Buffer.buffer(new JsonObject().put("pre-key", new JsonObject().put(keyId, w.name)).encode()));
  }

  /** The replica of the loser sees the winner as the one holder. */
  private Future<Void> holderSeenBy(Worker loser, String id, Worker winner, int round) {
    return loser.api.get("/v1/sessions/" + id + "/lease").map(r -> {
      JsonObject l = r.bodyAsJsonObject();
      if (!winner.name.equals(l.getString("holder")) || l.getLong("token") != winner.lastToken) {
        failures.add("round " + round + ": the other replica sees " + l.encode());
      }
      return null;
    });
  }

  /** The loser writes with the last token it held: refused, whatever round that token is from. */
  private Future<Void> loserWrite(Worker loser, String id, int round) {
    if (loser.lastToken == 0) {
      return Future.succeededFuture();
    }
    loser.attempts++;
    return write(loser, id, "l" + round).map(r -> {
      if (r.statusCode() == 409 && r.bodyAsJsonObject().getString("type").endsWith(":fenced")) {
        loser.refused++;
      } else {
        failures.add("round " + round + ": the loser's fenced write answered " + r.statusCode());
      }
      return null;
    });
  }
}
