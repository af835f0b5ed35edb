//! The PostgreSQL-protocol listener: checks its settings before it listens (users, TLS, the
//! address), then gives each connection its own session, gate and start-up handler.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion_postgres::auth::AuthManager;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::hooks::QueryHook;
use datafusion_postgres::DfSessionService;
use lapis_sql::Definitions;
use lapis_store::Warehouse;
use pgwire::api::auth::StartupHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::PgWireServerHandlers;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use crate::auth::{Auth, Users};
use crate::gate::{Gate, Limits};
use crate::scram::Verifier;

/// When a connection last did something, and whether a statement is running now.
#[derive(Debug)]
pub struct Activity {
    since: std::sync::Mutex<std::time::Instant>,
    running: std::sync::atomic::AtomicUsize,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            since: std::sync::Mutex::new(std::time::Instant::now()),
            running: Default::default(),
        }
    }
}

impl Activity {
    /// A statement starts; the returned guard marks its end.
    pub fn begin(self: &Arc<Self>) -> ActivityGuard {
        self.running
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.touch();
        ActivityGuard(self.clone())
    }
    fn touch(&self) {
        if let Ok(mut t) = self.since.lock() {
            *t = std::time::Instant::now();
        }
    }
    /// How long the connection has done nothing (zero while a statement runs).
    fn idle_for(&self) -> Duration {
        if self.running.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        self.since.lock().map(|t| t.elapsed()).unwrap_or_default()
    }
}

/// Marks the end of a statement when dropped.
#[derive(Debug)]
pub struct ActivityGuard(Arc<Activity>);

impl Drop for ActivityGuard {
    fn drop(&mut self) {
        self.0.touch();
        self.0
            .running
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Tells a client over `max_connections` why, in the protocol's own words (SQLSTATE 53300),
/// whatever it sent first, and closes.
async fn refuse(mut socket: tokio::net::TcpStream, max: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // libpq asks for TLS first (SSLRequest) and shows no error sent in answer to that: decline
    // TLS for this refusal, read the start-up message, then answer it with the error.
    let read_packet = async {
        let mut len = [0u8; 4];
        socket.read_exact(&mut len).await?;
        let n = u32::from_be_bytes(len).saturating_sub(4).min(10_000) as usize;
        let mut rest = vec![0u8; n];
        socket.read_exact(&mut rest).await?;
        Ok::<_, std::io::Error>(rest)
    };
    if let Ok(Ok(first)) = tokio::time::timeout(Duration::from_secs(5), read_packet).await {
        if first.len() == 4 && first == [0x04, 0xd2, 0x16, 0x2f] {
            let _ = socket.write_all(b"N").await;
            let mut len = [0u8; 4];
            if tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut len))
                .await
                .is_ok()
            {
                let n = u32::from_be_bytes(len).saturating_sub(4).min(10_000) as usize;
                let mut rest = vec![0u8; n];
                let _ = tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut rest))
                    .await;
            }
        }
    }
    let message = format!("sorry, too many clients already (max_connections = {max})");
    let packet = fatal("53300", &message);
    let _ = tokio::time::timeout(Duration::from_secs(5), socket.write_all(&packet)).await;
    let _ = socket.shutdown().await;
}

/// What the server needs to know (the `[server]` table of `lapis.toml`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_required: bool,
    pub trust_loopback: bool,
    /// User name → SCRAM-SHA-256 verifier.
    pub users: BTreeMap<String, String>,
    pub max_connections: usize,
    /// A connection that runs nothing for this long is closed.
    pub idle_timeout: Duration,
    pub statement_timeout: Duration,
    pub memory_limit_bytes: usize,
    pub max_result_rows: usize,
}

/// Why the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("server: {0}")]
    Config(String),
    #[error(
        "server TLS: {0}; the server does not start without it (it never falls back to plain text)"
    )]
    Tls(String),
    #[error("server: cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

fn load_tls(cert: &PathBuf, key: &PathBuf) -> Result<TlsAcceptor, ServerError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| ServerError::Tls(format!("certificate {}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Tls(format!("certificate {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!(
            "certificate {}: no certificate in it",
            cert.display()
        )));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServerError::Tls(format!("private key {}: {e}", key.display())))?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| {
            ServerError::Tls(format!(
                "private key {} (with certificate {}): {e}",
                key.display(),
                cert.display()
            ))
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The socket, and a second handle on it (None when it cannot be had).
fn second_handle(
    socket: tokio::net::TcpStream,
) -> (tokio::net::TcpStream, Option<tokio::net::TcpStream>) {
    let Ok(std) = socket.into_std() else {
        unreachable!("a tokio socket converts to a std one")
    };
    let other = std
        .try_clone()
        .ok()
        .and_then(|c| tokio::net::TcpStream::from_std(c).ok());
    let socket = tokio::net::TcpStream::from_std(std).expect("a socket tokio had");
    (socket, other)
}

/// A FATAL ErrorResponse, as PostgreSQL sends one before it closes a connection.
fn fatal(code: &str, message: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', code),
        (b'M', message),
    ] {
        body.push(field);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut packet = vec![b'E'];
    packet.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    packet.extend_from_slice(&body);
    packet
}

/// What PostgreSQL tells a session it ends for idling (FATAL 57P05).
fn idle_fatal() -> Vec<u8> {
    fatal(
        "57P05",
        "terminating connection due to idle-session timeout",
    )
}

/// `version()`, as drivers parse it: they read PostgreSQL's version from its first words.
fn version_udf() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::common::ScalarValue;
    use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
    let text = format!(
        "PostgreSQL 16.0 on lapis {} (Apache DataFusion {}), read-only",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION
    );
    create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(text.clone()))))),
    )
}

/// `current_setting(name)`: the server's settings as PostgreSQL names them. Grafana asks for
/// `server_version_num` when a data source is saved and for `search_path` to list tables.
fn current_setting_udf(statement_timeout: Duration) -> datafusion::logical_expr::ScalarUDF {
    use datafusion::arrow::array::{Array, StringArray};
    use datafusion::arrow::datatypes::DataType;
    use datafusion::common::DataFusionError;
    use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
    let timeout = format!("{}ms", statement_timeout.as_millis());
    let value = move |name: &str| -> Option<String> {
        Some(
            match name.to_ascii_lowercase().as_str() {
                "server_version_num" => "160000",
                "server_version" => "16.0 (lapis)",
                "search_path" => "\"$user\", public",
                "timezone" => "UTC",
                "datestyle" => "ISO, MDY",
                "intervalstyle" => "postgres",
                "client_encoding" | "server_encoding" => "UTF8",
                "standard_conforming_strings" | "integer_datetimes" => "on",
                "default_transaction_read_only" | "transaction_read_only" => "on",
                "transaction_isolation" | "default_transaction_isolation" => "read committed",
                "max_identifier_length" => "63",
                "lc_collate" | "lc_ctype" => "C.UTF-8",
                "statement_timeout" => return Some(timeout.clone()),
                _ => return None,
            }
            .to_string(),
        )
    };
    create_udf(
        "current_setting",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let names = arrays[0]
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| DataFusionError::Execution("current_setting takes text".into()))?;
            let mut out = Vec::with_capacity(names.len());
            for i in 0..names.len() {
                if names.is_null(i) {
                    out.push(None);
                    continue;
                }
                let name = names.value(i);
                match value(name) {
                    Some(v) => out.push(Some(v)),
                    None => {
                        return Err(DataFusionError::Execution(format!(
                            "unrecognized configuration parameter \"{name}\""
                        )))
                    }
                }
            }
            let out: StringArray = out.into_iter().collect();
            Ok(if matches!(args[0], ColumnarValue::Scalar(_)) {
                ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&out, 0)?)
            } else {
                ColumnarValue::Array(Arc::new(out))
            })
        }),
    )
}

/// `pg_type_is_visible(oid)`: every type of this catalog is visible (SQLAlchemy's inspector
/// asks when it reads domains).
fn pg_type_is_visible_udf() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::arrow::array::BooleanArray;
    use datafusion::arrow::datatypes::DataType;
    use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
    create_udf(
        "pg_type_is_visible",
        vec![DataType::Int32],
        DataType::Boolean,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let n = arrays.first().map(|a| a.len()).unwrap_or(0);
            Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(vec![
                true;
                n
            ]))))
        }),
    )
}

/// `to_regtype(name)`: the oid of a built-in type by name, or NULL (psycopg asks for types
/// such as hstore this way, and takes NULL as "not here").
fn to_regtype_udf() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::arrow::array::{Array, Int32Array, StringArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::DataType;
    use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
    fn oid(name: &str) -> Option<i32> {
        let name = name
            .trim()
            .trim_start_matches("pg_catalog.")
            .to_ascii_lowercase();
        Some(match name.as_str() {
            "bool" | "boolean" => 16,
            "bytea" => 17,
            "int8" | "bigint" => 20,
            "int2" | "smallint" => 21,
            "int4" | "integer" | "int" => 23,
            "text" => 25,
            "oid" => 26,
            "json" => 114,
            "float4" | "real" => 700,
            "float8" | "double precision" => 701,
            "varchar" | "character varying" => 1043,
            "date" => 1082,
            "timestamp" | "timestamp without time zone" => 1114,
            "timestamptz" | "timestamp with time zone" => 1184,
            "numeric" => 1700,
            "uuid" => 2950,
            "jsonb" => 3802,
            _ => return None,
        })
    }
    create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let names = cast(&arrays[0], &DataType::Utf8)?;
            let names = names
                .as_any()
                .downcast_ref::<StringArray>()
                .cloned()
                .unwrap_or_else(|| StringArray::from(Vec::<Option<&str>>::new()));
            let out: Int32Array = (0..names.len())
                .map(|i| (!names.is_null(i)).then(|| oid(names.value(i))).flatten())
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// `json_build_object(key, value, …)` as JSON text (SQLAlchemy's column query asks for it).
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: datafusion::logical_expr::Signature,
}

impl Default for JsonBuildObject {
    fn default() -> Self {
        JsonBuildObject {
            signature: datafusion::logical_expr::Signature::variadic_any(
                datafusion::logical_expr::Volatility::Immutable,
            ),
        }
    }
}

impl datafusion::logical_expr::ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }
    fn signature(&self) -> &datafusion::logical_expr::Signature {
        &self.signature
    }
    fn return_type(
        &self,
        _: &[datafusion::arrow::datatypes::DataType],
    ) -> datafusion::error::Result<datafusion::arrow::datatypes::DataType> {
        Ok(datafusion::arrow::datatypes::DataType::Utf8)
    }
    fn invoke_with_args(
        &self,
        args: datafusion::logical_expr::ScalarFunctionArgs,
    ) -> datafusion::error::Result<datafusion::logical_expr::ColumnarValue> {
        use datafusion::arrow::array::{Array, StringArray};
        use datafusion::arrow::compute::cast;
        use datafusion::arrow::datatypes::DataType;
        use datafusion::logical_expr::ColumnarValue;
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts: Vec<StringArray> = arrays
            .iter()
            .map(|a| {
                let numeric = a.data_type().is_numeric() || *a.data_type() == DataType::Boolean;
                cast(a, &DataType::Utf8).map(|c| {
                    let s = c
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .cloned()
                        .unwrap_or_else(|| StringArray::from(vec![None::<&str>; rows]));
                    // Strings are quoted; numbers and booleans are not.
                    if numeric {
                        s
                    } else {
                        (0..s.len())
                            .map(|i| {
                                (!s.is_null(i)).then(|| {
                                    serde_json::Value::String(s.value(i).to_string()).to_string()
                                })
                            })
                            .collect()
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        let out: StringArray = (0..rows)
            .map(|row| {
                let pairs: Vec<String> = texts
                    .chunks(2)
                    .map(|kv| {
                        let key = if kv[0].is_null(row) {
                            "\"\"".to_string()
                        } else {
                            kv[0].value(row).to_string()
                        };
                        let value = match kv.get(1) {
                            Some(v) if !v.is_null(row) => v.value(row).to_string(),
                            _ => "null".to_string(),
                        };
                        format!("{key} : {value}")
                    })
                    .collect();
                Some(format!("{{{}}}", pairs.join(", ")))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// A server bound to its address, ready to run.
pub struct Server {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    users: Users,
    settings: Settings,
    warehouse: String,
    defs: Definitions,
    runtime: Arc<RuntimeEnv>,
    hide: Vec<String>,
    metrics: Arc<crate::http::Metrics>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listen", &self.settings.listen)
            .finish_non_exhaustive()
    }
}

/// One connection's handlers.
struct Handlers {
    session: Arc<LazySession>,
    auth: Arc<Auth>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.session.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.session.clone()
    }
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.auth.clone()
    }
}

/// A connection's query handlers, built by [`Auth`] once the client has logged in (pgwire
/// passes no query on before that).
struct LazySession {
    cell: Arc<std::sync::OnceLock<Arc<DfSessionService>>>,
    executing: Arc<crate::gate::Executing>,
}

impl LazySession {
    fn get(&self) -> pgwire::error::PgWireResult<&Arc<DfSessionService>> {
        self.cell
            .get()
            .ok_or_else(|| crate::gate::error("08P01", "log in first"))
    }
}

type DfStatement = (
    String,
    Option<(
        datafusion::sql::sqlparser::ast::Statement,
        datafusion::logical_expr::LogicalPlan,
    )>,
);

#[async_trait::async_trait]
impl SimpleQueryHandler for LazySession {
    async fn do_query<C>(
        &self,
        client: &mut C,
        query: &str,
    ) -> pgwire::error::PgWireResult<Vec<pgwire::api::results::Response>>
    where
        C: pgwire::api::ClientInfo
            + pgwire::api::ClientPortalStore
            + futures::Sink<pgwire::messages::PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: pgwire::api::store::PortalStore,
        C::Error: std::fmt::Debug,
        pgwire::error::PgWireError:
            From<<C as futures::Sink<pgwire::messages::PgWireBackendMessage>>::Error>,
    {
        SimpleQueryHandler::do_query(self.get()?.as_ref(), client, query).await
    }
}

#[async_trait::async_trait]
impl ExtendedQueryHandler for LazySession {
    type Statement = DfStatement;
    type QueryParser = datafusion_postgres::Parser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        // pgwire parses no query before the start-up handler has built the session.
        self.cell
            .get()
            .expect("queries arrive only after login")
            .query_parser()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &pgwire::api::portal::Portal<Self::Statement>,
        max_rows: usize,
    ) -> pgwire::error::PgWireResult<pgwire::api::results::Response>
    where
        C: pgwire::api::ClientInfo
            + pgwire::api::ClientPortalStore
            + futures::Sink<pgwire::messages::PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: pgwire::api::store::PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        pgwire::error::PgWireError:
            From<<C as futures::Sink<pgwire::messages::PgWireBackendMessage>>::Error>,
    {
        self.executing
            .set(&portal.statement.statement.0, &portal.result_column_format);
        let result =
            ExtendedQueryHandler::do_query(self.get()?.as_ref(), client, portal, max_rows).await;
        self.executing.clear();
        result
    }
}

impl Server {
    /// Checks the settings and binds the address.
    pub async fn bind(
        settings: Settings,
        warehouse: String,
        defs: Definitions,
    ) -> Result<Server, ServerError> {
        let addr: SocketAddr = tokio::net::lookup_host(&settings.listen)
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                ServerError::Config(format!(
                    "listen = {:?} is not an address and port",
                    settings.listen
                ))
            })?;
        let users = if settings.users.is_empty() {
            if !settings.trust_loopback {
                return Err(ServerError::Config(
                    "no users: add one to [server.users] in lapis.toml (`lapis passwd NAME` prints the line), or set trust_loopback = true on a loopback address".into(),
                ));
            }
            if !addr.ip().is_loopback() {
                return Err(ServerError::Config(format!(
                    "trust_loopback lets clients in without a password, and {} is not a loopback address",
                    addr.ip()
                )));
            }
            Users::Trust
        } else {
            let mut parsed = HashMap::new();
            for (name, text) in &settings.users {
                let v = Verifier::parse(text)
                    .map_err(|e| ServerError::Config(format!("[server.users] {name}: {e}")))?;
                parsed.insert(name.clone(), v);
            }
            Users::Scram(Arc::new(parsed))
        };
        let tls = match (&settings.tls_cert, &settings.tls_key) {
            (Some(c), Some(k)) => Some(load_tls(c, k)?),
            (None, None) => None,
            _ => {
                return Err(ServerError::Tls(
                    "tls_cert and tls_key go together: give both or neither".into(),
                ))
            }
        };
        if settings.tls_required && tls.is_none() {
            return Err(ServerError::Tls(
                "tls_required = true, but no tls_cert and tls_key are set".into(),
            ));
        }
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(settings.memory_limit_bytes, 1.0)
            .build_arc()
            .map_err(|e| ServerError::Config(e.to_string()))?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let mut hide = Vec::new();
        if let Ok(wh) = Warehouse::open_reader(&warehouse).await {
            if let Some(root) = wh.local_root() {
                let root = root.display().to_string();
                let root = root.trim_end_matches('/').to_string();
                hide.push(format!("file://{root}/"));
                hide.push(format!("{root}/"));
                hide.push(format!("{}/", root.trim_start_matches('/')));
            }
        }
        Ok(Server {
            listener,
            tls,
            users,
            settings,
            warehouse,
            defs,
            runtime,
            hide,
            metrics: Arc::default(),
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The server's counters (for `/metrics`).
    pub fn metrics(&self) -> Arc<crate::http::Metrics> {
        self.metrics.clone()
    }

    /// How clients log in (the HTTP side checks the same users).
    pub fn users(&self) -> Users {
        self.users.clone()
    }

    /// The TLS acceptor, when TLS is configured (the HTTP side uses it too).
    pub fn tls(&self) -> Option<TlsAcceptor> {
        self.tls.clone()
    }

    /// Serves until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let slots = Arc::new(Semaphore::new(this.settings.max_connections.max(1)));
        info!(
            listen = %this.settings.listen,
            tls = this.tls.is_some(),
            "Serving SQL over the PostgreSQL protocol."
        );
        loop {
            let accepted = tokio::select! {
                a = this.listener.accept() => a,
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { break; }
                    continue;
                }
            };
            let (socket, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    warn!(error = %e, "Cannot accept a connection.");
                    continue;
                }
            };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                warn!(%peer, max = this.settings.max_connections, "Refused a connection: too many clients.");
                tokio::spawn(refuse(socket, this.settings.max_connections));
                continue;
            };
            this.metrics
                .connections
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let this = this.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let activity = Arc::new(Activity::default());
                let handlers = this.handlers(activity.clone());
                let tls = this.tls.clone();
                // A second handle on a plain connection's socket, to tell an idle client why
                // it is closed (over TLS the message would have to be encrypted: it just closes).
                let (socket, notice) = match tls {
                    Some(_) => (socket, None),
                    None => second_handle(socket),
                };
                let mut session = tokio::spawn(async move {
                    pgwire::tokio::process_socket(socket, tls, Arc::new(handlers)).await
                });
                let mut notice = notice;
                let idle = this.settings.idle_timeout;
                let tick = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
                loop {
                    tokio::select! {
                        ended = &mut session => {
                            if let Ok(Err(e)) = ended {
                                warn!(%peer, error = %e, "Connection ended with an error.");
                            }
                            break;
                        }
                        _ = tokio::time::sleep(tick) => {
                            if activity.idle_for() > idle {
                                info!(%peer, idle_secs = idle.as_secs(), "Closed an idle connection.");
                                session.abort();
                                if let Some(mut notice) = notice.take() {
                                    use tokio::io::AsyncWriteExt;
                                    let _ = notice.write_all(&idle_fatal()).await;
                                    let _ = notice.shutdown().await;
                                }
                                break;
                            }
                        }
                    }
                }
            });
        }
        info!("The SQL server stopped taking connections.");
    }

    /// The handlers of a new connection; its session is built after login.
    fn handlers(self: &Arc<Self>, activity: Arc<Activity>) -> Handlers {
        let cell = Arc::new(std::sync::OnceLock::new());
        let executing = Arc::new(crate::gate::Executing::default());
        let server = self.clone();
        let shared = executing.clone();
        let build: crate::auth::SessionBuilder = Arc::new(move || {
            let server = server.clone();
            let activity = activity.clone();
            let executing = shared.clone();
            Box::pin(async move { server.session(activity, executing).await })
        });
        Handlers {
            session: Arc::new(LazySession {
                cell: cell.clone(),
                executing,
            }),
            auth: Arc::new(Auth::new(
                self.users.clone(),
                self.settings.tls_required,
                self.metrics.clone(),
                cell,
                build,
            )),
        }
    }

    /// A connection's session: the warehouse's live views, the catalog, the gate.
    async fn session(
        &self,
        activity: Arc<Activity>,
        executing: Arc<crate::gate::Executing>,
    ) -> Result<Arc<DfSessionService>, String> {
        let wh = Warehouse::open_reader(&self.warehouse)
            .await
            .map_err(|e| e.to_string())?;
        let (ctx, live) = lapis_sql::live_session(&wh, &self.defs, self.runtime.clone())
            .await
            .map_err(|e| e.to_string())?;
        setup_pg_catalog(&ctx, "lapis", Arc::new(AuthManager::default()))
            .map_err(|e| e.to_string())?;
        ctx.register_udf(version_udf());
        ctx.register_udf(current_setting_udf(self.settings.statement_timeout));
        ctx.register_udf(to_regtype_udf());
        ctx.register_udf(pg_type_is_visible_udf());
        ctx.register_udf(datafusion::logical_expr::ScalarUDF::new_from_impl(
            JsonBuildObject::default(),
        ));
        let gate = Gate {
            live,
            limits: Limits {
                statement_timeout: self.settings.statement_timeout,
                max_rows: self.settings.max_result_rows,
            },
            hide: self.hide.clone(),
            cursors: Default::default(),
            metrics: self.metrics.clone(),
            activity,
            executing,
        };
        let hooks: Vec<Arc<dyn QueryHook>> = vec![
            Arc::new(gate),
            Arc::new(CursorStatementHook),
            Arc::new(SetShowHook),
            Arc::new(TransactionStatementHook),
        ];
        Ok(Arc::new(DfSessionService::new_with_hooks(
            Arc::new(ctx),
            hooks,
        )))
    }
}
