package io.sessiond.cli;

import io.sessiond.session.SessionIds;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code import-wwebjs}: a whatsapp-web.js LocalAuth profile ({@code <dir>/session-<id>}) zipped as
 * RemoteAuth zips it (the profile's contents at the root of the zip) and uploaded as the blob the
 * Node {@code SessiondRemoteAuthStore} reads: blob {@code RemoteAuth.zip} of the session that store
 * uses for RemoteAuth's session name {@code RemoteAuth-<id>} ({@link #remoteAuthSessionId}).
 */
final class WwebjsCommand {
  /** Characters of a mapped name kept before its hash, as the Node store keeps them. */
  private static final int READABLE_CHARS = 95;

  private WwebjsCommand() {
  }

  /**
   * The session id the Node {@code SessiondRemoteAuthStore} ({@code remoteAuthSessionId} in
   * clients/node/src/wwebjs.cjs) uses for a RemoteAuth session name: the name itself when it is a
   * valid session id; otherwise its characters with each one outside {@code A-Za-z0-9@:+-} as
   * {@code -}, cut to 95, then {@code .} and the first 32 hex digits of the SHA-256 of its UTF-8.
   * The two must agree, or a session the CLI imports is not found by the store.
   */
  static String remoteAuthSessionId(String name) {
    if (SessionIds.isSessionId(name)) {
      return name;
    }
    StringBuilder readable = new StringBuilder();
    for (int i = 0; i < Math.min(name.length(), READABLE_CHARS); i++) {
      char c = name.charAt(i);
      boolean kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '@' || c == ':' || c == '+' || c == '-';
      readable.append(kept ? c : '-');
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return readable + "." + HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static int importFolder(Cli.Context c, Commands.ImportWwebjs opts) {
    Path root = opts.dir;
    String clientId = opts.clientId;
    String remoteAuthName = "RemoteAuth-" + clientId;
    String session = opts.session != null ? opts.session : remoteAuthSessionId(remoteAuthName);
    String blob = opts.blob;
    long ttl = opts.ttl;
    Path profile = root.resolve("session-" + clientId);
    if (!Files.isDirectory(profile)) {
      throw new CliException(profile + " is not a directory (LocalAuth keeps clientId '" + clientId
          + "' in session-" + clientId + ")");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(profile)) {
      // Regular files only: Chromium's Singleton* symlinks and sockets are not part of a profile.
      files = s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).sorted().toList();
    } catch (IOException e) {
      throw new CliException("cannot read " + profile + ": " + e.getMessage(), e);
    }
    long bytes = 0;
    for (Path f : files) {
      try {
        bytes += Files.size(f);
      } catch (IOException e) {
        throw new CliException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    if (opts.dry.dryRun) {
      c.out().println("dry run: would zip " + files.size() + " files (" + bytes + " bytes) of " + profile
          + " into blob " + blob + " of session " + session + "; nothing written");
      return 0;
    }
    Path zip = null;
    try {
      zip = Files.createTempFile("sessiond-wwebjs-", ".zip");
      Progress p = c.progress("zipped", "files", files.size(), 100);
      try (OutputStream o = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(o)) {
        for (Path f : files) {
          String name = profile.relativize(f).toString().replace('\\', '/');
          ZipEntry e = new ZipEntry(name);
          e.setLastModifiedTime(Files.getLastModifiedTime(f));
          z.putNextEntry(e);
          Files.copy(f, z);
          z.closeEntry();
          p.advance(1);
        }
      }
      p.finish();
      DaemonClient d = c.client();
      if (d.session(session) == null) {
        d.putSessionText(session, new JsonObject().put("data", new JsonObject().put("store", "wwebjs-remote-auth")
            .put("session", remoteAuthName)).put("ttlSeconds", ttl).encode());
      }
      d.putBlob(session, blob, zip);
      c.out().println("uploaded " + files.size() + " files of " + profile + " (" + Files.size(zip)
          + " bytes zipped) as blob " + blob + " of session " + session + " at " + d.url());
      return 0;
    } catch (IOException e) {
      throw new CliException("cannot zip " + profile + ": " + e.getMessage(), e);
    } finally {
      if (zip != null) {
        DaemonClient.deleteQuietly(zip);
      }
    }
  }
}
