package io.sessiond.sync;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a recorded write changed, as its change-stream entry names it, so that the sync copies only
 * that: the session row is always copied; besides it, {@code keys} (type → key ids written or deleted),
 * every key ({@code allKeys}, after a clear), the messages from {@code fromSeq} on (0: none) and the
 * window's trim, the blobs, the creds history ({@code history}); or the whole session ({@code full}: an import, or an entry without parts,
 * such as one recorded before parts existed). Entries of one session merge into one.
 */
public record ChangeParts(boolean full, boolean allKeys, Map<String, Set<String>> keys, long fromSeq, boolean blobs,
                          boolean history) {
  public static final ChangeParts FULL = new ChangeParts(true, false, Map.of(), 0, false, false);
  public static final ChangeParts ROW = new ChangeParts(false, false, Map.of(), 0, false, false);

  public ChangeParts(boolean full, boolean allKeys, Map<String, Set<String>> keys, long fromSeq, boolean blobs) {
    this(full, allKeys, keys, fromSeq, blobs, false);
  }

  /** Both changes' parts: the union of key ids, the lowest seq, full or allKeys or blobs when either says so. */
  public ChangeParts merge(ChangeParts other) {
    if (full || other.full) {
      return FULL;
    }
    Map<String, Set<String>> union = new TreeMap<>();
    keys.forEach((t, ids) -> union.computeIfAbsent(t, x -> new TreeSet<>()).addAll(ids));
    other.keys.forEach((t, ids) -> union.computeIfAbsent(t, x -> new TreeSet<>()).addAll(ids));
    long seq = fromSeq == 0 ? other.fromSeq : other.fromSeq == 0 ? fromSeq : Math.min(fromSeq, other.fromSeq);
    boolean all = allKeys || other.allKeys;
    return new ChangeParts(false, all, all ? Map.of() : union, seq, blobs || other.blobs, history || other.history);
  }

  /**
   * The parts an entry's fields name: {@code p} (flags, see common.lua), {@code k} (a JSON array of
   * type, keyId, ...) and {@code m} (the first appended seq). No {@code p}, or anything unreadable,
   * means the whole session: copying too much is safe, too little is not.
   */
  public static ChangeParts parse(String flags, String keysJson, String seq) {
    if (flags == null) {
      return FULL;
    }
    boolean allKeys = false;
    boolean blobs = false;
    boolean history = false;
    long fromSeq = 0;
    Map<String, Set<String>> keys = new TreeMap<>();
    for (char f : flags.toCharArray()) {
      switch (f) {
        case 'd' -> { }
        case 'K' -> allKeys = true;
        case 'b' -> blobs = true;
        case 'h' -> history = true;
        case 'k' -> {
          if (!namedKeys(keysJson, keys)) {
            return FULL;
          }
        }
        case 'm' -> {
          fromSeq = positive(seq);
          if (fromSeq == 0) {
            return FULL;
          }
        }
        default -> {
          return FULL;
        }
      }
    }
    return new ChangeParts(false, allKeys, allKeys ? Map.of() : keys, fromSeq, blobs, history);
  }

  /** Adds the pairs of {@code json} to {@code into}; false when it is not a flat array of strings in pairs. */
  private static boolean namedKeys(String json, Map<String, Set<String>> into) {
    if (json == null) {
      return false;
    }
    if (json.equals("{}")) {
      return true; // cjson's empty table: a batch that named no key
    }
    try {
      JsonArray pairs = new JsonArray(json);
      if (pairs.size() % 2 != 0) {
        return false;
      }
      for (int i = 0; i < pairs.size(); i += 2) {
        if (!(pairs.getValue(i) instanceof String t) || !(pairs.getValue(i + 1) instanceof String id)) {
          return false;
        }
        into.computeIfAbsent(t, x -> new TreeSet<>()).add(id);
      }
      return true;
    } catch (DecodeException | ClassCastException e) {
      return false;
    }
  }

  private static long positive(String s) {
    try {
      long n = s == null ? 0 : Long.parseLong(s);
      return Math.max(n, 0);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
