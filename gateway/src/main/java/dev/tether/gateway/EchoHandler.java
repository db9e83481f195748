package dev.tether.gateway;

import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Streams the user's text back word by word; the words, concatenated, are exactly the text. A reply taken over from a
 * dead node goes on from where it stopped.
 */
final class EchoHandler implements ConversationHandler {

    // A word with the whitespace before it, so that the deltas add up to the original text.
    private static final Pattern WORD = Pattern.compile("\\s*\\S+|\\s+$");

    private final Duration delay;
    private final Scheduler scheduler;

    EchoHandler(Duration delay, Scheduler scheduler) {
        this.delay = delay;
        this.scheduler = scheduler;
    }

    @Override
    public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
        Flux<ReplyPart> words = Flux.fromIterable(words(message.text())).map(ReplyPart::text);
        return delay.isZero() ? words : words.delayElements(delay, scheduler);
    }

    /**
     * The echo after {@code partialText}, from the next word (or the rest of a word cut by the frame limit): the
     * client receives the whole text once, nothing missing or repeated at the seam. A partial text that is not the
     * start of the echo is not continued.
     */
    @Override
    public Flux<ReplyPart> continueReply(ConversationContext context, UserMessage message, String partialText) {
        if (!message.text().startsWith(partialText)) {
            return Flux.error(ReplyInterrupted.notContinued());
        }
        Flux<ReplyPart> words = Flux.fromIterable(words(message.text().substring(partialText.length())))
                .map(ReplyPart::text);
        return delay.isZero() ? words : words.delayElements(delay, scheduler);
    }

    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(text);
        while (matcher.find()) {
            words.add(matcher.group());
        }
        return words;
    }
}
