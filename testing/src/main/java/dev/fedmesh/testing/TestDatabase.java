package dev.fedmesh.testing;

import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Where one test's own database is and how to log in to it. */
public record TestDatabase(String jdbcUrl, String username, String password) {

    /** A plain, unpooled DataSource for this database: each getConnection() opens a new connection. */
    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setUser(username);
        dataSource.setPassword(password);
        return dataSource;
    }

    @Override
    public String toString() {
        return "TestDatabase[jdbcUrl=" + jdbcUrl + ", username=" + username + "]";
    }
}
