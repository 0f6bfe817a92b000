package io.sessiond.admin;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog in Redis, shared by every replica: {@code <prefix>{admin}:tenants} (a hash of tenant
 * documents) and {@code <prefix>{admin}:version} (its change counter, which replicas poll). A change is
 * computed from the catalog as read and written by a compare-and-set script; a change that lost to a
 * concurrent one is computed again from the new catalog.
 */
class RedisCatalogStore implements CatalogStore {
  static final AdminRedis.Script READ = AdminRedis.Script.named("catalog_read");
  static final AdminRedis.Script WRITE = AdminRedis.Script.named("catalog_write");
  protected final AdminRedis redis;

  RedisCatalogStore(AdminRedis redis) {
    this.redis = redis;
  }

  @Override
  public Future<Catalog> load() {
    return redis.eval(READ, redis.admin(), List.of()).map(RedisCatalogStore::catalog)
        .recover(RedisCatalogStore::unavailable);
  }

  @Override
  public Future<Long> version() {
    return redis.send(Request.cmd(Command.GET).arg(redis.admin() + ":version"))
        .map(r -> r == null ? 0L : r.toLong()).recover(RedisCatalogStore::unavailable);
  }

  @Override
  public Future<Catalog> change(CatalogCommand command) {
    return attempt(command, 1);
  }

  private Future<Catalog> attempt(CatalogCommand command, int attempt) {
    return load().compose(before -> {
      List<TenantDoc> written = CatalogModel.apply(before, command, System.currentTimeMillis());
      if (written.isEmpty()) {
        return Future.succeededFuture(before);
      }
      List<String> args = new ArrayList<>();
      args.add(Long.toString(before.version()));
      written.forEach(d -> {
        args.add(d.id());
        args.add(d.encode());
      });
      return redis.eval(WRITE, redis.admin(), args).recover(RedisCatalogStore::unavailable).compose(r -> {
        long version = r.toLong();
        if (version >= 0) {
          return Future.succeededFuture(CatalogStore.with(before, written, version));
        }
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(new AdminException(AdminFailure.UNAVAILABLE,
              "the tenant catalog is changing too fast to apply this change; try again"));
        }
        return attempt(command, attempt + 1);
      });
    });
  }

  /**
   * Writes back the catalog this replica last served after Redis lost it: every document, applied only
   * if the catalog did not move meanwhile (another replica restoring first wins).
   */
  Future<Void> restore(Catalog known) {
    return load().compose(now -> {
      List<String> args = new ArrayList<>();
      args.add(Long.toString(now.version()));
      known.tenants().values().stream().filter(d -> !now.tenants().containsKey(d.id())).forEach(d -> {
        args.add(d.id());
        args.add(d.encode());
      });
      return args.size() == 1 ? Future.<Void>succeededFuture() : redis.eval(WRITE, redis.admin(), args).<Void>mapEmpty();
    });
  }

  static Catalog catalog(Response r) {
    Map<String, TenantDoc> docs = new HashMap<>();
    AdminRedis.fields(r.get(1)).values().forEach(json -> {
      TenantDoc d = TenantDoc.decode(json);
      docs.put(d.id(), d);
    });
    return new Catalog(r.get(0).toLong(), docs);
  }

  static <T> Future<T> unavailable(Throwable e) {
    return Future.failedFuture(e instanceof AdminException ? e
        : new AdminException(AdminFailure.UNAVAILABLE, "the tenant catalog in Redis cannot be reached: " + e.getMessage(), e));
  }
}
