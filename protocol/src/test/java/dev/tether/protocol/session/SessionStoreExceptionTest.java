package dev.tether.protocol.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class SessionStoreExceptionTest {

    @Test
    void eachKindAnswersItsOwnPredicates() {
        SessionStoreException rejected = SessionStoreException.rejected("append", new IllegalStateException("down"));
        SessionStoreException unavailable = SessionStoreException.unavailable("append", new TimeoutException("2 s"));
        SessionStoreException notFound = SessionStoreException.notFound("s1");
        SessionStoreException truncated = SessionStoreException.historyTruncated("s1", 3, 7);

        assertThat(rejected.isRetryable()).isTrue();
        assertThat(rejected.isNotApplied()).isTrue();
        assertThat(unavailable.isRetryable()).isTrue();
        assertThat(unavailable.isNotApplied()).as("a timeout may have run").isFalse();
        assertThat(notFound.isNotFound()).isTrue();
        assertThat(notFound.isRetryable()).isFalse();
        assertThat(truncated.isHistoryTruncated()).isTrue();
        assertThat(truncated.getMessage()).contains("after seq 3", "oldest retained is 7");
        SessionStoreException exists = SessionStoreException.alreadyExists("s1");
        SessionStoreException partNotNext = SessionStoreException.partNotNext("s1", 4, 3, 1);
        assertThat(exists.isAlreadyExists()).isTrue();
        assertThat(exists.isNotFound() || exists.isRetryable() || exists.isPartNotNext()).isFalse();
        assertThat(partNotNext.isPartNotNext()).isTrue();
        assertThat(partNotNext.isReplyEnded() || partNotNext.isRetryable()).isFalse();
        assertThat(partNotNext.getMessage()).contains("part 3 of the reply to cseq 4", "1 parts are stored");
        assertThat(SessionStoreException.isAlreadyExists(exists)).isTrue();
        assertThat(SessionStoreException.isPartNotNext(partNotNext)).isTrue();
        assertThat(SessionStoreException.isPartNotNext(exists)).isFalse();
        assertThat(SessionStoreException.isNotApplied(rejected)).isTrue();
        assertThat(SessionStoreException.isNotApplied(new IllegalStateException("x"))).isFalse();
    }

    @Test
    void stateConflictsAndOversizedStatesAreTheirOwnKinds() {
        SessionStoreException conflict = SessionStoreException.stateConflict("s1", 3, 4);
        SessionStoreException tooLarge = SessionStoreException.stateTooLarge("s1", 20_000, 16_384);

        assertThat(SessionStoreException.isStateConflict(conflict)).isTrue();
        assertThat(SessionStoreException.isStateTooLarge(conflict) || conflict.isRetryable()
                || conflict.isNotFound()).isFalse();
        assertThat(conflict.getMessage()).isEqualTo("session s1: the state is at version 4, not 3");
        assertThat(conflict.getStackTrace()).as("met in the normal course").isEmpty();
        assertThat(SessionStoreException.isStateTooLarge(tooLarge)).isTrue();
        assertThat(SessionStoreException.isStateConflict(tooLarge) || tooLarge.isRetryable()).isFalse();
        assertThat(tooLarge.getMessage())
                .isEqualTo("session s1: a state of 20000 bytes exceeds the limit of 16384 bytes");
        assertThat(SessionStoreException.isStateConflict(new IllegalStateException("x"))).isFalse();
    }

    @Test
    void highRateFailuresAreStackless() {
        assertThat(SessionStoreException.rejected("append", new IllegalStateException("down")).getStackTrace())
                .isEmpty();
        assertThat(SessionStoreException.notFound("s1").getStackTrace()).isEmpty();
    }
}
