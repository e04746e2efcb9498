package dev.fedmesh.agent.health;

import dev.fedmesh.agent.InvalidAgentSettingsException;
import io.micronaut.core.value.PropertyResolver;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the agent probes its data path: its own endpoints and the remote clusters it fails over from.
 *
 * <p>Read by {@link #from(PropertyResolver)} from {@code fedmesh.agent.probes.*}:
 * <ul>
 *   <li>{@code interval}, default {@code PT0.4S}: a round of probes starts this often</li>
 *   <li>{@code connect-timeout}, default {@code PT0.35S}: a TCP connect not done by then fails; shorter
 *       than the interval, so rounds never overlap</li>
 *   <li>{@code fall}, default 3: consecutive failed rounds before a target counts as down</li>
 *   <li>{@code rise}, default 3: consecutive passed rounds before it counts as up again</li>
 *   <li>{@code targets-per-cluster}, default 3: connects made to each remote cluster per round, dealt over
 *       its east-west gateway or over as many of its endpoints</li>
 * </ul>
 * With the defaults a cluster going dark is declared within interval (the round already under way
 * when it went dark passes) + (fall - 1) intervals + the connect timeout = 0.4 + 0.8 + 0.35 = 1.55 s,
 * leaving 0.45 s of the 2 s failover budget to rewrite and push the xDS; a single lost SYN, or two,
 * never moves traffic.
 *
 * @param interval          how often a round of probes starts
 * @param connectTimeout    how long one TCP connect may take before it counts as failed
 * @param fall              consecutive failed rounds that make a target down
 * @param rise              consecutive passed rounds that make a down target up
 * @param targetsPerCluster connects per remote cluster per round, and how many of its endpoints they go to
 */
public record ProbeSettings(Duration interval, Duration connectTimeout, int fall, int rise, int targetsPerCluster) {

    public static final String PREFIX = "fedmesh.agent.probes.";
    public static final ProbeSettings DEFAULT = new ProbeSettings(Duration.ofMillis(400), Duration.ofMillis(350), 3, 3, 3);

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s)");

    public ProbeSettings {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw invalid("interval", String.valueOf(interval), "a positive duration such as PT0.4S or 400ms");
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw invalid("connect-timeout", String.valueOf(connectTimeout), "a positive duration such as PT0.35S or 350ms");
        }
        if (connectTimeout.compareTo(interval) >= 0) {
            throw invalid("connect-timeout", connectTimeout.toMillis() + "ms", "less than probes.interval ("
                    + interval.toMillis() + "ms), so a round ends before the next starts: lower it or raise "
                    + envName("interval"));
        }
        if (fall < 1) {
            throw invalid("fall", String.valueOf(fall), "1 or more consecutive failed rounds, e.g. 3");
        }
        if (rise < 1) {
            throw invalid("rise", String.valueOf(rise), "1 or more consecutive passed rounds, e.g. 3");
        }
        if (targetsPerCluster < 1) {
            throw invalid("targets-per-cluster", String.valueOf(targetsPerCluster), "1 or more endpoints, e.g. 3");
        }
    }

    /**
     * The longest a target can be dark before it is declared down: a whole interval for the round
     * already under way, {@code fall - 1} more intervals, and the last round's connect timeout.
     */
    public Duration worstCaseDetection() {
        return interval.multipliedBy(fall).plus(connectTimeout);
    }

    /** Reads {@code fedmesh.agent.probes.*}, with the defaults above for what is not set. */
    public static ProbeSettings from(PropertyResolver properties) {
        return new ProbeSettings(
                text(properties, "interval").map(value -> duration("interval", value)).orElse(DEFAULT.interval),
                text(properties, "connect-timeout").map(value -> duration("connect-timeout", value))
                        .orElse(DEFAULT.connectTimeout),
                text(properties, "fall").map(value -> count("fall", value)).orElse(DEFAULT.fall),
                text(properties, "rise").map(value -> count("rise", value)).orElse(DEFAULT.rise),
                text(properties, "targets-per-cluster").map(value -> count("targets-per-cluster", value))
                        .orElse(DEFAULT.targetsPerCluster));
    }

    private static Duration duration(String property, String value) {
        Matcher matcher = SHORT_DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return matcher.group(2).equals("ms") ? Duration.ofMillis(amount) : Duration.ofSeconds(amount);
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(property, value, "a duration such as " + (property.equals("interval") ? "PT0.4S or 400ms"
                    : "PT0.35S or 350ms"));
        }
    }

    private static int count(String property, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw invalid(property, value, "a whole number, e.g. 3");
        }
    }

    private static Optional<String> text(PropertyResolver properties, String name) {
        return properties.get(PREFIX + name, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static String envName(String property) {
        return (PREFIX + property).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static InvalidAgentSettingsException invalid(String property, String value, String expected) {
        return new InvalidAgentSettingsException("Invalid setting " + PREFIX + property + " = '" + value
                + "': expected " + expected + " (environment variable " + envName(property) + ")");
    }
}
