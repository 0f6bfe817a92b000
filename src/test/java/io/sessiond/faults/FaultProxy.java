package io.sessiond.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy between the daemons and Redis that injects network faults: added latency on every
 * chunk, connection resets (RST to both sides, and every new connection reset at once while the mode
 * lasts), and a black hole (nothing moves either way and nothing is refused, as when packets vanish;
 * what was sent flows on when it ends, as TCP's retransmissions would deliver it). Threads, not an
 * event loop: the test's own machinery must not share the daemons' fate.
 */
final class FaultProxy implements AutoCloseable {
  enum Mode { PASS, DELAY, RESET, BLACKHOLE }

  private final ServerSocket server;
  private final int target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = Mode.PASS;
  private volatile long delayMs;

  FaultProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "fault-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void pass() {
    mode = Mode.PASS;
  }

  void delay(long ms) {
    delayMs = ms;
    mode = Mode.DELAY;
  }

  void blackHole() {
    mode = Mode.BLACKHOLE;
  }

  /** Resets every open connection; new ones are reset too until another mode is set. */
  void reset() {
    mode = Mode.RESET;
    open.forEach(FaultProxy::abort);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (mode == Mode.RESET) {
          abort(client);
          continue;
        }
        Socket upstream;
        try {
          upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        } catch (IOException e) {
          abort(client); // Redis is down: the daemon sees its connection refused, as without the proxy
          continue;
        }
        open.add(client);
        open.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        // the proxy closed
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          while (mode == Mode.BLACKHOLE) {
            Processes.pause(10);
          }
          if (mode == Mode.DELAY) {
            Processes.pause(delayMs);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | IllegalStateException e) {
        // reset or closed
      } finally {
        abort(from);
        abort(to);
        open.remove(from);
        open.remove(to);
      }
    }, "fault-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0); // close with RST
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(FaultProxy::abort);
  }
}
