package io.sessiond.store.redis;

import io.sessiond.store.SessionStore;
import io.sessiond.store.SessionStoreContract;
import io.sessiond.store.StoreSettings;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The store contract's tests that write key batches, with every key batch written as a large one is
 * (RedisSessionStore writeKeysStaged); the others run in RedisSessionStoreTest only, to keep CI short.
 */
@ExtendWith(RedisStagedKeysContractTest.KeyBatchTestsOnly.class)
class RedisStagedKeysContractTest extends SessionStoreContract {
  private static final Set<String> KEY_BATCH_TESTS = Set.of(
      "delete_removesTheSessionWithItsKeysAndMessages",
      "everyWrite_withStaleIfMatch_failsVersionMismatch_andWithCurrentIfMatch_succeeds",
      "everyOperation_onAMissingSession_failsNotFound",
      "expiredSession_isGone_fromEveryOperation",
      "statusAll_pagesStatuses_withKeyCountsAndMessageCounts",
      "status_countsKeysPerType_listingOnlyTypesWithKeys",
      "keyBatch_upserts_andNullDeletesOnlyThatKey",
      "queryKeys_leavesMissingIdsAbsent",
      "clearKeys_removesEveryKey_andBumpsVersion",
      "bufferJsonValues_roundTripByteForByte",
      "exportThenImport_intoAnotherTenant_roundTripsTheWholeSession",
      "import_overAnExistingSession_replacesKeysAndMessages_andMovesTheVersionForward",
      "tenants_areIsolated_evenWithTheSameSessionId",
      "maxBytesPerSession_refusesAnyGrowingWrite_withTooLarge_andAppliesNothing",
      "maxBytesPerSession_countsAKeyOnce_acrossOverwritesAndDeletesInOneBatch",
      "maxBytesPerSession_setLater_countsWhatTheSessionAlreadyHolds",
      "keyBatchesAndQueriesOfThousandsOfIds_applyWhole_andCountBytesExactly",
      "maxBytesPerSession_countsEveryPartOfTheSession",
      "import_withKeepBlobs_keepsTheSessionsBlobs",
      "blob_countsTowardMaxBytesPerSession");

  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    RedisSessionStore store = new RedisSessionStore(vertx, settings, TestRedis.config(TestRedis.uniquePrefix(), Map.of()));
    store.stageKeyBatchesAbove(0);
    return store;
  }

  /** Runs the contract's tests that write key batches ({@link #KEY_BATCH_TESTS}). */
  static final class KeyBatchTestsOnly implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getTestMethod().map(Method::getName)
          .map(name -> KEY_BATCH_TESTS.contains(name) ? ConditionEvaluationResult.enabled("writes key batches")
              : ConditionEvaluationResult.disabled("writes no key batch"))
          .orElse(ConditionEvaluationResult.enabled("the class"));
    }
  }
}
