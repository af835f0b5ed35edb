//! What a client may run: queries (and EXPLAIN), the session settings drivers send, SHOW,
//! transactions and cursors. Everything else (INSERT, UPDATE, DELETE, COPY, CREATE, DROP,
//! external tables, SET of server options, …) is refused with SQLSTATE 25006
//! (read_only_sql_transaction) or 42501 and changes nothing.
//!
//! Before each statement the connection's tables catch up with the warehouse, so events
//! appended by a job run or by `lapis ingest` in another process are seen without a restart.
//! Queries of the simple protocol run here, under the statement timeout, the row limit and the
//! shared memory pool; EXPLAIN output has the warehouse's path taken out.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::hooks::{HookClient, QueryHook};
use futures::StreamExt;
use pgwire::api::portal::Format;
use pgwire::api::results::{Response, Tag};
use pgwire::api::ClientInfo;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::types::format::FormatOptions;
use tracing::{info, warn};

use lapis_sql::live::LiveTables;

/// Limits of one statement.
#[derive(Debug, Clone)]
pub struct Limits {
    pub statement_timeout: Duration,
    pub max_rows: usize,
}

/// The per-connection gate.
#[derive(Debug)]
pub struct Gate {
    pub live: Arc<LiveTables>,
    pub limits: Limits,
    /// Text to take out of plans shown to clients (the warehouse's path).
    pub hide: Vec<String>,
    /// The columns of this connection's open cursors, so that a FETCH and the cursor itself
    /// can be described before they run (drivers' server-side cursors describe both).
    pub cursors:
        std::sync::Mutex<std::collections::HashMap<String, datafusion::common::DFSchemaRef>>,
    pub metrics: Arc<crate::http::Metrics>,
    pub activity: Arc<crate::pg::Activity>,
    /// The portal the connection is executing, for the extended protocol.
    pub executing: Arc<Executing>,
}

/// The row limit of a statement that reads only the catalogs, when `max_result_rows` is lower.
const CATALOG_ROWS: usize = 100_000;

/// The portal a connection is executing: its statement's text and result format. The query
/// handler sets it before the hooks run, since a hook is handed the statement, not the portal;
/// so a statement runs under the limits whichever portal holds it, named or unnamed.
#[derive(Debug, Default)]
pub struct Executing(std::sync::Mutex<Option<(String, Format)>>);

impl Executing {
    pub fn set(&self, statement: &str, format: &Format) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((statement.to_string(), format.clone()));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = None;
        }
    }

    /// The result format of the portal being executed, if it holds `statement`.
    fn format_for(&self, statement: &str) -> Option<Format> {
        let slot = self.0.lock().ok()?;
        let (text, format) = slot.as_ref()?;
        (text == statement).then(|| format.clone())
    }
}

/// A query to run: SQL text (simple protocol) or a plan with its parameters bound (extended).
enum Planned {
    Sql(String),
    Plan(LogicalPlan),
}

/// The statement type of datafusion-postgres's portals.
type DfStatement = (String, Option<(Statement, LogicalPlan)>);

pub fn error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message.into(),
    )))
}

/// Session settings that drivers send and that change nothing on the server. `SetShowHook`
/// answers the ones it knows; the rest are acknowledged here.
const CLIENT_SETTINGS: [&str; 11] = [
    "statement_timeout",
    "datestyle",
    "bytea_output",
    "intervalstyle",
    "application_name",
    "extra_float_digits",
    "search_path",
    "client_encoding",
    "client_min_messages",
    "standard_conforming_strings",
    "lc_monetary",
];

enum Verdict {
    /// A query: run it.
    Query,
    /// Let the built-in hooks or planner answer it.
    Pass,
    /// Answer with this tag and do nothing.
    Ack(&'static str),
    /// `SET timezone TO 'x'` and `SHOW timezone`: the session's time zone, as `SET TIME ZONE`
    /// and `SHOW TIME ZONE` set and show it.
    TimeZone,
    Refuse(PgWireError),
}

fn verdict(statement: &Statement) -> Verdict {
    let first_word = statement.to_string();
    let what = first_word
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    match statement {
        Statement::Query(_) | Statement::Explain { .. } => Verdict::Query,
        Statement::ShowVariable { variable }
            if variable.len() == 1 && variable[0].value.eq_ignore_ascii_case("timezone") =>
        {
            Verdict::TimeZone
        }
        Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { savepoint: None, .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. } => Verdict::Pass,
        Statement::Discard { .. } => Verdict::Ack("DISCARD ALL"),
        // Nothing is ever written, so there is nothing to go back to.
        Statement::Savepoint { .. } => Verdict::Ack("SAVEPOINT"),
        Statement::ReleaseSavepoint { .. } => Verdict::Ack("RELEASE"),
        Statement::Rollback {
            savepoint: Some(_), ..
        } => Verdict::Ack("ROLLBACK"),
        Statement::Deallocate { .. } => Verdict::Ack("DEALLOCATE"),
        Statement::Set(set) => match set {
            Set::SingleAssignment { variable, .. }
                if variable.to_string().eq_ignore_ascii_case("timezone") =>
            {
                Verdict::TimeZone
            }
            Set::SingleAssignment { variable, .. } => {
                let name = variable.to_string().to_lowercase();
                if CLIENT_SETTINGS.contains(&name.as_str()) {
                    if matches!(
                        name.as_str(),
                        "client_encoding"
                            | "client_min_messages"
                            | "standard_conforming_strings"
                            | "lc_monetary"
                    ) {
                        Verdict::Ack("SET")
                    } else {
                        Verdict::Pass
                    }
                } else {
                    Verdict::Refuse(error(
                        "42501",
                        format!("SET {name} is not allowed: clients of lapis cannot change the server's settings"),
                    ))
                }
            }
            Set::SetTimeZone { .. } | Set::SetNames { .. } | Set::SetNamesDefault {} => {
                Verdict::Pass
            }
            _ => Verdict::Refuse(error(
                "42501",
                "this SET is not allowed: clients of lapis cannot change the server's settings",
            )),
        },
        Statement::Copy { .. } | Statement::CopyIntoSnowflake { .. } => Verdict::Refuse(error(
            "25006",
            "COPY is not allowed: lapis is read-only and reads or writes no files for clients (export with SELECT)",
        )),
        _ => Verdict::Refuse(error(
            "25006",
            format!("{what} is not allowed: lapis is a read-only database (only queries run)"),
        )),
    }
}

/// `SET timezone TO 'x'` written as `SET TIME ZONE 'x'`, and `SHOW timezone` as
/// `SHOW TIME ZONE`: the forms the settings hook knows.
fn as_set_time_zone(statement: &Statement) -> Statement {
    use datafusion::sql::sqlparser::ast::Ident;
    match statement {
        Statement::ShowVariable { .. } => Statement::ShowVariable {
            variable: vec![Ident::new("time"), Ident::new("zone")],
        },
        Statement::Set(Set::SingleAssignment { values, .. }) if values.len() == 1 => {
            Statement::Set(Set::SetTimeZone {
                local: false,
                value: values[0].clone(),
            })
        }
        other => other.clone(),
    }
}

fn timeout_for(client: &(dyn ClientInfo + Send + Sync), server: Duration) -> Duration {
    client
        .metadata()
        .get("statement_timeout_ms")
        .and_then(|ms| ms.parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(|ms| Duration::from_millis(ms).min(server))
        .unwrap_or(server)
}

impl Gate {
    /// DECLARE name CURSOR FOR query: planned here so the cursor's portal carries its plan
    /// (its Describe answers with the columns), then run lazily as FETCH asks for rows.
    async fn declare(
        &self,
        stmts: &[datafusion::sql::sqlparser::ast::Declare],
        params: Option<&ParamValues>,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> PgWireResult<Response> {
        use pgwire::api::portal::Portal;
        use pgwire::api::stmt::StoredStatement;
        use pgwire::api::store::PortalStore;
        self.refresh(ctx).await?;
        for declare in stmts {
            let name = declare
                .names
                .first()
                .map(|n| n.value.clone())
                .ok_or_else(|| error("42601", "cursor name is required"))?;
            let query = declare
                .for_query
                .as_ref()
                .ok_or_else(|| error("42601", "DECLARE CURSOR requires a FOR query"))?;
            let sql = query.to_string();
            check_depth(&sql)?;
            let mut df = ctx
                .sql(&sql)
                .await
                .map_err(|e| error("42000", one_line(&e.to_string())))?;
            if let Some(params) = params {
                let plan = df
                    .logical_plan()
                    .clone()
                    .replace_params_with_values(params)
                    .map_err(|e| error("42P02", one_line(&e.to_string())))?;
                df = ctx
                    .execute_logical_plan(plan)
                    .await
                    .map_err(|e| error("42000", one_line(&e.to_string())))?;
            }
            let plan = df.logical_plan().clone();
            self.cursors
                .lock()
                .map_err(|_| error("XX000", "cursor table poisoned"))?
                .insert(name.clone(), plan.schema().clone());
            let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
            let mut rows = encode_dataframe(df, &Format::UnifiedText, Some(options)).await?;
            // The cursor's rows come as FETCHes ask for them: the limits hold over them all.
            let limit = timeout_for(client, self.limits.statement_timeout);
            let max_rows = self.row_limit(&plan, ctx);
            rows.data_rows = Box::pin(Limited::new(rows.data_rows, limit, max_rows));
            let statement: DfStatement = (sql, Some((Statement::Query(query.clone()), plan)));
            let stored = Arc::new(StoredStatement::new(name.clone(), statement, vec![]));
            let portal = Portal::new_cursor(name, stored);
            portal.start(rows).await;
            client.portal_store().put_portal(Arc::new(portal));
        }
        Ok(Response::Execution(Tag::new("DECLARE CURSOR")))
    }

    /// The most rows a statement may return: `max_result_rows`, or for a statement that reads
    /// only the catalogs (`pg_catalog`, `information_schema`: what drivers read at start-up,
    /// Npgsql's 161 types among them) at least [`CATALOG_ROWS`], since a low limit set for
    /// the warehouse's views must not stop a driver from connecting.
    fn row_limit(&self, plan: &LogicalPlan, ctx: &SessionContext) -> usize {
        use datafusion::common::tree_node::TreeNodeRecursion;
        let public = ctx.catalog("lapis").and_then(|c| c.schema("public"));
        let mut warehouse = false;
        let _ = plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                let name = &scan.table_name;
                warehouse = match name.schema() {
                    Some(schema) => schema == "public",
                    None => public.as_ref().is_some_and(|s| s.table_exist(name.table())),
                };
                if warehouse {
                    return Ok(TreeNodeRecursion::Stop);
                }
            }
            Ok(TreeNodeRecursion::Continue)
        });
        if warehouse {
            self.limits.max_rows
        } else {
            self.limits.max_rows.max(CATALOG_ROWS)
        }
    }

    /// Counts and logs a refused statement, and returns its error.
    fn refuse(&self, statement: &Statement, e: PgWireError) -> PgWireError {
        warn!(statement = %statement.to_string().chars().take(200).collect::<String>(), "Refused.");
        self.metrics
            .refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        e
    }

    /// The plan a FETCH is described by: no rows, the cursor's columns.
    fn fetch_plan(&self, statement: &Statement) -> Option<LogicalPlan> {
        let Statement::Fetch { name, .. } = statement else {
            return None;
        };
        let schema = self.cursors.lock().ok()?.get(&name.value).cloned()?;
        Some(LogicalPlan::EmptyRelation(
            datafusion::logical_expr::EmptyRelation {
                produce_one_row: false,
                schema,
            },
        ))
    }

    /// Before a query is planned: refused if it nests too deep, then the tables catch up with
    /// the warehouse.
    async fn admit(&self, statement: &Statement, ctx: &SessionContext) -> PgWireResult<()> {
        check_depth(&statement.to_string())?;
        self.refresh(ctx).await
    }

    async fn refresh(&self, ctx: &SessionContext) -> PgWireResult<()> {
        match self.live.refresh(&ctx.state()).await {
            Ok(true) => {
                info!("The warehouse moved on: this connection now sees its latest events.");
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(e) => Err(error("58000", format!("cannot read the warehouse: {e}"))),
        }
    }

    /// Takes the warehouse's path out of a plan's text.
    fn scrub(&self, batch: RecordBatch) -> RecordBatch {
        let cols: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| {
                let Some(s) = c.as_any().downcast_ref::<StringArray>() else {
                    return c.clone();
                };
                let out: StringArray = (0..s.len())
                    .map(|i| {
                        (!s.is_null(i)).then(|| {
                            let mut v = s.value(i).to_string();
                            for h in &self.hide {
                                v = v.replace(h.as_str(), "<warehouse>/");
                            }
                            v
                        })
                    })
                    .collect();
                Arc::new(out) as ArrayRef
            })
            .collect();
        RecordBatch::try_new(batch.schema(), cols).unwrap_or(batch)
    }

    /// Plans and runs a query under the limits, and encodes its rows as text.
    async fn run(
        &self,
        query: Planned,
        is_explain: bool,
        format: &Format,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> PgWireResult<Response> {
        let limit = timeout_for(client, self.limits.statement_timeout);
        let deadline = tokio::time::Instant::now() + limit;
        let timed_out = || {
            warn!(
                timeout_ms = limit.as_millis() as u64,
                "Statement timed out."
            );
            error(
                "57014",
                format!(
                    "canceling statement due to statement timeout ({} s)",
                    limit.as_secs_f64()
                ),
            )
        };
        let planned = async {
            let df = match query {
                Planned::Sql(sql) => ctx.sql(&sql).await,
                Planned::Plan(plan) => ctx.execute_logical_plan(plan).await,
            }
            .map_err(|e| error("42000", one_line(&e.to_string())))?;
            let max_rows = self.row_limit(df.logical_plan(), ctx);
            let schema = Arc::new(df.schema().as_arrow().clone());
            let stream = df
                .execute_stream()
                .await
                .map_err(|e| error("XX000", one_line(&e.to_string())))?;
            Ok::<_, PgWireError>((schema, stream, max_rows))
        };
        let (schema, mut stream, max_rows) = match tokio::time::timeout_at(deadline, planned).await
        {
            Ok(r) => r?,
            Err(_) => return Err(timed_out()),
        };
        // The rows are computed in a task of their own, so that the deadline is kept even by
        // an operator that computes for long without giving way; at the deadline the task is
        // aborted (it stops at its next await) and the client has its error on time.
        let mut work = tokio::spawn(async move {
            let mut batches = Vec::new();
            let mut rows = 0usize;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| {
                    let text = one_line(&e.to_string());
                    if text.contains("Resources exhausted") {
                        error("53200", format!("the query needs more memory than lapis allows (server.memory_limit_mib): {text}"))
                    } else {
                        error("XX000", text)
                    }
                })?;
                rows += batch.num_rows();
                if rows > max_rows {
                    return Err(error(
                        "54000",
                        format!("the result has more than {max_rows} rows (server.max_result_rows); add a filter or LIMIT"),
                    ));
                }
                batches.push(batch);
            }
            Ok::<_, PgWireError>(batches)
        });
        let batches = match tokio::time::timeout_at(deadline, &mut work).await {
            Ok(Ok(r)) => r?,
            Ok(Err(e)) => return Err(error("XX000", format!("the query failed: {e}"))),
            Err(_) => {
                work.abort();
                return Err(timed_out());
            }
        };
        let batches: Vec<RecordBatch> = if is_explain {
            batches.into_iter().map(|b| self.scrub(b)).collect()
        } else {
            batches
        };
        // The batches' own schema: a plan's schema may differ from its output in nullability.
        let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
        let table = datafusion::datasource::MemTable::try_new(schema, vec![batches])
            .map_err(|e| error("XX000", e.to_string()))?;
        let df = ctx
            .read_table(Arc::new(table))
            .map_err(|e| error("XX000", e.to_string()))?;
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let encoded = encode_dataframe(df, format, Some(options)).await?;
        Ok(Response::Query(encoded))
    }
}

/// A cursor's rows under the statement limits: an error once more than `max_rows` rows came,
/// or once computing them (the time spent waiting for the next row, summed over the FETCHes;
/// not the time the client takes between FETCHes) passed the statement timeout.
struct Limited<S> {
    rows: S,
    left: Duration,
    timeout: Duration,
    max_rows: usize,
    sent: usize,
    waiting: Option<(std::time::Instant, std::pin::Pin<Box<tokio::time::Sleep>>)>,
    done: bool,
}

impl<S> Limited<S> {
    fn new(rows: S, timeout: Duration, max_rows: usize) -> Limited<S> {
        Limited {
            rows,
            left: timeout,
            timeout,
            max_rows,
            sent: 0,
            waiting: None,
            done: false,
        }
    }
}

impl<S> futures::Stream for Limited<S>
where
    S: futures::Stream<Item = PgWireResult<pgwire::messages::data::DataRow>> + Unpin,
{
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let started = std::time::Instant::now();
        match this.rows.poll_next_unpin(cx) {
            Poll::Ready(item) => {
                if let Some((since, _)) = this.waiting.take() {
                    this.left = this.left.saturating_sub(since.elapsed());
                }
                this.left = this.left.saturating_sub(started.elapsed());
                if item.is_none() {
                    this.done = true;
                    return Poll::Ready(None);
                }
                this.sent += 1;
                if this.sent > this.max_rows {
                    this.done = true;
                    return Poll::Ready(Some(Err(error(
                        "54000",
                        format!("the cursor has more than {} rows (server.max_result_rows); add a filter or LIMIT", this.max_rows),
                    ))));
                }
                if this.left.is_zero() {
                    return Poll::Ready(Some(Err(this.timed_out())));
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let left = this.left;
                let (_, sleep) = this
                    .waiting
                    .get_or_insert_with(|| (started, Box::pin(tokio::time::sleep(left))));
                match std::future::Future::poll(sleep.as_mut(), cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(this.timed_out()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<S> Limited<S> {
    fn timed_out(&mut self) -> PgWireError {
        self.done = true;
        warn!(
            timeout_ms = self.timeout.as_millis() as u64,
            "Cursor timed out."
        );
        error(
            "57014",
            format!(
                "canceling statement due to statement timeout ({} s, summed over the cursor's FETCHes)",
                self.timeout.as_secs_f64()
            ),
        )
    }
}

/// Rewrites what PostgreSQL clients send and DataFusion does not take: `LIKE … ESCAPE 'c'`
/// with an escape character other than backslash (SQLAlchemy's inspector sends `ESCAPE '/'`).
/// `None` when nothing needed rewriting.
fn pg_compat(statement: &Statement) -> Option<Statement> {
    use datafusion::sql::sqlparser::ast::{visit_expressions_mut, Expr};
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    use std::ops::ControlFlow;
    let mut changed = false;
    let mut out = statement.clone();
    let _ = visit_expressions_mut(&mut out, |e| {
        if let Expr::Like {
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            pattern,
            escape_char,
            ..
        } = e
        {
            let esc = escape_char
                .as_ref()
                .and_then(|v| v.value.clone().into_string());
            if let Some(esc) = esc.filter(|c| c != "\\") {
                let snippet = format!(
                    "replace(replace({pattern}, '\\', '\\\\'), '{}', '\\')",
                    esc.replace('\'', "''")
                );
                if let Ok(new) = Parser::new(&PostgreSqlDialect {})
                    .try_with_sql(&snippet)
                    .and_then(|mut p| p.parse_expr())
                {
                    **pattern = new;
                    *escape_char = None;
                    changed = true;
                }
            }
        }
        // pg_type's regproc columns (typreceive, typinput, …) hold procedure names in this
        // catalog, where PostgreSQL compares them with pg_proc.oid: compare names instead.
        if let Expr::BinaryOp { left, op, right } = e {
            use datafusion::sql::sqlparser::ast::{BinaryOperator, Ident};
            let regproc = |x: &Expr| match x {
                Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|p| {
                    matches!(
                        p.value.to_lowercase().as_str(),
                        "typreceive" | "typinput" | "typoutput" | "typsend"
                    )
                }),
                _ => false,
            };
            let oid_of = |x: &mut Expr| -> bool {
                if let Expr::CompoundIdentifier(parts) = x {
                    if let Some(last) = parts.last_mut() {
                        if last.value.eq_ignore_ascii_case("oid") {
                            *last = Ident::new("proname");
                            return true;
                        }
                    }
                }
                false
            };
            if *op == BinaryOperator::Eq
                && (regproc(right) && oid_of(left) || regproc(left) && oid_of(right))
            {
                changed = true;
            }
        }
        // A scalar subquery that returns one column without aggregating (Npgsql's type query
        // has `(SELECT rngtypid FROM pg_range WHERE rngmultitypid = typ.oid)`): DataFusion wants
        // correlated ones aggregated. PostgreSQL fails on a second row; taking max() of at most
        // one row gives the same answer.
        if let Expr::Subquery(query) = e {
            if let Some(wrapped) = aggregate_scalar_subquery(query) {
                **query = wrapped;
                changed = true;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if pg_information_schema(&mut out) {
        changed = true;
    }
    changed.then_some(out)
}

/// `information_schema.columns` with PostgreSQL's type names in `data_type` (`text`,
/// `integer`, `double precision`, `date`, `timestamp with time zone`, …) where DataFusion's
/// says `Utf8`, `Int32`, `Float64`: Grafana's query editor reads column types from there to
/// know a time column from a value. Returns whether the statement read it.
fn pg_information_schema(statement: &mut Statement) -> bool {
    use datafusion::sql::sqlparser::ast::{
        Ident, SetExpr, TableAlias, TableFactor, VisitMut, VisitorMut,
    };
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    use std::ops::ControlFlow;
    const COLUMNS: &str = "SELECT table_catalog, table_schema, table_name, column_name, \
        ordinal_position, column_default, is_nullable, \
        CASE WHEN data_type IN ('Utf8', 'LargeUtf8', 'Utf8View') THEN 'text' \
             WHEN data_type = 'Int16' THEN 'smallint' \
             WHEN data_type = 'Int32' THEN 'integer' \
             WHEN data_type = 'Int64' THEN 'bigint' \
             WHEN data_type = 'Float32' THEN 'real' \
             WHEN data_type = 'Float64' THEN 'double precision' \
             WHEN data_type = 'Boolean' THEN 'boolean' \
             WHEN data_type = 'Date32' THEN 'date' \
             WHEN data_type IN ('Binary', 'LargeBinary') THEN 'bytea' \
             WHEN data_type LIKE 'List(%' THEN 'ARRAY' \
             WHEN data_type LIKE 'Timestamp(%,%' THEN 'timestamp with time zone' \
             WHEN data_type LIKE 'Timestamp(%' THEN 'timestamp without time zone' \
             ELSE data_type END AS data_type, \
        character_maximum_length, character_octet_length, numeric_precision, \
        numeric_precision_radix, numeric_scale, datetime_precision, interval_type \
        FROM information_schema.columns";
    struct Columns(bool);
    impl VisitorMut for Columns {
        type Break = ();
        fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table { name, alias, .. } = factor else {
                return ControlFlow::Continue(());
            };
            let parts: Vec<String> = name
                .0
                .iter()
                .map(|p| p.to_string().trim_matches('"').to_lowercase())
                .collect();
            let is_columns = matches!(
                parts
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["information_schema", "columns"] | [_, "information_schema", "columns"]
            );
            if !is_columns {
                return ControlFlow::Continue(());
            }
            let Ok(Statement::Query(query)) = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(COLUMNS)
                .and_then(|mut p| p.parse_statement())
            else {
                return ControlFlow::Continue(());
            };
            debug_assert!(matches!(*query.body, SetExpr::Select(_)));
            let alias = alias.clone().unwrap_or(TableAlias {
                explicit: true,
                name: Ident::new("columns"),
                columns: vec![],
                at: None,
            });
            *factor = TableFactor::Derived {
                lateral: false,
                subquery: query,
                alias: Some(alias),
                sample: None,
            };
            self.0 = true;
            ControlFlow::Continue(())
        }
    }
    let mut columns = Columns(false);
    let _ = statement.visit(&mut columns);
    columns.0
}

/// Gives each parameter written with a cast (`$1::VARCHAR`, what SQLAlchemy writes) the cast's
/// type, subqueries included. datafusion-postgres types the parameters it cannot infer from
/// the casts of the outer query only, so one inside a subquery was announced with no type and
/// the values bound after it were read as the wrong types (SQLAlchemy's `get_columns` failed
/// with "Failed to parse parameter").
fn typed_placeholders(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    use datafusion::arrow::datatypes::Field;
    use datafusion::common::tree_node::{Transformed, TreeNode};
    use datafusion::logical_expr::expr::Placeholder;
    use datafusion::logical_expr::Expr;
    let give = |expr: &mut Box<Expr>, data_type: &datafusion::arrow::datatypes::DataType| {
        if let Expr::Placeholder(Placeholder { id, field: None }) = expr.as_ref() {
            let field = Field::new(id.as_str(), data_type.clone(), true);
            **expr = Expr::Placeholder(Placeholder {
                id: id.clone(),
                field: Some(Arc::new(field)),
            });
            true
        } else {
            false
        }
    };
    let typed = |e: Expr| -> datafusion::error::Result<Transformed<Expr>> {
        Ok(match e {
            Expr::Cast(mut c) => {
                let data_type = c.field.data_type().clone();
                let changed = give(&mut c.expr, &data_type);
                Transformed::new_transformed(Expr::Cast(c), changed)
            }
            Expr::TryCast(mut c) => {
                let data_type = c.field.data_type().clone();
                let changed = give(&mut c.expr, &data_type);
                Transformed::new_transformed(Expr::TryCast(c), changed)
            }
            other => Transformed::no(other),
        })
    };
    let plan = plan
        .transform_up_with_subqueries(|node| node.map_expressions(|e| e.transform_up(typed)))?
        .data;
    // The compatibility rewrite replaces a correlated subquery of the select list with NULL
    // (SQLAlchemy's `identity_options`), parameters and all: the parameters after them would
    // then be announced (and read) one place early. Each lost position is kept by an unused
    // `$n IS NULL OR true` filter, which the optimiser removes.
    let ids: std::collections::BTreeSet<usize> = plan
        .get_parameter_types()?
        .keys()
        .filter_map(|k| k.trim_start_matches('$').parse().ok())
        .collect();
    let Some(&last) = ids.last() else {
        return Ok(plan);
    };
    let lost: Vec<usize> = (1..last).filter(|k| !ids.contains(k)).collect();
    if lost.is_empty() {
        return Ok(plan);
    }
    let mut keep = datafusion::logical_expr::lit(true);
    for k in lost {
        let unused = Expr::Placeholder(Placeholder {
            id: format!("${k}"),
            field: None,
        })
        .is_null();
        keep = unused.or(keep);
    }
    datafusion::logical_expr::LogicalPlanBuilder::from(plan)
        .filter(keep)?
        .build()
}

fn aggregate_scalar_subquery(
    query: &datafusion::sql::sqlparser::ast::Query,
) -> Option<datafusion::sql::sqlparser::ast::Query> {
    use datafusion::sql::sqlparser::ast::{GroupByExpr, SelectItem, SetExpr};
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    if select.projection.len() != 1
        || grouped
        || select.having.is_some()
        || query.limit_clause.is_some()
    {
        return None;
    }
    let expr = match &select.projection[0] {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return None,
    };
    let text = expr.to_string().to_lowercase();
    if [
        "count(",
        "max(",
        "min(",
        "sum(",
        "avg(",
        "array_agg(",
        "string_agg(",
        "bool_and(",
        "bool_or(",
        "every(",
    ]
    .iter()
    .any(|a| text.contains(a))
    {
        return None;
    }
    let aggregated = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&format!("max({expr})"))
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let mut q = query.clone();
    if let SetExpr::Select(sel) = q.body.as_mut() {
        sel.projection[0] = match &sel.projection[0] {
            SelectItem::ExprWithAlias { alias, .. } => SelectItem::ExprWithAlias {
                expr: aggregated,
                alias: alias.clone(),
            },
            _ => SelectItem::UnnamedExpr(aggregated),
        };
    }
    Some(q)
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_depth(sql: &str) -> PgWireResult<()> {
    lapis_sql::check_depth(sql).map_err(|e| error("54001", e.to_string()))
}

#[async_trait]
impl QueryHook for Gate {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let _busy = self.activity.begin();
        if let Statement::Declare { stmts } = statement {
            return Some(self.declare(stmts, None, ctx, client).await);
        }
        match verdict(statement) {
            Verdict::Query => {
                if let Err(e) = self.admit(statement, ctx).await {
                    return Some(Err(e));
                }
                let rewritten = pg_compat(statement);
                let started = std::time::Instant::now();
                let statement = rewritten.as_ref().unwrap_or(statement);
                let is_explain = matches!(statement, Statement::Explain { .. });
                let result = self
                    .run(
                        Planned::Sql(statement.to_string()),
                        is_explain,
                        &Format::UnifiedText,
                        ctx,
                        client,
                    )
                    .await;
                self.metrics.observe(started.elapsed(), result.is_ok());
                Some(result)
            }
            Verdict::Pass => None,
            Verdict::Ack(tag) => Some(Ok(Response::Execution(Tag::new(tag)))),
            Verdict::TimeZone => {
                datafusion_postgres::hooks::set_show::SetShowHook
                    .handle_simple_query(&as_set_time_zone(statement), ctx, client)
                    .await
            }
            Verdict::Refuse(e) => Some(Err(self.refuse(statement, e))),
        }
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        let _busy = self.activity.begin();
        if let Some(plan) = self.fetch_plan(statement) {
            return Some(Ok(plan));
        }
        match verdict(statement) {
            Verdict::Query => {
                if let Err(e) = self.admit(statement, ctx).await {
                    return Some(Err(e));
                }
                let rewritten = pg_compat(statement).unwrap_or_else(|| statement.clone());
                let planned = ctx
                    .state()
                    .statement_to_plan(datafusion::sql::parser::Statement::Statement(Box::new(
                        rewritten,
                    )))
                    .await
                    .and_then(typed_placeholders)
                    .map_err(|e| error("42000", one_line(&e.to_string())));
                Some(planned)
            }
            Verdict::Pass | Verdict::TimeZone => None,
            Verdict::Ack(_) => {
                let empty = datafusion::common::DFSchema::empty();
                Some(Ok(LogicalPlan::EmptyRelation(
                    datafusion::logical_expr::EmptyRelation {
                        produce_one_row: false,
                        schema: Arc::new(empty),
                    },
                )))
            }
            Verdict::Refuse(e) => Some(Err(self.refuse(statement, e))),
        }
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        plan: &LogicalPlan,
        params: &ParamValues,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let _busy = self.activity.begin();
        if let Statement::Declare { stmts } = statement {
            return Some(self.declare(stmts, Some(params), ctx, client).await);
        }
        if let Verdict::Query = verdict(statement) {
            // Run here, under the limits, in the result format of the portal that holds this
            // statement.
            let Some(format) = self.executing.format_for(&statement.to_string()) else {
                warn!("No portal being executed holds this statement: refused.");
                return Some(Err(error(
                    "XX000",
                    "internal error: the statement's portal is not known; run it again",
                )));
            };
            let plan = match plan.clone().replace_params_with_values(params) {
                Ok(p) => p,
                Err(e) => return Some(Err(error("42P02", one_line(&e.to_string())))),
            };
            let is_explain = matches!(statement, Statement::Explain { .. });
            let started = std::time::Instant::now();
            let result = self
                .run(Planned::Plan(plan), is_explain, &format, ctx, client)
                .await;
            self.metrics.observe(started.elapsed(), result.is_ok());
            return Some(result);
        }
        match verdict(statement) {
            Verdict::TimeZone => {
                datafusion_postgres::hooks::set_show::SetShowHook
                    .handle_extended_query(&as_set_time_zone(statement), plan, params, ctx, client)
                    .await
            }
            Verdict::Ack(tag) => Some(Ok(Response::Execution(Tag::new(tag)))),
            Verdict::Refuse(e) => Some(Err(e)),
            _ => None,
        }
    }
}
