package dev.fedmesh.policy.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/** A generator of random values of one kind for property tests, drawing everything from the {@link Random} it is given. */
@FunctionalInterface
public interface Gen<T> {
    /** Draws one value; the same random state always draws the same value. */
    T next(Random random);

    /** How often a number generator answers one of its bounds: the edges are where ranges go wrong. */
    double EDGE_CHANCE = 0.1;
    /** How many draws {@link #filter} tries before it calls the generator too narrow. */
    int FILTER_ATTEMPTS = 1_000;

    default <R> Gen<R> map(Function<? super T, ? extends R> mapping) {
        return random -> mapping.apply(next(random));
    }

    /** Only values that pass {@code accepted}; fails loudly rather than loop when hardly any do. */
    default Gen<T> filter(Predicate<? super T> accepted) {
        return random -> {
            for (int attempt = 0; attempt < FILTER_ATTEMPTS; attempt++) {
                T value = next(random);
                if (accepted.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("the filter refused " + FILTER_ATTEMPTS + " values in a row: widen the generator");
        };
    }

    /** Null with the given probability, otherwise a value of this generator. */
    default Gen<T> orNull(double probability) {
        return random -> random.nextDouble() < probability ? null : next(random);
    }

    /** Lists of {@code min} to {@code max} values, repeats allowed. */
    default Gen<List<T>> list(int min, int max) {
        Gen<Integer> size = integers(min, max);
        return random -> {
            int count = size.next(random);
            List<T> values = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                values.add(next(random));
            }
            return values;
        };
    }

    /** Lists of {@code min} to {@code max} values no two of which are equal. */
    default Gen<List<T>> uniqueList(int min, int max) {
        return uniqueList(min, max, Function.identity());
    }

    /** Lists of {@code min} to {@code max} values no two of which share a {@code key}. */
    default <K> Gen<List<T>> uniqueList(int min, int max, Function<? super T, K> key) {
        Gen<Integer> size = integers(min, max);
        return random -> {
            int count = size.next(random);
            Set<K> keys = new HashSet<>();
            List<T> values = new ArrayList<>(count);
            for (int attempt = 0; values.size() < count && attempt < FILTER_ATTEMPTS; attempt++) {
                T value = next(random);
                if (keys.add(key.apply(value))) {
                    values.add(value);
                }
            }
            if (values.size() < min) {
                throw new IllegalStateException("found only " + values.size() + " distinct values, " + min + " needed");
            }
            return values;
        };
    }

    /** Integers from {@code min} to {@code max}, both included, the bounds more often than chance. */
    static Gen<Integer> integers(int min, int max) {
        return longs(min, max).map(Long::intValue);
    }

    /** Longs from {@code min} to {@code max}, both included, the bounds more often than chance. */
    static Gen<Long> longs(long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("min " + min + " is above max " + max);
        }
        return random -> {
            if (random.nextDouble() < EDGE_CHANCE) {
                return random.nextBoolean() ? min : max;
            }
            if (max < Long.MAX_VALUE) {
                return random.nextLong(min, max + 1);
            }
            return min > Long.MIN_VALUE ? random.nextLong(min - 1, max) + 1 : random.nextLong();
        };
    }

    /** Any long at all, e.g. the seed of a shuffle inside a case. */
    static Gen<Long> anyLong() {
        return Random::nextLong;
    }

    static Gen<Boolean> booleans() {
        return Random::nextBoolean;
    }

    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        return of(Arrays.asList(values));
    }

    static <T> Gen<T> of(Collection<T> values) {
        List<T> choices = List.copyOf(values);
        return random -> choices.get(random.nextInt(choices.size()));
    }

    static <E extends Enum<E>> Gen<E> of(Class<E> type) {
        return of(type.getEnumConstants());
    }

    /** A value of one of {@code choices}, each chosen as often. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... choices) {
        return random -> choices[random.nextInt(choices.length)].next(random);
    }

    /** Strings of {@code min} to {@code max} characters taken from {@code alphabet}. */
    static Gen<String> strings(String alphabet, int min, int max) {
        return of(alphabet.chars().mapToObj(c -> (char) c).toList()).list(min, max)
                .map(chars -> chars.stream().collect(StringBuilder::new, StringBuilder::append, StringBuilder::append).toString());
    }

    /** Any subset of {@code values}, in their order. */
    static <T> Gen<Set<T>> subsetOf(Collection<T> values) {
        return random -> {
            Set<T> subset = new LinkedHashSet<>();
            values.forEach(value -> {
                if (random.nextBoolean()) {
                    subset.add(value);
                }
            });
            return subset;
        };
    }

    /** Maps of at most {@code maxSize} entries; a key drawn twice keeps its first value. */
    static <K, V> Gen<Map<K, V>> maps(Gen<K> keys, Gen<V> values, int maxSize) {
        Gen<Integer> size = integers(0, maxSize);
        return random -> {
            int count = size.next(random);
            Map<K, V> map = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                map.putIfAbsent(keys.next(random), values.next(random));
            }
            return map;
        };
    }
}
