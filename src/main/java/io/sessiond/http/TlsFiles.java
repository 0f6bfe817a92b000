package io.sessiond.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The HTTPS server's certificate and key as read from {@code TLS_CERT_FILE} and {@code TLS_KEY_FILE}
 * (PEM), checked before use: both parse, and the key is the certificate's (a signature made with the
 * key verifies with the certificate), so a certificate renewed before its key never replaces a
 * working pair. Reading is blocking: call it from a worker.
 */
record TlsFiles(byte[] cert, byte[] key, X509Certificate certificate) {
  /** More than any certificate chain or key: a larger file is not one. */
  private static final long MAX_BYTES = 1 << 20;
  private static final String[] KEY_TYPES = {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS"};

  /** Reads and checks the pair; the exception says which file is wrong and why. */
  static TlsFiles read(Vertx vertx, String certFile, String keyFile) throws IOException {
    byte[] cert = bounded(certFile);
    byte[] key = bounded(keyFile);
    PemKeyCertOptions options = options(cert, key);
    X509KeyManager manager;
    try {
      manager = x509(options.getKeyManagerFactory(vertx).getKeyManagers());
    } catch (Exception e) {
      throw new IOException("TLS_CERT_FILE/TLS_KEY_FILE are not a PEM certificate and private key: " + e.getMessage(), e);
    }
    String alias = alias(manager);
    if (alias == null) {
      throw new IOException("TLS_KEY_FILE holds no private key of a known type");
    }
    X509Certificate[] chain = manager.getCertificateChain(alias);
    PrivateKey privateKey = manager.getPrivateKey(alias);
    if (chain == null || chain.length == 0 || privateKey == null) {
      throw new IOException("TLS_CERT_FILE/TLS_KEY_FILE hold no certificate with its key");
    }
    if (!matches(privateKey, chain[0].getPublicKey())) {
      throw new IOException("TLS_KEY_FILE is not the key of the certificate in TLS_CERT_FILE");
    }
    return new TlsFiles(cert, key, chain[0]);
  }

  PemKeyCertOptions options() {
    return options(cert, key);
  }

  /** Whether {@code other} holds the same bytes. */
  boolean sameAs(TlsFiles other) {
    return other != null && Arrays.equals(cert, other.cert) && Arrays.equals(key, other.key);
  }

  /** Subject, serial and expiry, for log lines. */
  String describe() {
    return certificate.getSubjectX500Principal().getName() + " (serial " + certificate.getSerialNumber().toString(16)
        + ", valid until " + certificate.getNotAfter().toInstant() + ")";
  }

  private static PemKeyCertOptions options(byte[] cert, byte[] key) {
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
  }

  private static byte[] bounded(String file) throws IOException {
    Path path = Path.of(file);
    if (Files.size(path) > MAX_BYTES) {
      throw new IOException(file + " is larger than " + MAX_BYTES + " bytes: not a PEM certificate or key");
    }
    byte[] bytes = Files.readAllBytes(path);
    if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
      throw new IOException(file + " is not PEM (no -----BEGIN line)");
    }
    return bytes;
  }

  private static X509KeyManager x509(KeyManager[] managers) throws IOException {
    for (KeyManager m : managers) {
      if (m instanceof X509KeyManager x) {
        return x;
      }
    }
    throw new IOException("no X.509 key manager for TLS_CERT_FILE/TLS_KEY_FILE");
  }

  private static String alias(X509KeyManager manager) {
    for (String type : KEY_TYPES) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        return aliases[0];
      }
    }
    return null;
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private static boolean matches(PrivateKey key, PublicKey certified) throws IOException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm())) {
      return algorithm == null; // a type this check does not know is left to the handshake
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot check TLS_KEY_FILE against TLS_CERT_FILE: " + e.getMessage(), e);
    }
  }
}
