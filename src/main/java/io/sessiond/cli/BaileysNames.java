package io.sessiond.cli;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * File names of Baileys' {@code useMultiFileAuthState}: a key is {@code <type>-<id>.json} passed
 * through its {@code fixFileName} ({@code /} → {@code __}, {@code :} → {@code -}). That is lossy, so
 * reading names back undoes it where Baileys' own ids tell how: {@code __} is {@code /} in base64 ids
 * of app-state-sync keys (and of types not known here) and, in sender-key ids ({@code group::user::device}), {@code --} is
 * {@code ::}. Writing a key back gives exactly the name Baileys gives it.
 */
final class BaileysNames {
  static final String CREDS = "creds.json";
  /** Baileys' key types, longest first so {@code sender-key-memory} is not read as {@code sender-key}. */
  static final List<String> KNOWN_TYPES = List.of("app-state-sync-version", "app-state-sync-key",
      "sender-key-memory", "identity-key", "device-list", "lid-mapping", "sender-key", "pre-key", "session",
      "tctoken");
  private static final Pattern OTHER = Pattern.compile("^([a-z0-9]+(?:-[a-z0-9]+)*?)-(.+)\\.json$");

  private BaileysNames() {
  }

  record Key(String type, String id) {
  }

  /** Baileys' {@code fixFileName}. */
  static String fixFileName(String file) {
    return file.replace("/", "__").replace(":", "-");
  }

  static String fileName(String type, String id) {
    return fixFileName(type + "-" + id + ".json");
  }

  /** The key a file holds, or null when the name is not a key file. */
  static Key parse(String fileName) {
    if (!fileName.endsWith(".json") || fileName.equals(CREDS)) {
      return null;
    }
    for (String type : KNOWN_TYPES) {
      if (fileName.startsWith(type + "-") && fileName.length() > type.length() + 1 + ".json".length()) {
        String raw = fileName.substring(type.length() + 1, fileName.length() - ".json".length());
        return new Key(type, id(type, raw));
      }
    }
    Matcher m = OTHER.matcher(fileName);
    if (!m.matches() || m.group(1).length() > 64) {
      return null;
    }
    return new Key(m.group(1), id(m.group(1), m.group(2)));
  }

  private static String id(String type, String raw) {
    // Only app-state-sync-key ids (base64) and types not known here can hold '/'; the others (numbers,
    // JIDs, Signal addresses) never do, and one may hold "__" itself (Baileys 7's tctoken index, "__index").
    String id = type.equals("app-state-sync-key") || !KNOWN_TYPES.contains(type) ? raw.replace("__", "/") : raw;
    return type.equals("sender-key") ? id.replace("--", "::") : id;
  }
}
