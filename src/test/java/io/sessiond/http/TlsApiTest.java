package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sessiond.config.AppConfig;
import io.sessiond.config.ConfigException;
import io.sessiond.config.Settings;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestCertificates;
import io.sessiond.testing.TestCertificates.Authority;
import io.sessiond.testing.TestCertificates.Issued;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * HTTPS on the API port ({@code TLS_CERT_FILE}/{@code TLS_KEY_FILE}, certificates made here): the API
 * answers over TLS to a client that trusts the issuing authority, plain HTTP and untrusting clients get
 * no answer, a renewed certificate is served to new connections without a restart, and a certificate
 * written without its key never replaces the working pair.
 */
class TlsApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  @TempDir
  Path dir;
  private Vertx vertx;
  private TestDaemon daemon;
  private Authority ca;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ca = TestCertificates.authority("sessiond test CA " + UUID.randomUUID());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (daemon != null) {
      await(daemon.stop());
    }
    await(vertx.close());
  }

  private TestDaemon start(Path cert, Path key, long reloadMs) throws Exception {
    return await(TestDaemon.builder().set("TLS_CERT_FILE", cert).set("TLS_KEY_FILE", key)
        .set("TLS_RELOAD_INTERVAL_MS", reloadMs).tenantWithKeys(TENANT, KEY).start(vertx));
  }

  @Test
  void https_servesTheApi_toAClientTrustingTheAuthority_andNothingToPlainHttpOrUntrustingClients() throws Exception {
    Issued server = ca.issue(dir, "server", "localhost", "127.0.0.1");
    daemon = start(server.cert(), server.key(), 60_000);
    String base = "https://127.0.0.1:" + daemon.port();
    HttpClient trusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ca.clientContext())
        .connectTimeout(Duration.ofSeconds(20)).build();

    String id = TestDaemon.freshSession();
    assertEquals(201, send(trusting, "PUT", base + "/v1/sessions/" + id, "{\"data\":{\"over\":\"tls\"}}").statusCode());
    HttpResponse<String> read = send(trusting, "GET", base + "/v1/sessions/" + id, null);
    assertEquals(200, read.statusCode());
    assertTrue(read.body().contains("\"over\":\"tls\""), read.body());
    assertEquals(200, send(trusting, "GET", base + "/health/ready", null).statusCode());

    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(IOException.class, () -> send(plain, "GET", "http://127.0.0.1:" + daemon.port() + "/health/live", null),
        "a plain HTTP request is not answered");
    HttpClient untrusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(SSLContext.getDefault())
        .connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(IOException.class, () -> send(untrusting, "GET", base + "/health/live", null),
        "a client that does not trust the issuer fails the handshake");
  }

  @Test
  void aRenewedCertificate_isServedWithoutARestart_andACertificateWithoutItsKey_neverReplacesTheWorkingPair()
      throws Exception {
    Issued first = ca.issue(dir, "first", "127.0.0.1");
    Path cert = Files.copy(first.cert(), dir.resolve("tls.crt"));
    Path key = Files.copy(first.key(), dir.resolve("tls.key"));
    ListAppender<ILoggingEvent> log = capture();
    daemon = start(cert, key, 100);
    assertEquals(first.certificate().getSerialNumber(), servedSerial());

    // The certificate is renewed first, its key a moment later: the half-written pair is refused.
    Path later = Files.createDirectories(dir.resolve("later"));
    Issued renewed = ca.issue(later, "renewed", "127.0.0.1");
    replace(renewed.cert(), cert);
    await(Poll.until(vertx, 10_000, 50, "the reloader reports the certificate without its key",
        () -> Future.succeededFuture(log.list.stream().anyMatch(e -> e.getFormattedMessage()
            .contains("TLS_KEY_FILE is not the key of the certificate")))));
    for (int i = 0; i < 4; i++) {
      assertEquals(first.certificate().getSerialNumber(), servedSerial(), "the working pair stays in service");
    }

    replace(renewed.key(), key);
    BigInteger expected = renewed.certificate().getSerialNumber();
    await(Poll.until(vertx, 10_000, 50, "new connections get the renewed certificate",
        () -> vertx.executeBlocking(() -> servedSerial().equals(expected))));
    for (int i = 0; i < 4; i++) {
      assertEquals(expected, servedSerial(), "every HTTP event loop serves the renewed certificate");
    }
    HttpClient trusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ca.clientContext()).build();
    assertEquals(200, send(trusting, "GET", "https://127.0.0.1:" + daemon.port() + "/health/live", null).statusCode());
  }

  /** The check start-up and every reload make (Main logs its message and exits 1 when start-up fails it). */
  @Test
  void aKeyThatIsNotTheCertificates_isRefused_sayingSo() throws Exception {
    Issued a = ca.issue(dir, "a", "127.0.0.1");
    Path other = Files.createDirectories(dir.resolve("other"));
    Issued b = ca.issue(other, "b", "127.0.0.1");
    IOException e = assertThrows(IOException.class, () -> TlsFiles.read(vertx, a.cert().toString(), b.key().toString()));
    assertEquals("TLS_KEY_FILE is not the key of the certificate in TLS_CERT_FILE", e.getMessage());
    Path junk = Files.writeString(dir.resolve("junk.key"), "not a key");
    IOException notPem = assertThrows(IOException.class, () -> TlsFiles.read(vertx, a.cert().toString(), junk.toString()));
    assertTrue(notPem.getMessage().contains("is not PEM"), notPem.getMessage());
    assertEquals(a.certificate().getSerialNumber(),
        TlsFiles.read(vertx, a.cert().toString(), a.key().toString()).certificate().getSerialNumber());
  }

  @Test
  void tlsSettings_areValidated_namingTheSetting() throws Exception {
    Issued a = ca.issue(dir, "a", "127.0.0.1");
    ConfigException onlyCert = assertThrows(ConfigException.class,
        () -> AppConfig.from(new Settings(Map.of("TLS_CERT_FILE", a.cert().toString()))));
    assertTrue(onlyCert.getMessage().startsWith("TLS_KEY_FILE:"), onlyCert.getMessage());
    ConfigException missing = assertThrows(ConfigException.class, () -> AppConfig.from(new Settings(
        Map.of("TLS_CERT_FILE", dir.resolve("nope.crt").toString(), "TLS_KEY_FILE", a.key().toString()))));
    assertTrue(missing.getMessage().startsWith("TLS_CERT_FILE:"), missing.getMessage());
    assertTrue(AppConfig.from(new Settings(Map.of("TLS_CERT_FILE", a.cert().toString(), "TLS_KEY_FILE",
        a.key().toString()))).http().tls());
  }

  /** The serial number of the certificate a new TLS connection is given. */
  private BigInteger servedSerial() throws IOException {
    try (SSLSocket socket = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", daemon.port())) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /** Replaces {@code target} at once, as certificate tools do (write aside, then rename). */
  private static void replace(Path source, Path target) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".new");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(TlsReloader.class)).addAppender(appender);
    return appender;
  }

  private static HttpResponse<String> send(HttpClient client, String method, String url, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + KEY);
    if (body != null) {
      r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
