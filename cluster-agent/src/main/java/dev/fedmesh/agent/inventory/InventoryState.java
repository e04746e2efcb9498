package dev.fedmesh.agent.inventory;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.agent.state.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a cluster's inventory that survives an agent restart, kept in
 * {@code <state dir>/<tenant>/<cluster>/endpoints.json}: the endpoints registered through the API,
 * and those whose workloads were connected. At start the registered ones come back as they were;
 * the connected ones come back as {@link EndpointSource#RESTORED}, so callers keep them while the
 * workloads reconnect, and those whose workload has not reconnected when the grace period ends are
 * removed. The file is rewritten durably ({@link DurableFiles}) whenever either set changes; a
 * damaged one is moved aside and the agent starts without it.
 */
public final class InventoryState implements AutoCloseable {

    /** The file's name in the cluster's state directory. */
    public static final String FILE_NAME = "endpoints.json";

    private static final Logger LOG = LoggerFactory.getLogger(InventoryState.class);
    private static final String REGISTERED = "registered";
    private static final String CONNECTED = "connected";

    private final String tenant;
    private final String cluster;
    private final Path file;
    private final ScheduledExecutorService timer;
    private LocalInventory inventory;
    private String written;
    private boolean closed;

    /** Keeps the state of the agent of {@code cluster} of {@code tenant} in {@code clusterDirectory}. */
    public InventoryState(Path clusterDirectory, String tenant, String cluster) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.file = clusterDirectory.resolve(FILE_NAME);
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-inventory-grace-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
    }

    public Path file() {
        return file;
    }

    /**
     * Puts the kept endpoints back into {@code inventory}, keeps the file up to date with its changes
     * from now on, and removes the restored connected endpoints not confirmed within {@code grace}
     * (at once for a zero grace). Returns what was restored.
     */
    public Restored attach(LocalInventory inventory, Duration grace) {
        Restored restored = load().orElse(new Restored(List.of(), List.of()));
        restored.registered().forEach(endpoint -> inventory.add(endpoint, EndpointSource.REGISTERED));
        restored.connected().forEach(endpoint -> inventory.add(endpoint, EndpointSource.RESTORED));
        String now = render(inventory.entries());
        // The inventory's lock is always taken before this one (listeners run under it), never after.
        synchronized (this) {
            this.inventory = inventory;
            this.written = now;
        }
        inventory.addListener((endpoints, generation) -> save());
        if (!restored.connected().isEmpty()) {
            LOG.info("tenant={} cluster={} restored {} registered endpoint(s) and {} endpoint(s) of workloads connected"
                            + " before the restart; those not reconnected within {} are removed", tenant, cluster,
                    restored.registered().size(), restored.connected().size(), grace);
            timer.schedule(this::expire, Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS);
        } else if (!restored.registered().isEmpty()) {
            LOG.info("tenant={} cluster={} restored {} registered endpoint(s)", tenant, cluster,
                    restored.registered().size());
        }
        return restored;
    }

    /** The endpoints read back at start: registered through the API, and of workloads connected then. */
    public record Restored(List<AnnouncedEndpoint> registered, List<AnnouncedEndpoint> connected) {
    }

    /** Stops following the inventory: from now on, nothing is written (an agent stopping keeps its connected endpoints). */
    @Override
    public synchronized void close() {
        closed = true;
        timer.shutdownNow();
    }

    private void expire() {
        LocalInventory target;
        synchronized (this) {
            if (closed) {
                return;
            }
            target = inventory;
        }
        int removed = target.expireRestored();
        if (removed > 0) {
            LOG.warn("tenant={} cluster={} removed {} endpoint(s) whose workloads were connected before the restart and"
                    + " did not reconnect in time", tenant, cluster, removed);
        }
    }

    private synchronized void save() {
        if (closed || inventory == null) {
            return;
        }
        String content = render(inventory.entries());
        if (content.equals(written)) {
            return;
        }
        try {
            DurableFiles.createDirectories(file.getParent(), DurableFiles.OWNER_ONLY_DIRECTORY);
            DurableFiles.replace(file, content.getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY_FILE);
            written = content;
        } catch (IOException | RuntimeException e) {
            LOG.warn("tenant={} cluster={} cannot write its endpoints to {} ({}); they are served, but a restart now"
                    + " would lose the registered ones: check that the state directory is writable", tenant, cluster,
                    file, e.toString());
        }
    }

    private static String render(List<LocalEndpoint> entries) {
        ListValue.Builder registered = ListValue.newBuilder();
        ListValue.Builder connected = ListValue.newBuilder();
        for (LocalEndpoint entry : entries) {
            Value fields = Value.newBuilder()
                    .setStructValue(EndpointFields.write(new AnnouncedEndpoint(entry.endpoint(), entry.serviceAccount())))
                    .build();
            if (entry.sources().contains(EndpointSource.REGISTERED)) {
                registered.addValues(fields);
            }
            if (entry.sources().contains(EndpointSource.CONNECTED) || entry.sources().contains(EndpointSource.RESTORED)) {
                connected.addValues(fields);
            }
        }
        Struct state = Struct.newBuilder()
                .putFields(REGISTERED, Value.newBuilder().setListValue(registered).build())
                .putFields(CONNECTED, Value.newBuilder().setListValue(connected).build())
                .build();
        try {
            return JsonFormat.printer().print(state) + "\n";
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a Struct always prints as JSON", e);
        }
    }

    private Optional<Restored> load() {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("tenant={} cluster={} cannot read its endpoints file {} ({}); starting without the registered and"
                    + " connected endpoints it holds: check that the file is readable by the agent", tenant, cluster,
                    file, e.toString());
            return Optional.empty();
        }
        try {
            Struct.Builder state = Struct.newBuilder();
            JsonFormat.parser().merge(content, state);
            return Optional.of(new Restored(endpoints(state.build(), REGISTERED), endpoints(state.build(), CONNECTED)));
        } catch (InvalidProtocolBufferException | InvalidEndpointException | RuntimeException e) {
            String damage = content.isEmpty() ? "it is empty" : content.length() + " characters that are not a whole"
                    + " endpoints file (" + e.getMessage() + ")";
            LOG.warn("tenant={} cluster={} endpoints file {} is damaged: {}; {}. Starting without the endpoints it held:"
                    + " workloads that connect are added again, registered ones must be registered again", tenant,
                    cluster, file, damage, movedAside());
            return Optional.empty();
        }
    }

    private static List<AnnouncedEndpoint> endpoints(Struct state, String field) throws InvalidEndpointException {
        Value list = state.getFieldsOrThrow(field);
        if (!list.hasListValue()) {
            throw new IllegalArgumentException(field + " is not a list");
        }
        List<AnnouncedEndpoint> endpoints = new ArrayList<>();
        for (Value value : list.getListValue().getValuesList()) {
            if (!value.hasStructValue()) {
                throw new IllegalArgumentException(field + " holds something other than an endpoint");
            }
            endpoints.add(EndpointFields.read(value.getStructValue(), "", Optional.empty()));
        }
        return endpoints;
    }

    private String movedAside() {
        try {
            return "moved it aside to " + DurableFiles.moveAside(file);
        } catch (IOException e) {
            return "it could not be moved aside (" + e + ")";
        }
    }
}
