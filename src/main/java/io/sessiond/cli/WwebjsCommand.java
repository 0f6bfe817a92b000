package io.sessiond.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code import-wwebjs}: a whatsapp-web.js LocalAuth profile ({@code <dir>/session-<id>}) zipped as
 * RemoteAuth zips it (the profile's contents at the root of the zip) and uploaded as the blob the
 * Node {@code SessiondRemoteAuthStore} reads: blob {@code RemoteAuth.zip} of session
 * {@code RemoteAuth-<id>} (RemoteAuth's session name for that clientId).
 */
final class WwebjsCommand {
  private WwebjsCommand() {
  }

  static int importFolder(Cli.Context c, Commands.ImportWwebjs opts) {
    Path root = opts.dir;
    String clientId = opts.clientId;
    String session = opts.session != null ? opts.session : "RemoteAuth-" + clientId;
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
        d.putSessionText(session, "{\"data\":{\"store\":\"wwebjs-remote-auth\"},\"ttlSeconds\":" + ttl + "}");
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
