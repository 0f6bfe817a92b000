package io.sessiond.store;

import io.vertx.core.Vertx;
import java.util.List;

/**
 * One backend (memory, file, Redis), chosen once where the daemon is assembled. Each backend
 * package has one public implementation of this; everything else in it is the backend's own.
 */
public interface StoreBackend {

  /** A new, unopened store bound to the calling context. */
  SessionStore create(Vertx vertx);

  /**
   * Whether every event loop may run a store of its own ({@link StoreAccess#inProcess}): true for a
   * backend that keeps no session state in the process (Redis), false for one that must be the only
   * writer of its state (memory, file), which the HTTP verticles then reach over the event bus.
   */
  boolean perEventLoop();

  /**
   * What the store verticle runs beside its store, on the store's connections (the Redis change
   * feed that PostgreSQL sync reads); none by default.
   */
  default List<StoreService> services(SessionStore store) {
    return List.of();
  }
}
