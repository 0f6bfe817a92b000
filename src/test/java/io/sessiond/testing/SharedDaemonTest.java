package io.sessiond.testing;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * For test classes that share one default daemon with one fresh tenant: started before the class's
 * first test, stopped after its last. Tests isolate themselves with fresh session ids.
 */
@ExtendWith(VertxExtension.class)
public abstract class SharedDaemonTest {
  protected static TestDaemon daemon;
  protected static String tenant;

  @BeforeAll
  static void startSharedDaemon(Vertx vertx, VertxTestContext ctx) {
    tenant = TestDaemon.freshTenant();
    TestDaemon.builder().tenant(tenant).start(vertx).onComplete(ctx.succeeding(d -> {
      daemon = d;
      ctx.completeNow();
    }));
  }

  @AfterAll
  static void stopSharedDaemon(VertxTestContext ctx) {
    daemon.stop().onComplete(ctx.succeedingThenComplete());
  }

  /** The shared daemon's API as the test tenant. */
  protected static Api api() {
    return daemon.api(tenant);
  }
}
