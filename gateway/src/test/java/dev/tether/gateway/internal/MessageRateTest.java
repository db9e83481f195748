package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.LimitsOptions;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The pause a connection is told to take after {@code rate_limited}, on virtual time. */
class MessageRateTest {

    private static final String USER = "user alice";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @AfterEach
    void dispose() {
        time.dispose();
    }

    /** Two user messages a minute, a burst of two: the third waits 30 s, hinted as 30 to 60 s. */
    private MessageRate rate() {
        return rate(new UserLimits(LimitsOptions.builder().userMessagesPerMinute(2).build(), 100, time));
    }

    private MessageRate rate(UserLimits limits) {
        return new MessageRate(limits, time);
    }

    private static UserMessage message(long cseq) {
        return new UserMessage(cseq, "m" + cseq);
    }

    @Test
    void overTheRateAMessageIsRefusedWithAHintAndPassesOnceItIsOver() {
        MessageRate rate = rate();
        assertThat(rate.check(message(1), USER)).isNull();
        rate.stored(1);
        assertThat(rate.check(message(2), USER)).isNull();
        rate.stored(2);

        MessageRate.Refusal refusal = rate.check(message(3), USER);
        assertThat(refusal.retryAfter()).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(refusal.ignored()).isZero();

        time.advanceTimeBy(refusal.retryAfter());
        assertThat(rate.check(message(3), USER)).as("the resend after the hint").isNull();
    }

    @Test
    void duringThePauseLaterMessagesAreRefusedTooWithWhatIsLeftAndResendsOfStoredOnesPass() {
        MessageRate rate = rate();
        rate.check(message(1), USER);
        rate.check(message(2), USER);
        rate.stored(2);
        Duration hint = rate.check(message(3), USER).retryAfter();

        time.advanceTimeBy(Duration.ofMillis(200));
        MessageRate.Refusal cancel = rate.check(new Cancel(4, 1), USER);
        assertThat(cancel.retryAfter()).isEqualTo(hint.minusMillis(200));
        assertThat(cancel.ignored()).as("on its way before the client heard: not ignoring").isZero();
        assertThat(rate.check(message(2), USER)).as("a resend of a stored one").isNull();
    }

    @Test
    void messagesAfterTheGraceOrEarlyResendsOfRefusedOnesCountAsIgnoringTheHint() {
        MessageRate rate = rate();
        rate.check(message(1), USER);
        rate.check(message(2), USER);
        rate.stored(2);
        rate.check(message(3), USER);

        assertThat(rate.check(message(3), USER).ignored()).as("resent before the hint").isEqualTo(1);
        time.advanceTimeBy(MessageRate.GRACE);
        assertThat(rate.check(message(4), USER).ignored()).as("new, a grace into the pause").isEqualTo(2);
    }

    @Test
    void cancelsAndEventsSpendNothingAndNothingIsLimitedAtZero() {
        MessageRate rate = rate();
        for (int cseq = 1; cseq <= 10; cseq++) {
            assertThat(rate.check(new Cancel(cseq, 1), USER)).isNull();
        }
        assertThat(rate.check(message(11), USER)).isNull();

        MessageRate unlimited = rate(new UserLimits(LimitsOptions.defaults(), 100, time));
        for (int cseq = 1; cseq <= 1000; cseq++) {
            assertThat(unlimited.check(message(cseq), USER)).isNull();
        }
    }

    @Test
    void eachUserHasItsOwnAllowanceSharedByItsConnections() {
        UserLimits limits = new UserLimits(LimitsOptions.builder().userMessagesPerMinute(1).build(), 100, time);
        MessageRate laptop = rate(limits);
        MessageRate phone = rate(limits);
        assertThat(laptop.check(message(1), USER)).isNull();
        assertThat(phone.check(message(1), USER)).isNotNull();
        assertThat(rate(limits).check(message(1), "user bob")).isNull();
    }
}
