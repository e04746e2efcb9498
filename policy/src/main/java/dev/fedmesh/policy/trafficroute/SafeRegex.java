package dev.fedmesh.policy.trafficroute;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The regular expressions a route may match paths with: the part of Java's syntax that RE2 (the
 * engine of Envoy and gRPC) also runs in linear time. Backreferences, lookaround, atomic groups,
 * possessive quantifiers, Java-only escapes and flags are refused, since a proxy would reject the
 * route or read it differently.
 */
final class SafeRegex {
    static final int MAX_LENGTH = 1024;

    private SafeRegex() {
    }

    /** Why the regex cannot be used, or null when it can. */
    static String problem(String regex) {
        if (regex.isEmpty() || regex.length() > MAX_LENGTH) {
            return "must be 1-" + MAX_LENGTH + " characters long";
        }
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>') {
                return "may only hold visible ASCII characters other than quotes and angle brackets"
                        + " (found " + describe(c) + " at position " + i + ")";
            }
        }
        String unsupported = unsupportedConstruct(regex);
        if (unsupported != null) {
            return "uses " + unsupported + ", which RE2 (the engine of Envoy and gRPC) does not support: rewrite it without";
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return "does not compile: " + e.getDescription() + " near position " + e.getIndex();
        }
        return null;
    }

    private static String unsupportedConstruct(String regex) {
        boolean inClass = false;
        boolean afterQuantifier = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char next = regex.charAt(++i);
                if (!inClass && next >= '1' && next <= '9') {
                    return "a backreference (\\" + next + ")";
                }
                if (!inClass && next == 'k') {
                    return "a named backreference (\\k)";
                }
                if ("GZRXhHec".indexOf(next) >= 0) {
                    return "\\" + next;
                }
                if ((next == 'p' || next == 'P') && regex.startsWith("{java", i + 1)) {
                    return "a Java character class (\\" + next + "{java...})";
                }
                afterQuantifier = false;
                continue;
            }
            if (inClass) {
                inClass = c != ']';
                continue;
            }
            if (c == '+' && afterQuantifier) {
                return "a possessive quantifier";
            }
            if (c == '(' && regex.startsWith("(?", i)) {
                String rest = regex.substring(i + 2);
                if (rest.startsWith("=") || rest.startsWith("!")) {
                    return "a lookahead";
                }
                if (rest.startsWith("<=") || rest.startsWith("<!")) {
                    return "a lookbehind";
                }
                if (rest.startsWith(">")) {
                    return "an atomic group";
                }
                String flags = rest.replaceFirst("^([A-Za-z-]*)[:)].*", "$1");
                if (!flags.equals(rest) && !flags.matches("[ims]*(-[ims]*)?")) {
                    return "the flags (?" + flags + "), of which RE2 shares only i, m and s";
                }
                afterQuantifier = false;
                i++;
                continue;
            }
            inClass = c == '[';
            afterQuantifier = c == '*' || c == '+' || c == '?' || c == '}';
        }
        return null;
    }

    private static String describe(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }
}
