package io.sessiond.store;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes immutable records between verticles of one process by reference. The event bus is local
 * to each instance (DESIGN.md), so records never need a wire form.
 */
public final class LocalRecordCodec implements MessageCodec<Record, Record> {
  public static final String NAME = "sessiond.local-record";

  /** Registers the codec (once per event bus) and makes it the choice for every record sent on {@code bus}. */
  public static void register(EventBus bus) {
    bus.unregisterCodec(NAME);
    bus.registerCodec(new LocalRecordCodec());
    bus.codecSelector(body -> body instanceof Record ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Record r) {
    throw new IllegalStateException("sessiond records are local to one process and have no wire form");
  }

  @Override
  public Record decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("sessiond records are local to one process and have no wire form");
  }

  @Override
  public Record transform(Record r) {
    return r;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
