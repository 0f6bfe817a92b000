package io.sessiond.encryption;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.session.Session;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run once at start-up, after the restore and before the HTTP edge: the canary (the session
 * {@code master} of the reserved tenant, a constant sealed by the master key) tells whether the store
 * holds encrypted data and whether this daemon's master key is the one it was sealed under. A daemon
 * without the key, or with another one, refuses to start with one line. A canary that opens only with
 * {@code ENCRYPTION_KEY_PREVIOUS} is a master key rotation: every keyring is wrapped again with the new
 * key (no value is rewritten), then the canary. Every keyring is checked to open.
 *
 * <p>A store without the canary may be a Redis that came back empty while PostgreSQL still holds the
 * encryption metadata: with PostgreSQL behind the store, the reserved tenant (canary, keyrings,
 * rotation progress) is restored from it first, so the key is checked against PostgreSQL's canary and
 * the keyrings are PostgreSQL's, never new ones that sync would write over them.
 */
final class MasterKeyCheck {
  private static final Logger LOG = LoggerFactory.getLogger(MasterKeyCheck.class);
  static final String CANARY_SESSION = "master";
  private static final int PAGE = 100;

  private final StoreClient store;
  private final MasterKeys master;
  private final Keyring keyring;
  private final Function<String, Future<Long>> durable;

  /**
   * @param master  {@code null} when encryption is off
   * @param durable restores one tenant from PostgreSQL into the store, answering how many sessions it
   *                imported; {@code null} without PostgreSQL
   */
  MasterKeyCheck(StoreClient store, MasterKeys master, Function<String, Future<Long>> durable) {
    this.store = store;
    this.master = master;
    this.keyring = master == null ? null : new Keyring(master, 0);
    this.durable = durable;
  }

  Future<Void> run() {
    return canary().compose(canary -> canary != null || durable == null ? check(canary) : restoreThenCheck());
  }

  private Future<Session> canary() {
    return store.call(StoreAddresses.GET, new SessionRef(Keyring.TENANT, CANARY_SESSION))
        .<Session>map(s -> s)
        .recover(e -> Keyring.notFound(e) ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  /** No canary in the store: PostgreSQL's, with the keyrings, is put back first (when it has one). */
  private Future<Void> restoreThenCheck() {
    return durable.apply(Keyring.TENANT)
        .recover(e -> Future.failedFuture(new IllegalStateException("the store holds no encryption metadata and"
            + " PostgreSQL, which may hold it, cannot be read (" + e.getMessage() + "); start again once it answers")))
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("The store had no encryption metadata: {} records (canary, data keys) restored from PostgreSQL", n);
          }
        })
        .compose(n -> canary()).compose(this::check);
  }

  private Future<Void> check(Session canary) {
    if (master == null) {
      return canary == null ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
          "the store holds data sealed by encryption at rest: set ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) to the master key it was sealed under"));
    }
    if (canary == null) {
      return writeCanary(0).recover(e -> raced(e) ? run() : Future.failedFuture(e));
    }
    return switch (master.openCanary(new JsonObject(canary.dataJson()).getString("canary"))) {
      case CURRENT -> rewrapKeyrings(null);
      case PREVIOUS -> rewrapKeyrings(null).compose(v -> writeCanary(canary.version()))
          .onSuccess(v -> LOG.info("Master key rotated: every tenant's data keys are now wrapped by ENCRYPTION_KEY;"
              + " ENCRYPTION_KEY_PREVIOUS can be removed once every replica runs with the new key"))
          .recover(e -> raced(e) ? run() : Future.failedFuture(e));
      case NEITHER -> Future.failedFuture(new IllegalStateException(
          "ENCRYPTION_KEY is not the master key this store's data is sealed under"
              + " (nor is ENCRYPTION_KEY_PREVIOUS, if set); start with that key, or with it as ENCRYPTION_KEY_PREVIOUS to rotate"));
    };
  }

  private Future<Void> writeCanary(long ifMatch) {
    String doc = new JsonObject().put("canary", master.canary()).encode();
    return store.call(StoreAddresses.PUT, new PutSession(Keyring.TENANT, CANARY_SESSION, doc, null, null,
        ifMatch == 0 ? 0L : null, ifMatch)).mapEmpty();
  }

  /** Checks every keyring opens, wrapping again with the current master key those that need it. */
  private Future<Void> rewrapKeyrings(String afterId) {
    ListSessions page = new ListSessions(Keyring.TENANT, null, Keyring.PREFIX, afterId, PAGE);
    return store.call(StoreAddresses.LIST, page).compose(p -> {
      Future<Void> chain = Future.succeededFuture();
      for (Session s : p.sessions()) {
        String tenant = s.id().substring(Keyring.PREFIX.length());
        chain = chain.compose(v -> keyring.rewrap(store, tenant).recover(e -> Future.failedFuture(
            e instanceof StoreException se && se.failure() == StoreFailure.UNAVAILABLE
                ? new IllegalStateException(se.getMessage()) : e)).mapEmpty());
      }
      return p.nextAfterId() == null ? chain : chain.compose(v -> rewrapKeyrings(p.nextAfterId()));
    });
  }

  private static boolean raced(Throwable e) {
    return e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
  }
}
