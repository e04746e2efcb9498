package dev.fedmesh.testing;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/** Readable, collision-free names of test resources, derived from the test class. */
final class TestNames {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestNames() {}

    /**
     * The class's simple name in lower case, words joined by {@code separator} ("OutboxRelayTest"
     * becomes "outbox_relay_test"), cut to {@code maxLength}, with only a-z and 0-9 besides it.
     */
    static String words(Class<?> testClass, char separator, int maxLength) {
        String simple = testClass.getSimpleName().isEmpty() ? testClass.getName() : testClass.getSimpleName();
        String words = simple
                .replaceAll("([a-z0-9])([A-Z])", "$1" + separator + "$2")
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", String.valueOf(separator));
        words = trim(words, separator);
        if (words.length() > maxLength) {
            words = trim(words.substring(0, maxLength), separator);
        }
        return words.isEmpty() ? "test" : words;
    }

    /** Eight random hex digits. */
    static String randomSuffix() {
        byte[] bytes = new byte[4];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String trim(String words, char separator) {
        int start = 0;
        int end = words.length();
        while (start < end && words.charAt(start) == separator) {
            start++;
        }
        while (end > start && words.charAt(end - 1) == separator) {
            end--;
        }
        return words.substring(start, end);
    }
}
