package io.sessiond.admin;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog with PostgreSQL sync on: PostgreSQL is written first and is the truth; Redis holds the
 * copy replicas read and poll. A change runs in one PostgreSQL transaction that locks the catalog's
 * version row (so changes are serialised across replicas), then is copied into Redis by a script that
 * applies it only on top of the version before it. A crash (or a Redis error) between the two leaves
 * the change durable and Redis one version behind; {@link #maintain()}, run by every replica every few
 * seconds and at start-up, copies the whole catalog again whenever PostgreSQL is ahead of Redis. So a
 * committed revocation always reaches every replica, at worst one repair interval late.
 */
final class DurableCatalogStore extends RedisCatalogStore {
  static final AdminRedis.Script MIRROR = AdminRedis.Script.named("catalog_mirror");
  private final Pool pg;

  DurableCatalogStore(AdminRedis redis, Pool pg) {
    super(redis);
    this.pg = pg;
  }

  @Override
  public Future<Void> open() {
    return maintain();
  }

  @Override
  public Future<Catalog> change(CatalogCommand command) {
    long now = System.currentTimeMillis();
    return pg.withTransaction(conn -> read(conn, true).compose(before -> {
      List<TenantDoc> written = CatalogModel.apply(before, command, now);
      if (written.isEmpty()) {
        return Future.succeededFuture(new Written(before.version(), written));
      }
      List<Tuple> rows = written.stream().map(d -> Tuple.of(d.id(), d.encode())).toList();
      return conn.preparedQuery("INSERT INTO tenant_catalog (id, doc) VALUES ($1, $2) "
              + "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc").executeBatch(rows)
          .compose(r -> conn.preparedQuery("UPDATE tenant_catalog_version SET version = $1")
              .execute(Tuple.of(before.version() + 1)))
          .map(r -> new Written(before.version() + 1, written));
    })).recover(DurableCatalogStore::pgFailure)
        .compose(w -> w.docs().isEmpty() ? Future.succeededFuture() : mirror(w))
        .compose(v -> load());
  }

  private record Written(long version, List<TenantDoc> docs) {
  }

  /** Copies one committed change into Redis, or the whole catalog when Redis missed one before it. */
  private Future<Void> mirror(Written w) {
    List<String> args = new ArrayList<>(List.of(Long.toString(w.version()), "change"));
    w.docs().forEach(d -> {
      args.add(d.id());
      args.add(d.encode());
    });
    return redis.eval(MIRROR, redis.admin(), args).recover(RedisCatalogStore::unavailable)
        .compose(r -> r.toLong() < 0 ? copyAll() : Future.<Void>succeededFuture())
        .recover(e -> Future.failedFuture(new AdminException(AdminFailure.UNAVAILABLE,
            "the change is saved in PostgreSQL but Redis did not take it yet (" + e.getMessage()
                + "); replicas see it once Redis answers, within seconds", e)));
  }

  /** Redis lost the catalog: PostgreSQL has it all. */
  @Override
  Future<Void> restore(Catalog known) {
    return maintain();
  }

  /** Copies the whole catalog from PostgreSQL when PostgreSQL is ahead of Redis. */
  @Override
  public Future<Void> maintain() {
    Future<Long> durable = redis.send(Request.cmd(Command.GET).arg(redis.admin() + ":durable"))
        .map(r -> r == null ? 0L : r.toLong());
    Future<Long> committed = pg.query("SELECT version FROM tenant_catalog_version").execute()
        .map(rows -> rows.iterator().next().getLong(0));
    return Future.all(durable, committed).compose(v -> committed.result() > durable.result() ? copyAll()
        : Future.<Void>succeededFuture()).recover(RedisCatalogStore::unavailable);
  }

  private Future<Void> copyAll() {
    return pg.withTransaction(conn -> read(conn, false)).compose(c -> {
      List<String> args = new ArrayList<>(List.of(Long.toString(c.version()), "all"));
      c.tenants().values().forEach(d -> {
        args.add(d.id());
        args.add(d.encode());
      });
      return redis.eval(MIRROR, redis.admin(), args).<Void>mapEmpty();
    });
  }

  /** The catalog in PostgreSQL; {@code lock} holds the version row until the transaction ends. */
  private static Future<Catalog> read(SqlConnection conn, boolean lock) {
    return conn.query("SELECT version FROM tenant_catalog_version" + (lock ? " FOR UPDATE" : "")).execute()
        .compose(v -> conn.query("SELECT doc FROM tenant_catalog").execute().map(rows -> {
          Map<String, TenantDoc> docs = new HashMap<>();
          for (Row row : rows) {
            TenantDoc d = TenantDoc.decode(row.getString(0));
            docs.put(d.id(), d);
          }
          return new Catalog(v.iterator().next().getLong(0), docs);
        }));
  }

  private static <T> Future<T> pgFailure(Throwable e) {
    return Future.failedFuture(e instanceof AdminException ? e
        : new AdminException(AdminFailure.UNAVAILABLE, "the tenant catalog in PostgreSQL cannot be written: " + e.getMessage(), e));
  }
}
