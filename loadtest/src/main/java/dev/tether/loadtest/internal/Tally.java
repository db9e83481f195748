package dev.tether.loadtest.internal;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;

/** What the delivery checks counted, for one client or summed over all; not thread-safe. */
final class Tally {

    long clients;
    long framesReceived;
    long framesLost;
    long framesDuplicated;
    long framesOutOfOrder;
    long messagesSent;
    long messagesAcked;
    long messagesUnacked;
    long messagesFailed;
    long cseqsReused;
    long repliesComplete;
    long repliesContinued;
    long repliesMissing;
    long repliesDuplicated;
    long repliesEndedTwice;
    long repliesCorrupt;
    long repliesUnexpected;
    long repliesMismatched;
    long repliesLostWithSession;
    long eventsPublished;
    long eventsReceived;
    long eventsLost;
    long eventsDuplicated;
    long sessionsLost;
    long resumesSucceeded;
    long framesReplayed;
    long clientsFailed;
    long clientsNeverConnected;
    final Map<DoneReason, Long> repliesEnded = new EnumMap<>(DoneReason.class);
    final Map<ResumeFailure, Long> resumeFailures = new EnumMap<>(ResumeFailure.class);

    void add(Tally other) {
        clients += other.clients;
        framesReceived += other.framesReceived;
        framesLost += other.framesLost;
        framesDuplicated += other.framesDuplicated;
        framesOutOfOrder += other.framesOutOfOrder;
        messagesSent += other.messagesSent;
        messagesAcked += other.messagesAcked;
        messagesUnacked += other.messagesUnacked;
        messagesFailed += other.messagesFailed;
        cseqsReused += other.cseqsReused;
        repliesComplete += other.repliesComplete;
        repliesContinued += other.repliesContinued;
        repliesMissing += other.repliesMissing;
        repliesDuplicated += other.repliesDuplicated;
        repliesEndedTwice += other.repliesEndedTwice;
        repliesCorrupt += other.repliesCorrupt;
        repliesUnexpected += other.repliesUnexpected;
        repliesMismatched += other.repliesMismatched;
        repliesLostWithSession += other.repliesLostWithSession;
        eventsPublished += other.eventsPublished;
        eventsReceived += other.eventsReceived;
        eventsLost += other.eventsLost;
        eventsDuplicated += other.eventsDuplicated;
        sessionsLost += other.sessionsLost;
        resumesSucceeded += other.resumesSucceeded;
        framesReplayed += other.framesReplayed;
        clientsFailed += other.clientsFailed;
        clientsNeverConnected += other.clientsNeverConnected;
        other.repliesEnded.forEach((k, v) -> repliesEnded.merge(k, v, Long::sum));
        other.resumeFailures.forEach((k, v) -> resumeFailures.merge(k, v, Long::sum));
    }

    long resumesFailed() {
        return resumeFailures.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every count that means something was lost, duplicated, reordered or corrupted; all must be zero. */
    Map<String, Long> losses() {
        Map<String, Long> losses = new LinkedHashMap<>();
        losses.put("frames lost (seq gaps)", framesLost);
        losses.put("frames duplicated", framesDuplicated);
        losses.put("frames out of order", framesOutOfOrder);
        losses.put("user messages never acknowledged", messagesUnacked);
        losses.put("user messages failed", messagesFailed);
        losses.put("cseqs given to two messages", cseqsReused);
        losses.put("replies missing", repliesMissing);
        losses.put("replies duplicated (message stored twice)", repliesDuplicated);
        losses.put("replies ended twice", repliesEndedTwice);
        losses.put("replies corrupt (deltas != sent text)", repliesCorrupt);
        losses.put("replies to no message sent", repliesUnexpected);
        losses.put("replies to the wrong cseq", repliesMismatched);
        losses.put("replies lost with a session", repliesLostWithSession);
        losses.put("published events not received", eventsLost);
        losses.put("events received twice (pushed once)", eventsDuplicated);
        losses.put("sessions lost (failed resumes)", sessionsLost);
        losses.put("clients that gave up (FAILED)", clientsFailed);
        return losses;
    }

    /** The counts by name, for reports. */
    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("clients", clients);
        map.put("clientsNeverConnected", clientsNeverConnected);
        map.put("clientsFailed", clientsFailed);
        map.put("framesReceived", framesReceived);
        map.put("framesLost", framesLost);
        map.put("framesDuplicated", framesDuplicated);
        map.put("framesOutOfOrder", framesOutOfOrder);
        map.put("messagesSent", messagesSent);
        map.put("messagesAcked", messagesAcked);
        map.put("messagesUnacked", messagesUnacked);
        map.put("messagesFailed", messagesFailed);
        map.put("cseqsReused", cseqsReused);
        map.put("repliesComplete", repliesComplete);
        map.put("repliesContinued", repliesContinued);
        map.put("repliesMissing", repliesMissing);
        map.put("repliesDuplicated", repliesDuplicated);
        map.put("repliesEndedTwice", repliesEndedTwice);
        map.put("repliesCorrupt", repliesCorrupt);
        map.put("repliesUnexpected", repliesUnexpected);
        map.put("repliesMismatched", repliesMismatched);
        map.put("repliesLostWithSession", repliesLostWithSession);
        Map<String, Long> ended = new LinkedHashMap<>();
        repliesEnded.forEach((k, v) -> ended.put(k.wireName(), v));
        map.put("repliesEndedBy", ended);
        map.put("eventsPublished", eventsPublished);
        map.put("eventsDuplicated", eventsDuplicated);
        map.put("eventsReceived", eventsReceived);
        map.put("eventsLost", eventsLost);
        map.put("resumesSucceeded", resumesSucceeded);
        map.put("framesReplayed", framesReplayed);
        map.put("resumesFailed", resumesFailed());
        Map<String, Long> failures = new LinkedHashMap<>();
        resumeFailures.forEach((k, v) -> failures.put(k.wireName(), v));
        map.put("resumeFailuresByReason", failures);
        map.put("sessionsLost", sessionsLost);
        return map;
    }
}
