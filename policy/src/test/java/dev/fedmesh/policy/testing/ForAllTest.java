package dev.fedmesh.policy.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ForAllTest {
    private static final Gen<Integer> NUMBERS = Gen.integers(0, 1_000_000);

    // The seed a build was given (-Dfedmesh.seed) stays for the property tests run after these.
    private final String givenSeed = System.getProperty(ForAll.SEED_PROPERTY);

    @AfterEach
    void restoreTheGivenSeed() {
        if (givenSeed == null) {
            System.clearProperty(ForAll.SEED_PROPERTY);
        } else {
            System.setProperty(ForAll.SEED_PROPERTY, givenSeed);
        }
    }

    @Test
    void aFailingCaseNamesThePropertyTheSeedTheCaseAndItsValue() {
        System.setProperty(ForAll.SEED_PROPERTY, "42");
        List<Integer> seen = new ArrayList<>();

        assertThatThrownBy(() -> ForAll.cases(100, NUMBERS, n -> {
            seen.add(n);
            assertThat(seen).hasSizeLessThan(8);
        }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ForAllTest.aFailingCaseNamesThePropertyTheSeedTheCaseAndItsValue")
                .hasMessageContaining("failed on case 7 of 100 from seed 42 (rerun with -Dfedmesh.seed=42)")
                .hasMessageContaining(String.valueOf(seen.get(7)));
    }

    @Test
    void theSameSeedDrawsTheSameCasesAndAnotherSeedOthers() {
        assertThat(draw(100, "7")).isEqualTo(draw(100, "7")).isNotEqualTo(draw(100, "8"));
    }

    @Test
    void withoutASeedEveryRunDrawsTheDefaultSeedsCases() {
        assumeTrue(System.getenv(ForAll.SEED_VARIABLE) == null, "a seed is given in the environment");

        assertThat(draw(50, null)).isEqualTo(draw(50, String.valueOf(ForAll.DEFAULT_SEED)));
    }

    @Test
    void aSeedThatIsNoNumberIsRefusedNamingTheSetting() {
        System.setProperty(ForAll.SEED_PROPERTY, "forty-two");

        assertThatThrownBy(() -> ForAll.cases(1, NUMBERS, n -> { }))
                .hasMessageContaining("fedmesh.seed").hasMessageContaining("'forty-two'");
    }

    @Test
    void numbersReachBothBoundsAndNeverLeaveThem() {
        List<Integer> drawn = new ArrayList<>();

        ForAll.cases(500, Gen.integers(-3, 3), drawn::add);

        assertThat(drawn).allSatisfy(n -> assertThat(n).isBetween(-3, 3)).contains(-3, 3);
    }

    @Test
    void uniqueListsHoldNoTwoEqualValues() {
        ForAll.cases(200, Gen.integers(0, 20).uniqueList(0, 10),
                list -> assertThat(list).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(10));
    }

    private static List<Integer> draw(int tries, String seed) {
        if (seed == null) {
            System.clearProperty(ForAll.SEED_PROPERTY);
        } else {
            System.setProperty(ForAll.SEED_PROPERTY, seed);
        }
        List<Integer> drawn = new ArrayList<>();
        ForAll.cases(tries, NUMBERS, drawn::add);
        return drawn;
    }
}
