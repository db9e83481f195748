package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.session.SessionStoreException;
import dev.tether.session.redis.internal.ScriptCalls;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

/** Which Redis failures the store reports as certainly not applied, the only ones a writer may send again. */
class RedisFailureTest {

    @Test
    void aCommandThatNeverLeftTheProcessIsNotApplied() {
        // Lettuce rejects commands at once while disconnected (REJECT_COMMANDS), or fails to connect at all.
        assertThat(ScriptCalls.failure("append",
                new RedisException("Currently not connected. Commands are rejected.")).isNotApplied()).isTrue();
        assertThat(ScriptCalls.failure("append",
                new RedisConnectionException("Unable to connect to 127.0.0.1:1")).isNotApplied()).isTrue();
    }

    @Test
    void aCommandThatMayHaveRunIsOnlyUnavailable() {
        SessionStoreException timeout = ScriptCalls.failure("append",
                new RedisCommandTimeoutException("Command timed out after 2 second(s)"));
        SessionStoreException dropped = ScriptCalls.failure("append", new RedisException("Connection closed"));

        assertThat(timeout.isNotApplied()).isFalse();
        assertThat(timeout.isRetryable()).isTrue();
        assertThat(dropped.isNotApplied()).isFalse();
        assertThat(dropped.isRetryable()).isTrue();
    }
}
