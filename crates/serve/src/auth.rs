//! The start of a connection: TLS required or not, then SCRAM-SHA-256 against the users of
//! `lapis.toml` (or, only on a loopback address and only when the configuration says so, no
//! password at all).

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    DefaultServerParameterProvider, StartupHandler,
};
use pgwire::api::{ClientInfo, PgWireConnectionState, METADATA_USER};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::Authentication;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::sync::Mutex;
use tracing::{info, warn};

use crate::scram::{Exchange, Verifier};

/// How clients prove who they are.
#[derive(Debug, Clone)]
pub enum Users {
    Scram(Arc<HashMap<String, Verifier>>),
    /// No password (loopback only; checked when the server starts).
    Trust,
}

#[derive(Debug)]
enum State {
    Start,
    Sent {
        user: String,
        exchange: Option<Exchange>,
        verifier: Verifier,
    },
    Done,
}

/// Builds a connection's session (its views, catalog and gate).
pub type SessionBuilder = Arc<
    dyn Fn() -> std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = Result<Arc<datafusion_postgres::DfSessionService>, String>,
                    > + Send,
            >,
        > + Send
        + Sync,
>;

/// One connection's startup handler. The connection's session is built only once the client
/// has proved who it is: a client without a password costs the server nothing but the exchange.
pub struct Auth {
    users: Users,
    tls_required: bool,
    state: Mutex<State>,
    parameters: DefaultServerParameterProvider,
    metrics: Arc<crate::http::Metrics>,
    session: Arc<std::sync::OnceLock<Arc<datafusion_postgres::DfSessionService>>>,
    build: SessionBuilder,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("tls_required", &self.tls_required)
            .finish_non_exhaustive()
    }
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".into(),
        code.into(),
        message,
    )))
}

impl Auth {
    pub fn new(
        users: Users,
        tls_required: bool,
        metrics: Arc<crate::http::Metrics>,
        session: Arc<std::sync::OnceLock<Arc<datafusion_postgres::DfSessionService>>>,
        build: SessionBuilder,
    ) -> Auth {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = "16.0 (lapis)".to_string();
        parameters.default_transaction_read_only = true;
        parameters.is_superuser = false;
        Auth {
            users,
            tls_required,
            state: Mutex::new(State::Start),
            parameters,
            metrics,
            session,
            build,
        }
    }

    /// Builds the session of an authenticated client.
    async fn open(&self) -> PgWireResult<()> {
        if self.session.get().is_none() {
            let session = (self.build)()
                .await
                .map_err(|e| fatal("58000", format!("cannot open the warehouse: {e}")))?;
            let _ = self.session.set(session);
        }
        Ok(())
    }
}

/// A verifier for an unknown user, so that the exchange runs the same way and fails at the end
/// (a client learns nothing about which users exist).
fn decoy() -> Verifier {
    Verifier::with_salt(
        &String::from_utf8_lossy(&crate::scram::random(16)),
        &crate::scram::random(16),
        crate::scram::ITERATIONS,
    )
}

#[async_trait]
impl StartupHandler for Auth {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().await;
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let user = client
                    .metadata()
                    .get(METADATA_USER)
                    .cloned()
                    .unwrap_or_default();
                if self.tls_required && !client.is_secure() {
                    warn!(%user, peer = %client.socket_addr(), "Refused a client without TLS.");
                    return Err(fatal(
                        "28000",
                        "this lapis server requires TLS (sslmode=require)".into(),
                    ));
                }
                match &self.users {
                    Users::Trust => {
                        *state = State::Done;
                        client.set_state(PgWireConnectionState::AuthenticationInProgress);
                        info!(%user, peer = %client.socket_addr(), "Connected (trust, loopback).");
                        self.open().await?;
                        finish_authentication(client, &self.parameters).await?;
                    }
                    Users::Scram(users) => {
                        let verifier = users.get(&user).cloned().unwrap_or_else(decoy);
                        client.set_state(PgWireConnectionState::AuthenticationInProgress);
                        client
                            .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                                vec!["SCRAM-SHA-256".into()],
                            )))
                            .await?;
                        *state = State::Sent {
                            user,
                            exchange: None,
                            verifier,
                        };
                    }
                }
            }
            PgWireFrontendMessage::PasswordMessageFamily(msg) => {
                let State::Sent {
                    user,
                    exchange,
                    verifier,
                } = &mut *state
                else {
                    return Err(fatal("08P01", "unexpected password message".into()));
                };
                let failed = |user: &str| {
                    fatal(
                        "28P01",
                        format!("password authentication failed for user \"{user}\""),
                    )
                };
                match exchange.take() {
                    None => {
                        let first = msg.into_sasl_initial_response()?;
                        if first.auth_method != "SCRAM-SHA-256" {
                            return Err(fatal(
                                "28000",
                                format!(
                                    "authentication method {} is not offered; use SCRAM-SHA-256",
                                    first.auth_method
                                ),
                            ));
                        }
                        let data = first.data.unwrap_or_default();
                        let x = Exchange::start(&String::from_utf8_lossy(&data), verifier)
                            .map_err(|_| failed(user))?;
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(Bytes::from(
                                    x.server_first().to_string(),
                                )),
                            ))
                            .await?;
                        *exchange = Some(x);
                    }
                    Some(x) => {
                        let last = msg.into_sasl_response()?;
                        let known =
                            matches!(&self.users, Users::Scram(u) if u.contains_key(user.as_str()));
                        let proof = x.finish(&String::from_utf8_lossy(&last.data), verifier);
                        let server_final = match proof {
                            Ok(f) if known => f,
                            _ => {
                                warn!(%user, peer = %client.socket_addr(), "Password authentication failed.");
                                self.metrics
                                    .auth_failures
                                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                return Err(failed(user));
                            }
                        };
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLFinal(Bytes::from(server_final)),
                            ))
                            .await?;
                        info!(%user, peer = %client.socket_addr(), "Authenticated.");
                        *state = State::Done;
                        self.open().await?;
                        finish_authentication(client, &self.parameters).await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
