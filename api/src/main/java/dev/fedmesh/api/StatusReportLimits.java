package dev.fedmesh.api;

/**
 * What one agent's status report may hold, agreed by the agent that writes it and the distributor
 * that stores it (which applies the same bounds again, trusting no agent): texts a proxy or an agent
 * chose are cut to these lengths and have no control characters, and a report lists at most
 * {@link #MAX_PROXIES} proxies in at most {@link #MAX_PROXY_BYTES} bytes.
 */
public final class StatusReportLimits {
    /** The most proxies one report lists (those needing attention first); its counts count them all. */
    public static final int MAX_PROXIES = 1_000;
    /** The most bytes the listed proxies take, far below Kafka's default 1 MiB record. */
    public static final int MAX_PROXY_BYTES = 512 * 1024;
    public static final int MAX_NODE_ID = 256;
    public static final int MAX_TYPE_URL = 256;
    public static final int MAX_VERSION = 128;
    public static final int MAX_ERROR = 1_024;
    public static final int MAX_REFUSAL = 2_048;
    /** The resource types xDS has are a handful; a proxy naming more is followed for this many. */
    public static final int MAX_TYPES = 16;
    private static final String CUT = "…";

    private StatusReportLimits() {
    }

    /**
     * {@code value} without control characters (each becomes a space, but tab and newline stay; so
     * does an unpaired surrogate) and at most {@code max} characters, a cut one ending in an ellipsis.
     * PostgreSQL refuses a NUL in text; nothing this returns can be refused.
     */
    public static String text(String value, int max) {
        StringBuilder kept = new StringBuilder(Math.min(value.length(), max));
        int count = 0;
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            i += Character.charCount(codePoint);
            if (count == max) {
                kept.setLength(kept.length() - Character.charCount(kept.codePointBefore(kept.length())));
                kept.append(CUT);
                return kept.toString();
            }
            boolean control = Character.isISOControl(codePoint) && codePoint != '\n' && codePoint != '\t';
            boolean unpaired = Character.isSurrogate((char) codePoint) && Character.charCount(codePoint) == 1;
            kept.appendCodePoint(control || unpaired ? ' ' : codePoint);
            count++;
        }
        return kept.toString();
    }
}
