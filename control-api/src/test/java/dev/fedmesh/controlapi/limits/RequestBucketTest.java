package dev.fedmesh.controlapi.limits;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RequestBucketTest {
    private final AtomicLong now = new AtomicLong(1_000);

    @Test
    void aFullBucketLetsABurstThroughThenSaysHowLongToWait() {
        RequestBucket bucket = new RequestBucket(2, 3, now::get);

        assertThat(bucket.take()).isZero();
        assertThat(bucket.take()).isZero();
        assertThat(bucket.take()).isZero();
        assertThat(bucket.take()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
    }

    @Test
    void theBucketRefillsAtTheRateButNeverAboveTheBurst() {
        RequestBucket bucket = new RequestBucket(2, 3, now::get);
        for (int i = 0; i < 3; i++) {
            bucket.take();
        }

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(bucket.take()).isZero();
        assertThat(bucket.take()).isPositive();

        now.addAndGet(TimeUnit.HOURS.toNanos(1));
        for (int i = 0; i < 3; i++) {
            assertThat(bucket.take()).isZero();
        }
        assertThat(bucket.take()).isPositive();
    }
}
