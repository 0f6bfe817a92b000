package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lifecycle state machine over HTTP, checked against the table of the API spec (written out here
 * independently of the code): the legal path, logout from everywhere, every illegal move refused.
 */
@ExtendWith(VertxExtension.class)
class LifecycleApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT));

  private static Api api() {
    return daemon.api(TENANT);
  }
  private static final List<String> STATES = List.of("unregistered", "registering", "registered", "connected",
      "disconnected", "expired", "logged-out");
  private static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("unregistered", List.of("registering", "logged-out"));
    ALLOWED.put("registering", List.of("unregistered", "registered", "logged-out"));
    ALLOWED.put("registered", List.of("connected", "disconnected", "expired", "logged-out"));
    ALLOWED.put("connected", List.of("disconnected", "expired", "logged-out"));
    ALLOWED.put("disconnected", List.of("connected", "expired", "logged-out"));
    ALLOWED.put("expired", List.of("unregistered", "registering", "logged-out"));
    ALLOWED.put("logged-out", List.of("unregistered", "registering"));
  }


  private static Future<HttpResponse<Buffer>> move(String id, String to) {
    return api().post("/v1/sessions/" + id + "/state", new JsonObject().put("state", to));
  }

  private static Future<HttpResponse<Buffer>> createIn(String id, String state) {
    return api().create(id, new JsonObject().put("state", state));
  }

  /** Whether {@code text} names {@code state} as a whole word ("registered" is inside "unregistered"). */
  private static boolean names(String text, String state) {
    return Pattern.compile("(?<![a-z-])" + Pattern.quote(state) + "(?![a-z-])").matcher(text).find();
  }

  @Test
  void legalPath_walksThroughEveryState_bumpingTheVersionEachStep(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    List<String> path = List.of("registering", "registered", "connected", "disconnected", "connected",
        "disconnected", "expired", "unregistered", "registering", "registered", "connected", "logged-out",
        "unregistered");
    Future<HttpResponse<Buffer>> chain = api().create(id, new JsonObject());
    for (int i = 0; i < path.size(); i++) {
      String to = path.get(i);
      long version = i + 2;
      chain = chain.compose(r -> move(id, to)).map(r -> {
        ctx.verify(() -> {
          assertEquals(200, r.statusCode(), to + ": " + r.bodyAsString());
          JsonObject status = r.bodyAsJsonObject();
          assertEquals(to, status.getString("state"));
          assertEquals(version, status.getLong("version"));
          assertEquals("\"" + version + "\"", r.getHeader("ETag"));
          assertEquals(new JsonArray(ALLOWED.get(to)).stream().sorted().toList(),
              status.getJsonArray("allowedTransitions").stream().sorted().toList());
        });
        return r;
      });
    }
    chain.compose(r -> api().get("/v1/sessions/" + id))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("unregistered", r.bodyAsJsonObject().getString("state"));
          assertEquals(path.size() + 1, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  @Test
  void logout_isAllowedFromEveryState_andLoggedOutCanStartOver(VertxTestContext ctx) {
    List<Future<?>> all = new ArrayList<>();
    for (String from : STATES) {
      String id = TestDaemon.freshSession();
      all.add(createIn(id, from).compose(r -> move(id, "logged-out")).compose(r -> {
        ctx.verify(() -> {
          assertEquals(200, r.statusCode(), from + " → logged-out: " + r.bodyAsString());
          assertEquals("logged-out", r.bodyAsJsonObject().getString("state"));
          // from logged-out it is the same-state no-op
          assertEquals(from.equals("logged-out") ? 1 : 2, r.bodyAsJsonObject().getLong("version"));
        });
        return move(id, "registering");
      }).map(r -> {
        ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
        return r;
      }));
    }
    Future.all(all).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void everyPairOfStates_followsTheTable_illegalIs409NamingAllowedTargets_andChangesNothing(VertxTestContext ctx) {
    List<Future<?>> all = new ArrayList<>();
    for (String from : STATES) {
      for (String to : STATES) {
        if (!from.equals(to)) {
          all.add(checkPair(ctx, from, to));
        }
      }
    }
    Future.all(all).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  private static Future<?> checkPair(VertxTestContext ctx, String from, String to) {
    String id = TestDaemon.freshSession();
    boolean legal = ALLOWED.get(from).contains(to);
    return createIn(id, from).compose(r -> move(id, to)).compose(r -> {
      ctx.verify(() -> {
        if (legal) {
          assertEquals(200, r.statusCode(), from + " → " + to + ": " + r.bodyAsString());
          assertEquals(to, r.bodyAsJsonObject().getString("state"));
        } else {
          JsonObject p = assertProblem(r, 409);
          assertEquals("urn:sessiond:problem:illegal-transition", p.getString("type"));
          String detail = p.getString("detail");
          for (String s : STATES) {
            if (ALLOWED.get(from).contains(s)) {
              assertTrue(names(detail, s), from + " → " + to + ": detail names allowed " + s + ": " + detail);
            } else if (!s.equals(from) && !s.equals(to)) {
              assertFalse(names(detail, s), from + " → " + to + ": detail names only allowed targets: " + detail);
            }
          }
        }
      });
      return api().get("/v1/sessions/" + id + "/status");
    }).map(r -> {
      ctx.verify(() -> {
        JsonObject s = r.bodyAsJsonObject();
        assertEquals(legal ? to : from, s.getString("state"), from + " → " + to);
        assertEquals(legal ? 2 : 1, s.getLong("version"), from + " → " + to);
      });
      return r;
    });
  }

  @Test
  void sameStateTransition_isA200NoOp_withoutVersionBump(VertxTestContext ctx) {
    List<Future<?>> all = new ArrayList<>();
    for (String state : STATES) {
      String id = TestDaemon.freshSession();
      all.add(createIn(id, state).compose(r -> move(id, state)).map(r -> {
        ctx.verify(() -> {
          assertEquals(200, r.statusCode(), state + ": " + r.bodyAsString());
          assertEquals(state, r.bodyAsJsonObject().getString("state"));
          assertEquals(1, r.bodyAsJsonObject().getLong("version"), state);
          assertEquals("\"1\"", r.getHeader("ETag"));
        });
        return r;
      }));
    }
    Future.all(all).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void putNamingAState_createsInThatState_andStatusListsItsAllowedTransitions(VertxTestContext ctx) {
    List<Future<?>> all = new ArrayList<>();
    for (String state : STATES) {
      String id = TestDaemon.freshSession();
      all.add(createIn(id, state).compose(r -> {
        ctx.verify(() -> assertEquals(state, r.bodyAsJsonObject().getString("state")));
        return api().get("/v1/sessions/" + id + "/status");
      }).map(r -> {
        ctx.verify(() -> {
          JsonObject s = r.bodyAsJsonObject();
          assertEquals(state, s.getString("state"));
          assertEquals(id, s.getString("id"));
          assertEquals(ALLOWED.get(state).stream().sorted().toList(),
              s.getJsonArray("allowedTransitions").stream().sorted().toList());
          for (String field : List.of("version", "ttlSeconds", "createdAt", "updatedAt", "lastActivityAt",
              "expiresAt", "hasCreds", "keyCounts", "messageCount")) {
            assertTrue(s.containsKey(field), "status has " + field + ": " + s);
          }
        });
        return r;
      }));
    }
    Future.all(all).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void putReplacingWithAnIllegalState_is409_andKeepsTheSession(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    createIn(id, "unregistered")
        .compose(r -> api().put("/v1/sessions/" + id, new JsonObject().put("state", "connected")
            .put("data", new JsonObject().put("lost", true))))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 409));
          return api().get("/v1/sessions/" + id);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("unregistered", r.bodyAsJsonObject().getString("state"));
          assertEquals(new JsonObject(), r.bodyAsJsonObject().getJsonObject("data"));
          assertEquals(1, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  @Test
  void transition_withStaleIfMatch_is412_onMissingSession_is404_andUnknownState_is400(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    move(id, "registering")
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return createIn(id, "unregistered");
        })
        .compose(r -> api().request(HttpMethod.POST, "/v1/sessions/" + id + "/state").putHeader("If-Match", "\"4\"")
            .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{\"state\":\"registering\"}")))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 412));
          return move(id, "flying");
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return api().get("/v1/sessions/" + id + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("unregistered", r.bodyAsJsonObject().getString("state"));
          assertEquals(1, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }
}
