package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.session.Session;
import io.sessiond.session.SessionIds;
import io.sessiond.session.SessionState;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.TransitionOnce;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Transition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/** Sessions, their status, lifecycle state and credentials. */
final class SessionRoutes {
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000;

  private final StoreClient store;
  private final SyncQuarantine quarantine;

  private final PrefixDelete prefixDelete;

  SessionRoutes(StoreClient store, SyncQuarantine quarantine) {
    this.store = store;
    this.quarantine = quarantine;
    this.prefixDelete = new PrefixDelete(store);
  }

  void mount(ApiRouter api) {
    // Status before :id (same method, overlapping paths): both in the frequent view keeps that order.
    api.frequent().get("/v1/sessions", async(this::list));
    api.frequent().get("/v1/sessions/status", async(this::statusAll));
    api.delete("/v1/sessions", async(this::deleteByPrefix));
    api.frequent().get("/v1/sessions/:id", this::get);
    BulkWork bulk = api.bulk();
    api.frequent().put("/v1/sessions/:id", BodyKind.SMALL, async(ctx -> put(ctx, bulk)));
    api.patch("/v1/sessions/:id", BodyKind.MERGE_PATCH, async(this::patch));
    api.delete("/v1/sessions/:id", async(this::delete));
    api.postOnce("/v1/sessions/:id/touch", BodyKind.NONE, async(this::touch));
    api.get("/v1/sessions/:id/status", async(this::status));
    api.post("/v1/sessions/:id/state", BodyKind.SMALL, async(this::transition));
    api.get("/v1/sessions/:id/creds", async(this::getCreds));
    api.put("/v1/sessions/:id/creds", BodyKind.SMALL, async(this::putCreds));
  }

  /**
   * A small body is sliced ({@link SessionBodyReader}); one larger than {@link BulkWork#THRESHOLD} is parsed and its
   * data encoded again on the bulk pool.
   */
  private Future<?> put(RoutingContext ctx, BulkWork bulk) {
    String id = Requests.newSessionId(ctx);
    return bulk.forBody(ctx, () -> SessionBodyReader.read(ctx))
        .compose(b -> store.call(StoreAddresses.PUT, new PutSession(Requests.tenant(ctx), id, b.dataJson(), b.credsJson(),
            b.state(), b.ttlSeconds(), Requests.ifMatch(ctx), Requests.fence(ctx))))
        .onSuccess(r -> {
          // Not when the deadline answered 503 already: its head is sent.
          if (r.created() && !ctx.response().headWritten()) {
            ctx.response().putHeader("Location", "/v1/sessions/" + id);
          }
          Responses.json(ctx, r.created() ? 201 : 200, Representations.session(r.session()), r.session().version());
        });
  }

  /**
   * The most frequent request: one listener on the store's answer (not a success and a failure
   * handler), and the document written as bytes ({@link SessionBody}).
   */
  private void get(RoutingContext ctx) {
    SessionRef ref;
    try {
      ref = ref(ctx);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    store.call(StoreAddresses.GET, ref).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Session s = ar.result();
      try {
        if (Requests.notModified(ctx, s.version())) {
          Responses.notModified(ctx, s.version());
        } else {
          Responses.json(ctx, 200, SessionBody.of(s), s.version());
        }
      } catch (RuntimeException e) {
        ctx.fail(e);
      }
    });
  }

  private Future<?> patch(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    JsonObject patch = Requests.jsonObject(ctx);
    PatchSession req = new PatchSession(Requests.tenant(ctx), id, patch.encode(), Requests.ifMatch(ctx), Requests.fence(ctx));
    return store.call(StoreAddresses.PATCH, req)
        .onSuccess(s -> Responses.json(ctx, 200, Representations.session(s), s.version()));
  }

  private Future<?> delete(RoutingContext ctx) {
    return store.call(StoreAddresses.DELETE, writeRef(ctx))
        .onSuccess(v -> Responses.noContent(ctx));
  }

  private Future<?> deleteByPrefix(RoutingContext ctx) {
    String prefix = prefix(ctx);
    if (prefix == null) {
      throw ApiException.badRequest("query parameter 'prefix' is required: a DELETE of /v1/sessions never deletes every session");
    }
    return prefixDelete.run(Requests.tenant(ctx), prefix).onSuccess(d -> Responses.json(ctx, 200,
        new JsonText().open().number("deleted", d.deleted()).bool("more", d.more()).close().toString()));
  }

  private Future<?> touch(RoutingContext ctx) {
    return store.call(StoreAddresses.TOUCH, writeRef(ctx))
        .onSuccess(s -> Responses.json(ctx, 200, Representations.status(s), s.version()));
  }

  private Future<?> status(RoutingContext ctx) {
    return store.call(StoreAddresses.STATUS, ref(ctx))
        .compose(s -> quarantine.of(s, Requests.tenant(ctx)).map(q -> Representations.status(s, q))
            .onSuccess(json -> Responses.json(ctx, 200, json, s.version())));
  }

  private Future<?> transition(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    JsonObject body = Requests.jsonObject(ctx);
    Bodies.onlyFields(body, Set.of("state"), "the transition");
    SessionState to = Bodies.state(body.getValue("state"));
    Transition transition = new Transition(Requests.tenant(ctx), id, to, Requests.ifMatch(ctx), Requests.fence(ctx));
    Once once = IdempotencyKeys.once(ctx);
    if (once != null) {
      return store.call(StoreAddresses.TRANSITION_ONCE, new TransitionOnce(transition, once)).onSuccess(o -> {
        IdempotencyKeys.markReplayed(ctx, o.replayed());
        Responses.json(ctx, 200, Representations.status(o.result()), o.result().version());
      });
    }
    return store.call(StoreAddresses.TRANSITION, transition)
        .onSuccess(s -> Responses.json(ctx, 200, Representations.status(s), s.version()));
  }

  private Future<?> getCreds(RoutingContext ctx) {
    return store.call(StoreAddresses.GET, ref(ctx)).compose(s -> {
      if (s.credsJson() == null) {
        return Future.failedFuture(new StoreException(StoreFailure.NOT_FOUND, "session '" + s.id() + "' has no creds"));
      }
      if (Requests.notModified(ctx, s.version())) {
        Responses.notModified(ctx, s.version());
      } else {
        Responses.json(ctx, 200, s.credsJson(), s.version());
      }
      return Future.succeededFuture();
    });
  }

  private Future<?> putCreds(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    JsonObject creds = Requests.jsonObject(ctx);
    return store.call(StoreAddresses.PUT_CREDS, new PutCreds(Requests.tenant(ctx), id, creds.encode(), Requests.ifMatch(ctx),
        Requests.fence(ctx)))
        .onSuccess(w -> Responses.noContent(ctx, w.version()));
  }

  private Future<?> list(RoutingContext ctx) {
    return store.call(StoreAddresses.LIST, listRequest(ctx))
        .onSuccess(p -> Responses.json(ctx, 200, Representations.sessionPage(p.sessions(), cursor(p.nextAfterId()))));
  }

  private Future<?> statusAll(RoutingContext ctx) {
    return store.call(StoreAddresses.STATUS_ALL, listRequest(ctx))
        .onSuccess(p -> Responses.json(ctx, 200, Representations.statusPage(p.statuses(), cursor(p.nextAfterId()))));
  }

  private static ListSessions listRequest(RoutingContext ctx) {
    String stateName = Requests.query(ctx, "state");
    SessionState state = stateName == null ? null : SessionState.parse(stateName);
    if (stateName != null && state == null) {
      throw ApiException.badRequest("query parameter 'state' must be one of " + Bodies.allStates());
    }
    int limit = Requests.intQuery(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    return new ListSessions(Requests.tenant(ctx), state, prefix(ctx), afterId(Requests.query(ctx, "cursor")), limit);
  }

  /** The {@code prefix} query parameter ({@code null} when absent): itself a valid session id, else 400. */
  private static String prefix(RoutingContext ctx) {
    if (ctx.queryParam("prefix").isEmpty()) {
      return null;
    }
    String prefix = Requests.query(ctx, "prefix"); // null when given empty: no valid prefix either
    if (!SessionIds.isSessionId(prefix)) {
      throw ApiException.badRequest("query parameter 'prefix' must be 1-128 characters of A-Za-z0-9._@:+-");
    }
    return prefix;
  }

  /** Cursors are the last id of a page in URL-safe base64, opaque to clients. */
  private static String cursor(String afterId) {
    return afterId == null ? null
        : Base64.getUrlEncoder().withoutPadding().encodeToString(afterId.getBytes(StandardCharsets.UTF_8));
  }

  private static String afterId(String cursor) {
    if (cursor == null) {
      return null;
    }
    try {
      String id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (SessionIds.isSessionId(id)) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw ApiException.badRequest("query parameter 'cursor' is not a cursor this API returned");
  }

  static SessionRef ref(RoutingContext ctx) {
    return new SessionRef(Requests.tenant(ctx), Requests.sessionId(ctx));
  }

  static SessionRef writeRef(RoutingContext ctx) {
    return new SessionRef(Requests.tenant(ctx), Requests.sessionId(ctx), Requests.ifMatch(ctx), Requests.fence(ctx));
  }

}
