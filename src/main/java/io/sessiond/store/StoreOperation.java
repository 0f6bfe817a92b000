package io.sessiond.store;

import io.vertx.core.Future;
import java.util.function.BiFunction;

/**
 * One operation of the store contract as it travels over the event bus: its address, and how the
 * store verticle carries it out on a {@link SessionStore}.
 *
 * @param <Q> the request record
 * @param <R> the reply record
 */
public record StoreOperation<Q, R>(String address, BiFunction<SessionStore, Q, Future<R>> invoke) {

  /** The operation's name: the address's last segment ({@code put}, {@code get}, …), a bounded metric tag. */
  public String action() {
    return address.substring(address.lastIndexOf('.') + 1);
  }
}
