package dev.fedmesh.agent.health;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether one probed target is up, from its consecutive probe results: down after {@code fall}
 * failures in a row, up again after {@code rise} passes in a row, so a single lost or late probe
 * never flips it. Not thread-safe; pure (no clock).
 */
public final class Hysteresis {

    /** What the probes have established so far. */
    public enum State {
        /** Neither {@code fall} failures nor {@code rise} passes in a row yet. */
        UNKNOWN,
        UP,
        DOWN
    }

    private final int fall;
    private final int rise;
    private State state;
    private int passes;
    private int failures;

    public Hysteresis(int fall, int rise, State initial) {
        if (fall < 1 || rise < 1) {
            throw new IllegalArgumentException("fall and rise must be 1 or more, were " + fall + " and " + rise);
        }
        this.fall = fall;
        this.rise = rise;
        this.state = Objects.requireNonNull(initial, "initial");
    }

    /** Starts {@link State#UNKNOWN}. */
    public Hysteresis(int fall, int rise) {
        this(fall, rise, State.UNKNOWN);
    }

    /** Counts one probe result; returns the new state when this result changed it. */
    public Optional<State> record(boolean passed) {
        if (passed) {
            failures = 0;
            passes++;
            if (passes >= rise && state != State.UP) {
                state = State.UP;
                return Optional.of(state);
            }
        } else {
            passes = 0;
            failures++;
            if (failures >= fall && state != State.DOWN) {
                state = State.DOWN;
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    public State state() {
        return state;
    }

    /** How many results in a row agree with the last one. */
    public int streak() {
        return Math.max(passes, failures);
    }
}
