package io.sessiond.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A password from a libpq password file ({@code PGPASSFILE}, else {@code ~/.pgpass}): lines
 * {@code host:port:database:user:password}, {@code *} matching anything, {@code \:} and {@code \\}
 * escaping, {@code #} comments; the first matching line wins. Like libpq, a file that group or others
 * may read is not used; unlike libpq, that stops start-up (naming the file) instead of being skipped.
 */
final class PgPassFile {
  private PgPassFile() {
  }

  /** The password for the connection, or {@code null} when the file is absent or has no matching line. */
  static String lookup(Path file, String host, int port, String database, String user) {
    if (file == null || !Files.isRegularFile(file)) {
      return null;
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"))) {
        throw new ConfigException("PGPASSFILE", file + " may be read by group or others: chmod 600 it");
      }
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        List<String> fields = fields(line);
        if (fields.size() == 5 && matches(fields.get(0), host) && matches(fields.get(1), Integer.toString(port))
            && matches(fields.get(2), database) && matches(fields.get(3), user)) {
          return fields.get(4);
        }
      }
      return null;
    } catch (UnsupportedOperationException e) {
      return null; // no POSIX permissions on this file system: libpq does not check there either
    } catch (IOException e) {
      throw new ConfigException("PGPASSFILE", "cannot read " + file + ": " + e.getMessage());
    }
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals("*") || pattern.equals(value);
  }

  /** Splits on unescaped colons; the last field (the password) takes the rest of the line. */
  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        field.append(line.charAt(++i));
      } else if (c == ':' && out.size() < 4) {
        out.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    out.add(field.toString());
    return out;
  }
}
