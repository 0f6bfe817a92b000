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
    String action = ACTIONS.get(address);
    return action != null ? action : ACTIONS.computeIfAbsent(address, a -> a.substring(a.lastIndexOf('.') + 1));
  }

  /** Actions by address, named once: every store call's meters read one. */
  private static final java.util.Map<String, String> ACTIONS = new java.util.concurrent.ConcurrentHashMap<>();
}
