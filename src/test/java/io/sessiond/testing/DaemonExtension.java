package io.sessiond.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon for a test class: started before its first test, stopped after its last. Register it
 * on a static field, built like any {@link TestDaemon}:
 *
 * <pre>{@code
 * private static final String TENANT = TestDaemon.freshTenant();
 * @RegisterExtension
 * static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT));
 * }</pre>
 *
 * The HTTP client runs on a Vert.x instance the extension owns (closed after the daemon), so the
 * class's tests share one client whatever Vert.x instance each test is handed. The daemon's store
 * is the builder's, or {@link TestDaemon#defaultStore()} when the builder pins none.
 */
public final class DaemonExtension implements BeforeAllCallback, AfterAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonExtension.class);
  private static final long START_STOP_SECONDS = 60;
  private final TestDaemon.Builder builder;
  private Vertx clientVertx;
  private TestDaemon daemon;

  private DaemonExtension(TestDaemon.Builder builder) {
    this.builder = builder;
  }

  public static DaemonExtension of(TestDaemon.Builder builder) {
    return new DaemonExtension(builder);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    clientVertx = Vertx.vertx();
    try {
      daemon = await(builder.start(clientVertx));
      // In the class's test output (target/surefire-reports/*-output.txt): which store this run exercised.
      LOG.info("{} runs on the {} store", context.getRequiredTestClass().getSimpleName(),
          daemon.daemon().config().store().kind());
    } catch (Exception e) {
      await(clientVertx.close());
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (daemon != null) {
        await(daemon.stop());
      }
    } finally {
      daemon = null;
      await(clientVertx.close());
    }
  }

  /** The running daemon's API as {@code tenant} (one of the builder's tenants). */
  public Api api(String tenant) {
    return running().api(tenant);
  }

  /** The running daemon's API with an explicit bearer key (any string, known or not). */
  public Api apiWithKey(String key) {
    return running().apiWithKey(key);
  }

  public int port() {
    return running().port();
  }

  public WebClient client() {
    return running().client();
  }

  /** The running daemon itself, for what the shortcuts above do not cover. */
  public TestDaemon running() {
    if (daemon == null) {
      throw new IllegalStateException("the daemon runs only between the class's @BeforeAll and @AfterAll");
    }
    return daemon;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(START_STOP_SECONDS, TimeUnit.SECONDS);
  }
}
