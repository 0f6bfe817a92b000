package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreOperation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every store operation has a sealing rule: its values are sealed and opened, or it carries none.
 * An operation added to the store contract without one fails this test (and, at run time, fails
 * closed rather than letting a plain value through).
 */
class SealingRulesTest {

  @Test
  void everyStoreOperation_isSealedOrCarriesNoValue_andNoneIsBoth() {
    Set<StoreOperation<?, ?>> both = new HashSet<>(SealingStoreClient.SEALED);
    both.retainAll(SealingStoreClient.VALUELESS);
    assertTrue(both.isEmpty(), () -> "sealed and valueless at once: " + names(both));
    List<StoreOperation<?, ?>> missing = StoreAddresses.ALL.stream()
        .filter(op -> !SealingStoreClient.SEALED.contains(op) && !SealingStoreClient.VALUELESS.contains(op)).toList();
    assertEquals(List.of(), names(missing), "store operations without a sealing rule");
  }

  private static List<String> names(java.util.Collection<StoreOperation<?, ?>> ops) {
    return ops.stream().map(StoreOperation::action).sorted().toList();
  }
}
