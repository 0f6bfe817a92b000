package io.sessiond.store;

import io.sessiond.session.SessionIds;
import io.vertx.core.buffer.Buffer;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restored session's keys ({@code type → keyId → value}) as PostgreSQL framed them: per type, its key ids and
 * values as {@link BulkFrames}, id then value (pairs in no particular order: a hash's fields). A single Redis's direct restore copies the frames
 * into its HSET commands as they are; read as a map (any other path) they are decoded once, on first use, into
 * exactly what reading the rows one by one gives.
 */
public final class FramedKeys extends AbstractMap<String, Map<String, String>> {
  /** One key type and its pairs, framed; never empty. */
  public record Type(String name, Buffer frames) {
  }

  private final List<Type> types;
  private Map<String, Map<String, String>> decoded;

  public FramedKeys(List<Type> types) {
    this.types = List.copyOf(types);
  }

  public List<Type> types() {
    return types;
  }

  @Override
  public Set<Entry<String, Map<String, String>>> entrySet() {
    return decoded().entrySet();
  }

  @Override
  public int size() {
    return types.size();
  }

  private synchronized Map<String, Map<String, String>> decoded() {
    if (decoded == null) {
      Map<String, Map<String, String>> all = new LinkedHashMap<>(types.size() * 2);
      for (Type t : types) {
        Map<String, String> values = new LinkedHashMap<>();
        BulkFrames f = new BulkFrames(t.frames());
        while (f.next()) {
          String keyId = f.text();
          if (!f.next()) {
            throw new IllegalArgumentException("a framed key id without its value");
          }
          values.put(keyId, f.text());
        }
        all.put(t.name(), values);
      }
      decoded = all;
    }
    return decoded;
  }

  /**
   * What {@link RequestChecks#keyBatch} checks of an export's keys, reading only the frames' headers where
   * they settle it: a key id of 1 to {@link SessionIds#MAX_KEY_ID_LENGTH} UTF-8 bytes has as many chars or
   * fewer, and text from PostgreSQL holds neither U+0000 nor a lone surrogate. Other key ids are decoded and
   * checked as such.
   */
  void check() {
    for (Type t : types) {
      RequestChecks.keyType(t.name());
      BulkFrames f = new BulkFrames(t.frames());
      while (f.next()) {
        if (f.length() == 0 || f.length() > SessionIds.MAX_KEY_ID_LENGTH) {
          RequestChecks.keyId(f.text());
        }
        if (!f.next()) {
          throw RequestChecks.invalid("an exported key value cannot be null");
        }
      }
    }
  }
}
