package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The migration runner on a real PostgreSQL: applies once, is idempotent and concurrent-safe, refuses edited migrations. */
@ExtendWith(VertxExtension.class)
class MigrationsTest {

  private static Pool pool(Vertx vertx, String url) {
    return PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url.replace("postgres://", "postgresql://")))
        .using(vertx).build();
  }

  @Test
  void packagedMigrations_applyOnce_thenNothing_evenFromInstancesStartingTogether(Vertx vertx, VertxTestContext ctx) {
    String url = TestPostgres.newDatabase();
    Pool a = pool(vertx, url);
    Pool b = pool(vertx, url);
    Future.all(Migrations.packaged().migrate(a), Migrations.packaged().migrate(b))
        .compose(all -> {
          int applied = all.<Integer>resultAt(0) + all.<Integer>resultAt(1);
          ctx.verify(() -> assertEquals(Migrations.PACKAGED.size(), applied));
          return Migrations.packaged().migrate(a);
        })
        .compose(again -> {
          ctx.verify(() -> assertEquals(0, again));
          return a.query("SELECT count(*) FROM schema_migrations").execute();
        })
        .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
          assertEquals(Migrations.PACKAGED.size(), rows.iterator().next().getLong(0));
          a.close();
          b.close();
          ctx.completeNow();
        })));
  }

  @Test
  void aMigrationEditedAfterItWasApplied_isRefused(Vertx vertx, VertxTestContext ctx) {
    String url = TestPostgres.newDatabase();
    Pool pool = pool(vertx, url);
    Migrations original = new Migrations(List.of(new Migrations.Migration(1, "V1__t.sql", "CREATE TABLE t (a int);")));
    Migrations edited = new Migrations(List.of(new Migrations.Migration(1, "V1__t.sql", "CREATE TABLE t (a bigint);")));
    original.migrate(pool).compose(n -> edited.migrate(pool)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertTrue(e instanceof Migrations.MigrationException, String.valueOf(e));
      assertTrue(e.getMessage().contains("V1__t.sql was changed after it was applied"), e.getMessage());
      pool.close();
      ctx.completeNow();
    })));
  }

  @Test
  void aFailingMigration_leavesNothingBehind(Vertx vertx, VertxTestContext ctx) {
    String url = TestPostgres.newDatabase();
    Pool pool = pool(vertx, url);
    Migrations broken = new Migrations(List.of(new Migrations.Migration(1, "V1__bad.sql",
        "CREATE TABLE half (a int); CREATE TABLE broken (;")));
    broken.migrate(pool).onComplete(ctx.failing(e -> pool.query("SELECT to_regclass('half') IS NULL, "
            + "(SELECT count(*) FROM schema_migrations)").execute()
        .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
          assertTrue(rows.iterator().next().getBoolean(0), "the first statement was rolled back");
          assertEquals(0L, rows.iterator().next().getLong(1));
          pool.close();
          ctx.completeNow();
        })))));
  }
}
