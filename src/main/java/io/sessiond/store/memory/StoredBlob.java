package io.sessiond.store.memory;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A committed blob of the embedded stores: the upload it came from ({@code generation}), its size
 * and its chunks in order. Chunks are never modified once staged, so they are shared, not copied.
 */
public record StoredBlob(String generation, long size, List<Buffer> chunks) {
  public StoredBlob {
    chunks = List.copyOf(chunks);
  }
}
