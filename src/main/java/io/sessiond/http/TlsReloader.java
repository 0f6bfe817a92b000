package io.sessiond.http;

import io.sessiond.config.HttpConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a renewed certificate into service without a restart: every {@code TLS_RELOAD_INTERVAL_MS} the
 * two PEM files are read on a worker; when their bytes changed and the new pair checks out
 * ({@link TlsFiles}), the server's SSL options are replaced (new connections get the new certificate,
 * open ones keep theirs). A pair that does not check out (say, the certificate was renewed and the key
 * is not written yet) is logged once and retried on the next tick; the old pair stays in service.
 */
final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);
  private final Vertx vertx;
  private final HttpServer server;
  private final HttpConfig http;
  private TlsFiles current;
  private String lastProblem;
  private boolean checking;
  private long timer = -1;

  TlsReloader(Vertx vertx, HttpServer server, HttpConfig http, TlsFiles loaded) {
    this.vertx = vertx;
    this.server = server;
    this.http = http;
    this.current = loaded;
  }

  void start() {
    if (http.tlsReloadIntervalMs() > 0) {
      timer = vertx.setPeriodic(http.tlsReloadIntervalMs(), id -> check());
    }
  }

  void close() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    vertx.executeBlocking(() -> TlsFiles.read(vertx, http.tlsCertFile(), http.tlsKeyFile()), false)
        .compose(this::apply)
        .onFailure(this::problem)
        .onComplete(ar -> checking = false);
  }

  private Future<Void> apply(TlsFiles read) {
    lastProblem = null;
    if (read.sameAs(current)) {
      return Future.succeededFuture();
    }
    return server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(read.options()), false)
        .map(updated -> {
          current = read;
          LOG.info("TLS certificate reloaded: {}", read.describe());
          return null;
        });
  }

  private void problem(Throwable t) {
    String message = t.getMessage();
    if (!Objects.equals(message, lastProblem)) {
      LOG.warn("TLS certificate not reloaded, the previous one stays in service: {}", message);
      lastProblem = message;
    }
  }
}
