package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.agent.health.Hysteresis.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HysteresisTest {

    @Test
    void startsUnknownAndGoesDownOnlyAfterFallFailuresInARow() {
        Hysteresis target = new Hysteresis(3, 3);

        assertThat(target.state()).isEqualTo(State.UNKNOWN);
        assertThat(target.record(false)).isEmpty();
        assertThat(target.record(false)).isEmpty();
        assertThat(target.record(false)).contains(State.DOWN);
        assertThat(target.record(false)).as("told once, not again on each further failure").isEmpty();
        assertThat(target.state()).isEqualTo(State.DOWN);
    }

    @Test
    void comesBackUpOnlyAfterRisePassesInARow() {
        Hysteresis target = new Hysteresis(3, 2, State.DOWN);

        assertThat(target.record(true)).isEmpty();
        assertThat(target.record(false)).isEmpty();
        assertThat(target.record(true)).isEmpty();
        assertThat(target.record(true)).contains(State.UP);
        assertThat(target.record(true)).isEmpty();
    }

    @Test
    void aFlappingTargetNeverFlipsWhenNoStreakReachesFallOrRise() {
        Hysteresis up = new Hysteresis(3, 3, State.UP);
        Hysteresis unknown = new Hysteresis(3, 3);
        boolean[] flapping = {false, true, false, false, true, false, true, true, false, false, true};

        for (boolean passed : flapping) {
            assertThat(up.record(passed)).isEmpty();
            assertThat(unknown.record(passed)).isEmpty();
        }
        assertThat(up.state()).isEqualTo(State.UP);
        assertThat(unknown.state()).isEqualTo(State.UNKNOWN);
    }

    @Test
    void oneFailureOrOnePassNeverFlipsIt() {
        Hysteresis up = new Hysteresis(3, 3, State.UP);
        Hysteresis down = new Hysteresis(3, 3, State.DOWN);

        assertThat(up.record(false)).isEmpty();
        assertThat(down.record(true)).isEmpty();
        assertThat(up.state()).isEqualTo(State.UP);
        assertThat(down.state()).isEqualTo(State.DOWN);
    }

    /**
     * Over many seeded random sequences: the state is DOWN exactly when the last streak of failures
     * reached fall after the last streak of passes that reached rise, and the other way round; and a
     * change is reported exactly when the state changes.
     */
    @Test
    void theStateAlwaysFollowsTheLastStreakLongEnoughToCount() {
        Random random = new Random(20261207L);
        for (int run = 0; run < 2_000; run++) {
            int fall = 1 + random.nextInt(4);
            int rise = 1 + random.nextInt(4);
            double passRate = random.nextDouble();
            Hysteresis target = new Hysteresis(fall, rise);
            List<Boolean> seen = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                boolean passed = random.nextDouble() < passRate;
                seen.add(passed);
                State before = target.state();
                Optional<State> reported = target.record(passed);
                State expected = expectedState(seen, fall, rise);

                assertThat(target.state()).as("fall %d rise %d after %s", fall, rise, seen).isEqualTo(expected);
                assertThat(reported).as("fall %d rise %d after %s", fall, rise, seen)
                        .isEqualTo(expected == before ? Optional.empty() : Optional.of(expected));
            }
        }
    }

    @Test
    void fallAndRiseBelowOneAreRefused() {
        assertThatThrownBy(() -> new Hysteresis(0, 3)).hasMessageContaining("fall and rise must be 1 or more");
        assertThatThrownBy(() -> new Hysteresis(3, 0)).hasMessageContaining("fall and rise must be 1 or more");
    }

    /** Reads the sequence backwards: the most recent streak that was long enough decides. */
    private static State expectedState(List<Boolean> results, int fall, int rise) {
        int end = results.size();
        while (end > 0) {
            boolean value = results.get(end - 1);
            int start = end;
            while (start > 0 && results.get(start - 1) == value) {
                start--;
            }
            int length = end - start;
            if (value ? length >= rise : length >= fall) {
                return value ? State.UP : State.DOWN;
            }
            end = start;
        }
        return State.UNKNOWN;
    }
}
