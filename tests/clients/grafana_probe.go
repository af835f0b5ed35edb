// What Grafana's PostgreSQL data source sends, through the pgconn layer it queries with
// (Grafana reads results with pgconn's Exec: the simple protocol, several statements in one
// query allowed). Debian's pgconn 1.x is used here; Grafana 12 uses pgconn 5, whose Exec sends
// the same messages. The queries are those of Grafana's data source settings page, its query
// editor (tables and a table's columns) and a time-series panel with its macros expanded.
//
// Usage: GO111MODULE=off GOPATH=/usr/share/gocode go run grafana_probe.go DSN
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgconn"
)

const searchPath = `quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )`

func run(conn *pgconn.PgConn, name, sql string) [][][]byte {
	results, err := conn.Exec(context.Background(), sql).ReadAll()
	if err != nil {
		fmt.Printf("%s: error %v\n", name, err)
		return nil
	}
	last := results[len(results)-1]
	if last.Err != nil {
		fmt.Printf("%s: error %v\n", name, last.Err)
		return nil
	}
	return last.Rows
}

func main() {
	conn, err := pgconn.Connect(context.Background(), os.Args[1])
	if err != nil {
		fmt.Println("connect:", err)
		os.Exit(1)
	}
	defer conn.Close(context.Background())

	// Settings page: the server's version.
	if rows := run(conn, "version", "SELECT current_setting('server_version_num')::int/100 as version"); rows != nil {
		fmt.Printf("version %s\n", rows[0][0])
	}
	// Query editor: the tables of the search path, then the columns of the one picked.
	tables := run(conn, "tables", `SELECT
    CASE WHEN `+searchPath+`
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog')
    ORDER BY 1`)
	picked := ""
	for _, t := range tables {
		if strings.HasSuffix(string(t[0]), "current_ratings") {
			picked = string(t[0])
		}
	}
	fmt.Printf("tables %d picked %s\n", len(tables), picked)
	quoted := "'" + strings.ReplaceAll(picked, "'", "''") + "'"
	columns := run(conn, "columns", `SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident(`+quoted+`),1) = 2
        THEN quote_ident(table_schema) = (parse_ident(`+quoted+`))[1]
          AND quote_ident(table_name) = (parse_ident(`+quoted+`))[2]
        ELSE quote_ident(table_name) = `+quoted+`
          AND `+searchPath+`
      END`)
	types := map[string]string{}
	for _, c := range columns {
		types[string(c[0])] = string(c[1])
	}
	fmt.Printf("columns %d period_end %s value %s council_code %s\n",
		len(columns), types["period_end"], types["value"], types["council_code"])
	// A panel: two statements in one query, then $__timeGroupAlias(period_end, 1y) and
	// $__timeFilter(period_end) as Grafana expands them.
	rows := run(conn, "panel", `SET TIMEZONE TO 'UTC'; SELECT floor(extract(epoch from period_end)/31536000)*31536000 AS "time",
    count(*) AS value FROM current_ratings
    WHERE period_end BETWEEN '2024-04-01T00:00:00Z' AND '2024-07-01T00:00:00Z'
    GROUP BY 1 ORDER BY 1`)
	for _, r := range rows {
		fmt.Printf("panel %s %s\n", r[0], r[1])
	}
}
