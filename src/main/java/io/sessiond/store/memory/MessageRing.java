package io.sessiond.store.memory;

import io.sessiond.session.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's message window, oldest first, held compactly: each message one array of its UTF-8 JSON,
 * its seq in a primitive array beside it. A message kept in memory is then one object, not three (a
 * record, a String and its bytes), which is what the collector copies and scans for every append.
 * Not thread-safe: the memory store's one thread owns it.
 */
final class MessageRing {
  private long[] seqs = new long[4];
  private byte[][] jsons = new byte[4][];
  private int head;
  private int size;

  int size() {
    return size;
  }

  /** The seq of the {@code i}-th message, oldest first. */
  long seq(int i) {
    return seqs[slot(i)];
  }

  /** The {@code i}-th message, oldest first, as callers see it. */
  StoredMessage message(int i) {
    int s = slot(i);
    return new StoredMessage(seqs[s], new String(jsons[s], StandardCharsets.UTF_8));
  }

  /** The UTF-8 length of the {@code i}-th message's JSON. */
  int bytes(int i) {
    return jsons[slot(i)].length;
  }

  /** Adds a message as the newest; returns its UTF-8 length. */
  int addLast(StoredMessage message) {
    if (size == seqs.length) {
      grow();
    }
    byte[] json = message.json().getBytes(StandardCharsets.UTF_8);
    int s = slot(size);
    seqs[s] = message.seq();
    jsons[s] = json;
    size++;
    return json.length;
  }

  /** Drops the oldest message; returns its UTF-8 length. */
  int removeFirst() {
    byte[] json = jsons[head];
    jsons[head] = null;
    head = (head + 1) % seqs.length;
    size--;
    return json.length;
  }

  private int slot(int i) {
    int s = head + i;
    return s < seqs.length ? s : s - seqs.length;
  }

  private void grow() {
    int n = seqs.length * 2;
    long[] nextSeqs = new long[n];
    byte[][] nextJsons = new byte[n][];
    for (int i = 0; i < size; i++) {
      nextSeqs[i] = seqs[slot(i)];
      nextJsons[i] = jsons[slot(i)];
    }
    seqs = nextSeqs;
    jsons = nextJsons;
    head = 0;
  }

  /** The messages as records, oldest first; a copy. */
  List<StoredMessage> toList() {
    List<StoredMessage> all = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      all.add(message(i));
    }
    return all;
  }
}
