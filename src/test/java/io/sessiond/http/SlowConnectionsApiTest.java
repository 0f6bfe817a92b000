package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connections that hold the server without sending requests are closed: headers that never complete
 * (a slowloris, trickling a header line now and then so that no idle timeout fires), and a kept-alive
 * connection that starts no next request.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SlowConnectionsApiTest {

  @Test
  void headersThatNeverComplete_closeTheConnection_andKeepAliveIdleToo(Vertx vertx, VertxTestContext ctx) {
    TestDaemon.builder().set("HTTP_HEADER_TIMEOUT_MS", 500).set("HTTP_IDLE_TIMEOUT_MS", 1_000)
        .tenant(TestDaemon.freshTenant()).start(vertx)
        .compose(d -> vertx.executeBlocking(() -> {
          slowloris(d.port());
          idleKeepAlive(d.port());
          return d;
        }))
        .compose(TestDaemon::stop)
        .onComplete(ctx.succeedingThenComplete());
  }

  /** Trickles a header line every 100 ms for up to 10 s; the server must close the connection long before. */
  private static void slowloris(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        try {
          out.write(("X-Slow-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (IOException closed) {
          return; // the server closed it: a reset on write
        }
        try {
          if (in.read() == -1) {
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 5_000, "closed only after " + tookMs + " ms");
            return;
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          // nothing to read yet: go on trickling
        } catch (IOException reset) {
          return;
        }
      }
      throw new AssertionError("a connection trickling headers for 10 s was never closed");
    }
  }

  /** One whole request and its answer, then nothing: the kept-alive connection is closed after the idle timeout. */
  private static void idleKeepAlive(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200", status);
      long start = System.nanoTime();
      while (in.read() != -1) {
        // the rest of the answer, then the end of the stream once the server closes
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs < 9_000, "an idle kept-alive connection stayed open " + tookMs + " ms");
    }
  }
}
