package io.sessiond.session;

/**
 * One message of a session's rolling window: its sequence number (1, 2, … per session, never
 * reused) and its compact JSON object, which carries that same {@code seq} as its first field.
 */
public record StoredMessage(long seq, String json) {

  /** Builds the stored form from a message object without {@code seq}: {@code {"seq":N,...}}. */
  public static StoredMessage of(long seq, String jsonWithoutSeq) {
    String rest = jsonWithoutSeq.substring(1).trim();
    String json = rest.equals("}") ? "{\"seq\":" + seq + "}" : "{\"seq\":" + seq + "," + rest;
    return new StoredMessage(seq, json);
  }
}
