package io.sessiond.admin;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where the tenant catalog lives: Redis (shared by replicas), Redis backed by PostgreSQL (durable), or
 * the process with an optional file. Every change goes through {@link CatalogModel} and is applied
 * whole or not at all.
 */
interface CatalogStore {
  /** Bounded retries of a compare-and-set that lost to a concurrent change. */
  int MAX_ATTEMPTS = 16;

  /** Prepares the store (repairs what a crash left half done, where it can). */
  default Future<Void> open() {
    return Future.succeededFuture();
  }

  /** The whole catalog. */
  Future<Catalog> load();

  /** The catalog's change counter: cheap, polled by every replica. */
  Future<Long> version();

  /** Applies {@code command} atomically; the catalog after it. Fails with an {@link AdminException}. */
  Future<Catalog> change(CatalogCommand command);

  /** Work to run now and then besides polling the version (a durable store's repair); none by default. */
  default Future<Void> maintain() {
    return Future.succeededFuture();
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** The catalog with {@code written} applied, at {@code version}. */
  static Catalog with(Catalog before, List<TenantDoc> written, long version) {
    java.util.Map<String, TenantDoc> all = new java.util.HashMap<>(before.tenants());
    written.forEach(d -> all.put(d.id(), d));
    return new Catalog(version, all);
  }
}
