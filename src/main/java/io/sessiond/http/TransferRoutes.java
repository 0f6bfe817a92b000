package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.encryption.SealingStoreClient;
import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionIds;
import io.sessiond.session.SessionState;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PutResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Backup and restore of one whole session: creds, keys, data and messages. */
final class TransferRoutes {
  private static final Set<String> HISTORY_FIELDS = Set.of("version", "writtenAt", "creds");
  /** The most creds versions an import may carry (CREDS_HISTORY's largest value). */
  static final int MAX_HISTORY = 100;

  private final StoreClient store;
  private final SealingStoreClient sealing;
  private final int maxMessages;
  private final long defaultTtlSeconds;

  /** @param sealing the sealing client {@code store} is, or {@code null} when encryption is off */
  TransferRoutes(StoreClient store, SealingStoreClient sealing, int maxMessages, long defaultTtlSeconds) {
    this.store = store;
    this.sealing = sealing;
    this.maxMessages = maxMessages;
    this.defaultTtlSeconds = defaultTtlSeconds;
  }

  void mount(ApiRouter api) {
    api.get("/v1/sessions/:id/export", async(this::export));
    BulkWork bulk = api.bulk();
    api.postOnce("/v1/sessions/import", BodyKind.IMPORT, async(ctx -> importSession(ctx, bulk)));
  }

  /** {@code ?sealed=true}: the values sealed under the tenant's data key, for a backup (encryption at rest). */
  private Future<?> export(RoutingContext ctx) {
    if (sealedExport(ctx)) {
      return sealing.exportSealed(SessionRoutes.ref(ctx)).onSuccess(e ->
          Responses.json(ctx, 200, Representations.export(e, Representations.SEALED_EXPORT_FORMAT), e.session().version()));
    }
    return store.call(StoreAddresses.EXPORT, SessionRoutes.ref(ctx))
        .onSuccess(e -> Responses.json(ctx, 200, Representations.export(e), e.session().version()));
  }

  private boolean sealedExport(RoutingContext ctx) {
    return sealedQuery(ctx);
  }

  private boolean sealedQuery(RoutingContext ctx) {
    String sealed = Requests.query(ctx, "sealed");
    if (sealed == null || sealed.equals("false")) {
      return false;
    }
    if (!sealed.equals("true")) {
      throw ApiException.badRequest("query parameter 'sealed' must be true or false");
    }
    if (sealing == null) {
      throw EncryptionRoutes.off();
    }
    return true;
  }

  /**
   * {@code ?sealed=true}: a sealed export, opened with the tenant's keys first (bound to its session
   * id: another id answers 422), then imported as one store call. Otherwise the streaming import.
   */
  private Future<?> importSession(RoutingContext ctx, BulkWork bulk) {
    Future<PutResult> imported = sealedQuery(ctx) ? importSealed(ctx, bulk)
        : new ImportRun(ctx, store, bulk, (doc, keys) -> parse(doc, keys, System.currentTimeMillis())).run();
    return imported
        .onSuccess(r -> {
          if (r.created()) {
            if (!ctx.response().ended()) {
              ctx.response().putHeader("Location", "/v1/sessions/" + r.session().id());
            }
          }
          Responses.json(ctx, r.created() ? 201 : 200, Representations.session(r.session()), r.session().version());
        });
  }

  private Future<PutResult> importSealed(RoutingContext ctx, BulkWork bulk) {
    return bulk.forBody(ctx, () -> Requests.jsonObject(ctx)).compose(doc -> importSealed(ctx, doc));
  }

  private Future<PutResult> importSealed(RoutingContext ctx, JsonObject doc) {
    if (!Representations.SEALED_EXPORT_FORMAT.equals(doc.getValue("format"))) {
      throw ApiException.badRequest("with ?sealed=true, 'format' must be " + Representations.SEALED_EXPORT_FORMAT);
    }
    return sealing.openSealed(Requests.tenant(ctx), doc).compose(open -> {
      Map<String, Map<String, String>> keys = sealedKeys(open.remove("keys"));
      SessionExport export = parse(open.put("format", Representations.EXPORT_FORMAT), keys, System.currentTimeMillis());
      return store.call(StoreAddresses.IMPORT, new ImportSession(Requests.tenant(ctx), export, Requests.ifMatch(ctx),
          false, 0, Requests.fence(ctx)));
    });
  }

  private static Map<String, Map<String, String>> sealedKeys(Object v) {
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof JsonObject keys)) {
      throw ApiException.badRequest("'keys' must be an object of type → keyId → value");
    }
    Map<String, Map<String, String>> batch = Bodies.keyBatch(keys);
    batch.forEach((type, values) -> values.forEach((keyId, value) -> {
      if (value == null) {
        throw ApiException.badRequest("'keys." + type + "." + keyId + "' is null; an export holds only present keys");
      }
    }));
    return batch;
  }

  /**
   * Validates an export document whose keys were read apart ({@link ImportReader}): {@code keys} are
   * those, {@code doc} the other members; messages beyond the window keep only the newest.
   */
  SessionExport parse(JsonObject doc, Map<String, Map<String, String>> keys, long now) {
    Bodies.onlyFields(doc, ImportReader.FIELDS, "the export");
    Object format = doc.getValue("format");
    if (Representations.SEALED_EXPORT_FORMAT.equals(format)) {
      throw ApiException.badRequest("a sealed export (format " + format + ") imports with ?sealed=true");
    }
    if (format != null && !Representations.EXPORT_FORMAT.equals(format)) {
      throw ApiException.badRequest("'format' must be " + Representations.EXPORT_FORMAT);
    }
    String id = sessionId(doc.getValue("id"));
    Bodies.SessionBody body = Bodies.SessionBody.parse(new JsonObject()
        .put("data", doc.getValue("data")).put("creds", doc.getValue("creds")));
    SessionState state = doc.getValue("state") == null ? SessionState.UNREGISTERED : Bodies.state(doc.getValue("state"));
    Long ttl = Bodies.optionalTtl(doc);
    long version = doc.getValue("version") == null ? 0
        : Bodies.wholeNumber(doc.getValue("version"), "version", 0, Bodies.MAX_IMPORTED_COUNT);
    long createdAt = instant(doc.getValue("createdAt"), "createdAt", now);
    long updatedAt = instant(doc.getValue("updatedAt"), "updatedAt", now);
    String creds = "null".equals(body.credsJson()) ? null : body.credsJson();
    Session session = new Session(id, state, body.dataJson(), creds, version, createdAt, updatedAt, now,
        ttl == null ? defaultTtlSeconds : ttl, 0);
    return new SessionExport(session, keys, messages(doc.getValue("messages"), now),
        credsHistory(doc.getValue("credsHistory"), now));
  }

  /** Kept creds versions, newest first: strictly decreasing versions, each with its creds object. */
  private static List<CredsVersion> credsHistory(Object v, long now) {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray array) || array.size() > MAX_HISTORY) {
      throw ApiException.badRequest("'credsHistory' must be an array of at most " + MAX_HISTORY
          + " {version, writtenAt, creds}, newest first");
    }
    List<CredsVersion> out = new ArrayList<>(array.size());
    long previous = Long.MAX_VALUE;
    for (int i = 0; i < array.size(); i++) {
      String at = "credsHistory[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject h)) {
        throw ApiException.badRequest(at + " must be a JSON object");
      }
      Bodies.onlyFields(h, HISTORY_FIELDS, at);
      long version = Bodies.wholeNumber(h.getValue("version"), at + ".version", 1, Bodies.MAX_IMPORTED_COUNT);
      if (version >= previous) {
        throw ApiException.badRequest(at + ".version must be lower than the one before it (newest first)");
      }
      previous = version;
      if (!(h.getValue("creds") instanceof JsonObject creds)) {
        throw ApiException.badRequest(at + ".creds must be a JSON object");
      }
      out.add(new CredsVersion(version, instant(h.getValue("writtenAt"), at + ".writtenAt", now), creds.encode()));
    }
    return out;
  }

  /** An export's {@code id}: a session id a client may create. */
  static String sessionId(Object v) {
    if (!(v instanceof String id) || !SessionIds.isSessionId(id)) {
      throw ApiException.badRequest("'id' must be a session id of 1-128 characters of A-Z a-z 0-9 . _ @ : + -");
    }
    return Requests.checkNewSessionId(id);
  }

  private List<StoredMessage> messages(Object v, long now) {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray array)) {
      throw ApiException.badRequest("'messages' must be an array of messages");
    }
    List<StoredMessage> out = new ArrayList<>(array.size());
    long lastSeq = 0;
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject m)) {
        throw ApiException.badRequest("messages[" + i + "] must be a JSON object");
      }
      Object seqValue = m.remove("seq");
      long seq = seqValue == null ? lastSeq + 1 : Bodies.wholeNumber(seqValue, "messages[" + i + "].seq", 1, Bodies.MAX_IMPORTED_COUNT);
      if (seq <= lastSeq) {
        throw ApiException.badRequest("messages[" + i + "].seq must be greater than the one before it");
      }
      lastSeq = seq;
      out.add(StoredMessage.of(seq, Bodies.message(m, now, "messages[" + i + "]")));
    }
    return out.size() > maxMessages ? List.copyOf(out.subList(out.size() - maxMessages, out.size())) : out;
  }

  private static long instant(Object v, String field, long fallback) {
    if (v == null) {
      return fallback;
    }
    long ms = v instanceof String s ? Bodies.instant(s) : -1;
    if (ms < 0) {
      throw ApiException.badRequest("'" + field + "' must be an ISO-8601 instant " + Bodies.TIME_RANGE);
    }
    return ms;
  }

}
