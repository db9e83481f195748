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

    private static final String ELLIPSIS = "\u2026";

    private EncodedText() {
    }

    /** The encoded bytes of {@code text}; a lone surrogate counts as the replacement character it becomes. */
    static long bytes(String text) {
        long bytes = 0;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += bytes(c);
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
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

    /** The UTF-8 length of encoded JSON text, a lone surrogate counted as the 3 bytes of U+FFFD. */
    static long utf8Length(String json) {
        long bytes = 0;
        int length = json.length();
        for (int i = 0; i < length; i++) {
            char c = json.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(json.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * {@code text} well-formed and at most {@code maxBytes} encoded: cut between code points, with an ellipsis, when
     * longer. For what the gateway writes from text it did not check, such as messages.
     */
    static String bounded(String text, int maxBytes) {
        String whole = replaceLoneSurrogates(text);
        // 6 bytes is the most a char takes encoded: shorter texts need no counting.
        if ((long) whole.length() * 6 <= maxBytes || bytes(whole) <= maxBytes) {
            return whole;
        }
        return whole.substring(0, cut(whole, 0, maxBytes - bytes(ELLIPSIS))) + ELLIPSIS;
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

    /** Checks every name, string and number in {@code data}; its depth is bounded by {@link #MAX_NESTING_DEPTH}. */
    static void wellFormedData(String type, JsonNode data) {
        if (data == null) {
            return;
        }
        if (data.isTextual()) {
            if (loneSurrogate(data.textValue()) >= 0) {
                throw FrameException.loneSurrogate(type, "data", "in a string");
            }
        } else if (data.isFloatingPointNumber() && !Double.isFinite(data.doubleValue())) {
            // Jackson reads 1e400 as an infinite double and writes it back as the string "Infinity".
            throw FrameException.invalidField(type, "data", "JSON whose numbers fit a double", "a number out of range");
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
