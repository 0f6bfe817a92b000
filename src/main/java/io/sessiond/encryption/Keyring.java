package io.sessiond.encryption;

import io.sessiond.session.Session;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * The tenants' data keys, kept in the store itself so that every replica, PostgreSQL sync and restore
 * share them: the session {@code keyring.<tenant>} of the reserved tenant {@value #TENANT} (no
 * client can name it: tenant ids start with a letter or digit) holds
 * {@code {"current":"k2","keys":{"k1":"<wrapped>","k2":"<wrapped>"}}}, each data key sealed by the
 * master key. A keyring is created with its first key on the tenant's first use; keys are read
 * again after {@code refreshMs}, so a rotated key reaches every replica within that time. One
 * instance per store client, used on that client's context only.
 */
final class Keyring {
  /** The reserved tenant that holds keyrings, the canary and rotation progress. */
  static final String TENANT = "_sessiond";
  static final String PREFIX = "keyring.";
  private static final int UPDATE_ATTEMPTS = 10;

  private final MasterKeys master;
  private final long refreshMs;
  private final Map<String, TenantKeys> cache = new HashMap<>();
  private final Map<String, Future<TenantKeys>> loading = new HashMap<>();

  Keyring(MasterKeys master, long refreshMs) {
    this.master = master;
    this.refreshMs = refreshMs;
  }

  MasterKeys master() {
    return master;
  }

  /** The tenant's keys, read again when older than the refresh interval; created on first use. */
  Future<TenantKeys> keys(StoreClient raw, String tenant) {
    TenantKeys k = cache.get(tenant);
    if (k != null && System.currentTimeMillis() - k.loadedAt() < refreshMs) {
      return Future.succeededFuture(k);
    }
    return reload(raw, tenant);
  }

  /** Reads the tenant's keyring now (one read in flight per tenant). */
  Future<TenantKeys> reload(StoreClient raw, String tenant) {
    Future<TenantKeys> inFlight = loading.get(tenant);
    if (inFlight != null) {
      return inFlight;
    }
    Promise<TenantKeys> p = Promise.promise();
    loading.put(tenant, p.future());
    read(raw, tenant, true).onComplete(ar -> {
      loading.remove(tenant);
      if (ar.succeeded()) {
        cache.put(tenant, ar.result());
      }
      p.handle(ar);
    });
    return p.future();
  }

  /** Adds a new data key and makes it the one new values are sealed with; returns the keys after. */
  Future<TenantKeys> addKey(StoreClient raw, String tenant) {
    return update(raw, tenant, UPDATE_ATTEMPTS, k -> {
      String id = k.nextKeyId();
      JsonObject doc = k.document().copy();
      doc.getJsonObject("keys").put(id, master.wrap(tenant, id, Aead.newKey()));
      return doc.put("current", id).put("rotatedAt", System.currentTimeMillis());
    });
  }

  /**
   * Wraps every key of the keyring with the current master key (after a master key rotation); a
   * keyring already wrapped by it is left alone. Fails with UNAVAILABLE when a key opens with neither
   * master key.
   */
  Future<Boolean> rewrap(StoreClient raw, String tenant) {
    return read(raw, tenant, false).compose(k -> {
      if (!wrappedByPrevious(k)) {
        return Future.succeededFuture(false);
      }
      return update(raw, tenant, UPDATE_ATTEMPTS, fresh -> {
        JsonObject keys = new JsonObject();
        fresh.keys().forEach((id, key) -> keys.put(id, master.wrap(tenant, id, key)));
        return fresh.document().copy().put("keys", keys);
      }).map(true);
    });
  }

  private boolean wrappedByPrevious(TenantKeys k) {
    JsonObject wrapped = k.document().getJsonObject("keys");
    return wrapped.fieldNames().stream()
        .anyMatch(id -> master.unwrap(k.tenant(), id, wrapped.getString(id)).by() == MasterKeys.Opened.PREVIOUS);
  }

  private Future<TenantKeys> update(StoreClient raw, String tenant, int attempts,
                                    java.util.function.Function<TenantKeys, JsonObject> change) {
    return read(raw, tenant, true).compose(k -> {
      PutSession put = new PutSession(TENANT, PREFIX + tenant, change.apply(k).encode(), null, null, null, k.version());
      return raw.call(StoreAddresses.PUT, put).map(r -> parse(tenant, r.session())).recover(e -> {
        if (attempts > 1 && e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH) {
          return update(raw, tenant, attempts - 1, change);
        }
        return Future.failedFuture(e);
      });
    }).onSuccess(k -> cache.put(tenant, k));
  }

  private Future<TenantKeys> read(StoreClient raw, String tenant, boolean create) {
    return raw.call(StoreAddresses.GET, new SessionRef(TENANT, PREFIX + tenant)).map(s -> parse(tenant, s))
        .recover(e -> create && notFound(e) ? create(raw, tenant) : Future.failedFuture(e));
  }

  /**
   * Creates the keyring with its first key; when another replica created it first, reads that one.
   * Only while the store holds the canary, written at start-up: a store without it lost data (Redis
   * came back empty), and a new keyring there would replace, through sync, the one PostgreSQL still
   * holds, leaving every value sealed under it unreadable.
   */
  private Future<TenantKeys> create(StoreClient raw, String tenant) {
    return raw.call(StoreAddresses.GET, new SessionRef(TENANT, MasterKeyCheck.CANARY_SESSION))
        .recover(e -> Future.failedFuture(notFound(e) ? new StoreException(StoreFailure.UNAVAILABLE,
            "the store lost its encryption metadata (Redis came back empty?); no data key is created until it is"
                + " restored from PostgreSQL") : e))
        .compose(canary -> createKeyring(raw, tenant));
  }

  private Future<TenantKeys> createKeyring(StoreClient raw, String tenant) {
    JsonObject doc = new JsonObject().put("current", "k1")
        .put("keys", new JsonObject().put("k1", master.wrap(tenant, "k1", Aead.newKey())))
        .put("createdAt", System.currentTimeMillis());
    PutSession put = new PutSession(TENANT, PREFIX + tenant, doc.encode(), null, null, 0L, 0);
    return raw.call(StoreAddresses.PUT, put).map(r -> parse(tenant, r.session())).recover(e ->
        e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
            ? read(raw, tenant, false) : Future.failedFuture(e));
  }

  private TenantKeys parse(String tenant, Session s) {
    JsonObject doc = new JsonObject(s.dataJson());
    JsonObject wrapped = doc.getJsonObject("keys", new JsonObject());
    Map<String, SecretKey> keys = new HashMap<>();
    for (String id : wrapped.fieldNames()) {
      MasterKeys.Unwrapped u = master.unwrap(tenant, id, wrapped.getString(id));
      if (u.key() == null) {
        throw new StoreException(StoreFailure.UNAVAILABLE, "the data key " + id + " of tenant " + tenant
            + " does not open with this daemon's master key (ENCRYPTION_KEY differs between replicas?)");
      }
      keys.put(id, u.key());
    }
    String current = doc.getString("current");
    if (current == null || !keys.containsKey(current)) {
      throw new StoreException(StoreFailure.UNAVAILABLE, "the keyring of tenant " + tenant + " names no current data key");
    }
    return new TenantKeys(tenant, current, Map.copyOf(keys), doc, s.version(), System.currentTimeMillis());
  }

  static boolean notFound(Throwable e) {
    return e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND;
  }
}
