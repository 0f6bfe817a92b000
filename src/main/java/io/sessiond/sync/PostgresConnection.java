package io.sessiond.sync;

import io.sessiond.config.PgConfig;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the pool reaches PostgreSQL: host, database, user, the password only when there is one (trust
 * authentication needs none), and TLS as libpq's {@code sslmode} means it. {@code allow}, {@code prefer}
 * and {@code require} encrypt without checking the server's certificate (as libpq does), unless
 * {@code sslrootcert} names authorities, in which case the certificate must chain to them (libpq's
 * rule for {@code require} with a root certificate); {@code verify-ca} checks the chain and
 * {@code verify-full} the host name as well.
 */
public final class PostgresConnection {
  private PostgresConnection() {
  }

  public static PgConnectOptions options(PgConfig config) {
    PgConnectOptions o = new PgConnectOptions().setHost(config.host()).setPort(config.port())
        .setDatabase(config.database()).setUser(config.user())
        .setSslMode(SslMode.valueOf(config.sslMode().toUpperCase(Locale.ROOT).replace('-', '_')));
    if (config.password() != null) {
      o.setPassword(config.password());
    }
    if (!config.sslMode().equals("disable")) {
      o.setSslOptions(ssl(config));
    }
    return o;
  }

  private static ClientSSLOptions ssl(PgConfig config) {
    boolean verifyHost = config.sslMode().equals(PgConfig.VERIFY_FULL);
    ClientSSLOptions ssl = new ClientSSLOptions().setHostnameVerificationAlgorithm(verifyHost ? "HTTPS" : "");
    String roots = config.sslRootCert();
    if (roots == null) {
      return ssl.setTrustAll(true);
    }
    return ssl.setTrustOptions(roots.equals(PgConfig.SYSTEM_ROOTS) ? systemRoots()
        : new PemTrustOptions().addCertPath(roots));
  }

  private static TrustOptions systemRoots() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      return TrustOptions.wrap(factory);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM's trusted authorities cannot be loaded", e);
    }
  }
}
