package io.sessiond.store;

import io.sessiond.session.StoredMessage;
import io.vertx.core.buffer.Buffer;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * A restored session's messages, oldest first, as PostgreSQL framed them: their bodies as {@link BulkFrames} in
 * seq order, and their seq numbers as text ({@code 1,2,3}). A single Redis's direct restore copies the frames into
 * its RPUSH as they are; read as a list (any other path) they are decoded once, on first use, into exactly what
 * reading the rows one by one gives.
 */
public final class FramedMessages extends AbstractList<StoredMessage> {
  private final String seqs;
  private final Buffer frames;
  private final int count;
  private List<StoredMessage> decoded;

  /**
   * {@code seqs}: the seq numbers, comma-separated, in the frames' order; at least one. Messages that are not in
   * seq order are put in it (the frames are decoded, sorted and framed again).
   */
  public FramedMessages(String seqs, Buffer frames) {
    int n = 1;
    for (int i = seqs.indexOf(','); i >= 0; i = seqs.indexOf(',', i + 1)) {
      n++;
    }
    this.count = n;
    if (increasing(seqs, n)) {
      this.seqs = seqs;
      this.frames = frames;
      return;
    }
    List<StoredMessage> sorted = new ArrayList<>(decode(seqs, frames, n));
    sorted.sort(java.util.Comparator.comparingLong(StoredMessage::seq));
    StringBuilder ordered = new StringBuilder(seqs.length());
    Buffer reframed = Buffer.buffer(frames.length());
    for (StoredMessage m : sorted) {
      ordered.append(ordered.length() == 0 ? "" : ",").append(m.seq());
      byte[] body = m.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      reframed.appendString("$" + body.length + "\r\n").appendBytes(body).appendString("\r\n");
    }
    this.seqs = ordered.toString();
    this.frames = reframed;
  }

  public Buffer frames() {
    return frames;
  }

  /** The newest message's seq. */
  public long lastSeq() {
    return Long.parseLong(seqs.substring(seqs.lastIndexOf(',') + 1));
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public StoredMessage get(int index) {
    return decoded().get(index);
  }

  private synchronized List<StoredMessage> decoded() {
    if (decoded == null) {
      decoded = decode(seqs, frames, count);
    }
    return decoded;
  }

  private static List<StoredMessage> decode(String seqs, Buffer frames, int count) {
    List<StoredMessage> all = new ArrayList<>(count);
    BulkFrames f = new BulkFrames(frames);
    int at = 0;
    while (f.next()) {
      if (at > seqs.length()) {
        throw new IllegalArgumentException("more framed messages than seq numbers");
      }
      int comma = seqs.indexOf(',', at);
      int end = comma < 0 ? seqs.length() : comma;
      all.add(new StoredMessage(Long.parseLong(seqs, at, end, 10), f.text()));
      at = end + 1;
    }
    if (all.size() != count) {
      throw new IllegalArgumentException("fewer framed messages than seq numbers");
    }
    return all;
  }

  /** Whether the seqs increase strictly from a positive first (a seq that does not parse counts as 0). */
  private static boolean increasing(String seqs, int count) {
    long previous = 0;
    int at = 0;
    for (int i = 0; i < count; i++) {
      int comma = seqs.indexOf(',', at);
      int end = comma < 0 ? seqs.length() : comma;
      long seq;
      try {
        seq = Long.parseLong(seqs, at, end, 10);
      } catch (NumberFormatException e) {
        seq = 0;
      }
      if (seq <= previous) {
        return false;
      }
      previous = seq;
      at = end + 1;
    }
    return true;
  }

  /** What {@link RequestChecks#export} checks of an export's messages (increasing positive seqs), from the seqs alone. */
  void check() {
    if (!increasing(seqs, count)) {
      throw RequestChecks.invalid("exported messages need increasing positive seq numbers, oldest first");
    }
  }
}
