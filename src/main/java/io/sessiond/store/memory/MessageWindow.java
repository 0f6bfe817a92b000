package io.sessiond.store.memory;

import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreRequests.MessagePage;
import io.sessiond.store.StoreRequests.ReadMessages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Paging over an in-memory message window (oldest first), walking back from the newest. */
final class MessageWindow {
  private MessageWindow() {
  }

  /**
   * The newest {@code limit} messages below {@code beforeSeq} (0 = no bound); {@code nextBeforeSeq}
   * is the smallest seq of the page when older messages remain, else 0.
   */
  static MessagePage page(MessageRing window, ReadMessages request) {
    List<StoredMessage> newestFirst = new ArrayList<>();
    boolean olderRemain = false;
    for (int i = window.size() - 1; i >= 0; i--) {
      if (request.beforeSeq() != 0 && window.seq(i) >= request.beforeSeq()) {
        continue;
      }
      if (newestFirst.size() == request.limit()) {
        olderRemain = true;
        break;
      }
      newestFirst.add(window.message(i));
    }
    long nextBeforeSeq = olderRemain ? newestFirst.get(newestFirst.size() - 1).seq() : 0;
    if (request.ascending()) {
      Collections.reverse(newestFirst);
    }
    return new MessagePage(newestFirst, nextBeforeSeq);
  }
}
