import java.sql.*;
// What DBeaver, Metabase and Tableau do through the PostgreSQL JDBC driver: connect with a
// password, read DatabaseMetaData (tables, views, columns), run a prepared statement.
// Usage: java -cp <dir>:postgresql.jar JdbcProbe URL USER PASSWORD
public class JdbcProbe {
    public static void main(String[] a) throws Exception {
        Connection c = DriverManager.getConnection(a[0], a[1], a[2]);
        DatabaseMetaData md = c.getMetaData();
        System.out.println("product " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
        int tables = 0, views = 0;
        try (ResultSet rs = md.getTables(null, "public", "%", new String[]{"TABLE", "VIEW"})) {
            while (rs.next()) { if ("VIEW".equals(rs.getString("TABLE_TYPE"))) views++; else tables++; }
        }
        System.out.println("tables " + tables + " views " + views);
        int cols = 0; String first = null;
        try (ResultSet rs = md.getColumns(null, "public", "current_ratings", "%")) {
            while (rs.next()) { if (first == null) first = rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"); cols++; }
        }
        System.out.println("columns " + cols + " first " + first);
        try (PreparedStatement ps = c.prepareStatement("select count(*) from observations where council_code = ?")) {
            ps.setString(1, "E10000007");
            try (ResultSet rs = ps.executeQuery()) { rs.next(); System.out.println("count " + rs.getLong(1)); }
        }
        // A fetch size outside autocommit: the driver binds a named portal and reads it 10 rows
        // at a time (what DBeaver and Tableau do with large results). The server's limits hold.
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.setFetchSize(10);
            int n = 0;
            try (ResultSet rs = s.executeQuery("select measure_id, value from observations order by event_id limit 40")) {
                while (rs.next()) n++;
            }
            System.out.println("fetched " + n);
            s.execute("set statement_timeout = '1s'");
            for (String sql : new String[]{
                    "select * from observations",
                    "select count(*) from observations a, observations b, observations c, observations d where a.value + b.value > c.value + d.value"}) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) {}
                    System.out.println("ran");
                } catch (SQLException e) {
                    System.out.println("error " + e.getSQLState());
                }
                c.rollback();
            }
        }
        c.close();
    }
}
