package dev.fedmesh.db.codegen;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.jooq.Constants;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Target;

/**
 * Generates the jOOQ classes of our schema from the Flyway migrations themselves: migrates a
 * throw-away embedded PostgreSQL, then reads the real catalog, so column types, defaults and
 * checks are exactly PostgreSQL's. Skips all of it when neither the migrations nor this
 * configuration changed since the output was generated.
 *
 * <p>Usage: {@code JooqFromMigrations <migrations directory> <output directory>}
 */
public final class JooqFromMigrations {

    static final String PACKAGE = "dev.fedmesh.db.jooq";
    private static final String STAMP_FILE = ".generated-from.sha256";

    private JooqFromMigrations() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException(
                    "usage: JooqFromMigrations <migrations directory> <output directory>, got " + List.of(args));
        }
        Path migrations = Path.of(args[0]).toAbsolutePath();
        Path output = Path.of(args[1]).toAbsolutePath();
        if (!Files.isDirectory(migrations)) {
            throw new IllegalArgumentException("migrations directory " + migrations + " does not exist");
        }
        generate(migrations, output);
    }

    static void generate(Path migrations, Path output) throws Exception {
        long started = System.nanoTime();
        Configuration configuration = jooqConfiguration(output);
        String fingerprint = fingerprint(migrations, configuration);
        Path stamp = output.resolve(PACKAGE.replace('.', '/')).resolve(STAMP_FILE);
        if (Files.exists(stamp) && Files.readString(stamp).equals(fingerprint)) {
            System.out.println("jOOQ classes in " + output + " are up to date with " + migrations);
            return;
        }

        try (EmbeddedPostgres postgres = startPostgres()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            Flyway.configure()
                    .dataSource(url, "postgres", "")
                    .locations("filesystem:" + migrations)
                    .load()
                    .migrate();
            try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
                GenerationTool generator = new GenerationTool();
                generator.setConnection(connection);
                generator.run(configuration);
            }
        }
        Files.writeString(stamp, fingerprint);
        System.out.printf("jOOQ classes generated from %s into %s in %d ms%n",
                migrations, output, (System.nanoTime() - started) / 1_000_000);
    }

    static Configuration jooqConfiguration(Path output) {
        return new Configuration()
                .withGenerator(new Generator()
                        .withName("org.jooq.codegen.JavaGenerator")
                        .withDatabase(new Database()
                                .withName("org.jooq.meta.postgres.PostgresDatabase")
                                .withInputSchema("public")
                                .withIncludes(".*")
                                .withExcludes("flyway_schema_history"))
                        .withGenerate(new Generate()
                                .withJavaTimeTypes(true)
                                // Tables, their TableRecords, keys and indexes; no POJOs, DAOs or Java records.
                                .withRecords(true)
                                .withPojos(false)
                                .withPojosAsJavaRecordClasses(false)
                                .withDaos(false)
                                // Trigger functions (outbox_notify) are not meant to be called from Java.
                                .withRoutines(false)
                                .withGeneratedAnnotation(false))
                        .withTarget(new Target()
                                .withPackageName(PACKAGE)
                                .withDirectory(output.toString())
                                .withClean(true)));
    }

    private static EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder()
                // Throw-away data: durability buys nothing here.
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
    }

    /** What the output depends on: every migration file (name and bytes), this configuration and jOOQ's version. */
    private static String fingerprint(Path migrations, Configuration configuration) throws IOException {
        MessageDigest digest = sha256();
        try (Stream<Path> files = Files.walk(migrations)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                digest.update(migrations.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Files.readAllBytes(file));
                digest.update((byte) 0);
            }
        }
        digest.update(configuration.toString().getBytes(StandardCharsets.UTF_8));
        digest.update(Constants.VERSION.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
