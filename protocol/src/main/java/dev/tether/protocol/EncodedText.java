package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The size of a string inside a frame as {@link FrameCodec} writes it: UTF-8 bytes after JSON escaping, without the
 * quotes. Measured character by character so that a text can be cut where a frame would overflow.
 */
final class EncodedText {

    /** What a lone surrogate is written as: it is not Unicode, so the gateway never sends one. */
    static final char REPLACEMENT = '\uFFFD';

    private EncodedText() {
    }

    /** The encoded bytes of {@code text}; a lone surrogate counts as the replacement character it becomes. */
    static long bytes(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            bytes += bytes(cp);
            i += Character.charCount(cp);
        }
        return bytes;
    }

    /** The encoded bytes of one code point, as Jackson escapes it. */
    static int bytes(int cp) {
        if (cp < 0x20) {
            // \b \t \n \f \r have two-character escapes; the other control characters are written \\u00XX.
            return cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r' ? 2 : 6;
        }
        if (cp == '"' || cp == '\\') {
            return 2;
        }
        if (cp < 0x80) {
            return 1;
        }
        if (cp < 0x800) {
            return 2;
        }
        return cp < 0x10000 ? 3 : 4;
    }

    /**
     * The end of the longest piece of {@code text} from {@code start} that encodes in at most {@code budget} bytes,
     * cut between code points (a surrogate pair stays whole); at least one code point when {@code budget} is 6 or
     * more, since no code point encodes in more.
     */
    static int cut(String text, int start, long budget) {
        long used = 0;
        int i = start;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            used += bytes(cp);
            if (used > budget) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    /** The index of the first lone surrogate in {@code text}, or -1 if it is well-formed Unicode. */
    static int loneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** {@code text} with every lone surrogate replaced by U+FFFD. */
    static String replaceLoneSurrogates(String text) {
        int first = loneSurrogate(text);
        if (first < 0) {
            return text;
        }
        StringBuilder fixed = new StringBuilder(text.length()).append(text, 0, first);
        for (int i = first; i < text.length(); ) {
            int cp = text.codePointAt(i);
            // A lone surrogate is returned by codePointAt as itself, in the BMP's surrogate range.
            fixed.appendCodePoint(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? REPLACEMENT : cp);
            i += Character.charCount(cp);
        }
        return fixed.toString();
    }

    /** Refuses {@code text} if it holds a lone surrogate. */
    static void wellFormed(String type, String field, String text) {
        int at = loneSurrogate(text);
        if (at >= 0) {
            throw FrameException.loneSurrogate(type, field, "at character " + at);
        }
    }

    /** Refuses an event whose name or data holds a lone surrogate. */
    static void wellFormedEvent(String type, String name, JsonNode data) {
        wellFormed(type, "name", name);
        wellFormedData(type, data);
    }

    /** Checks every name and string in {@code data}; its depth is bounded by {@link #MAX_NESTING_DEPTH}. */
    static void wellFormedData(String type, JsonNode data) {
        if (data == null) {
            return;
        }
        if (data.isTextual()) {
            if (loneSurrogate(data.textValue()) >= 0) {
                throw FrameException.loneSurrogate(type, "data", "in a string");
            }
        } else if (data.isObject()) {
            for (Map.Entry<String, JsonNode> field : data.properties()) {
                if (loneSurrogate(field.getKey()) >= 0) {
                    throw FrameException.loneSurrogate(type, "data", "in a field name");
                }
                wellFormedData(type, field.getValue());
            }
        } else if (data.isArray()) {
            for (JsonNode element : data) {
                wellFormedData(type, element);
            }
        }
    }
}
