//! lapis-serve: the warehouse as a read-only PostgreSQL database for BI tools and drivers
//! (`datafusion-postgres` over `pgwire`), run by the `lapis serve` daemon.
//!
//! Each connection gets a session of its own whose tables follow the warehouse
//! ([`lapis_sql::live_session`]), a gate that lets only queries through ([`gate`]), and a
//! start-up that asks for TLS and a SCRAM-SHA-256 password ([`auth`], [`scram`]). Queries run
//! under a statement timeout, a row limit and one memory pool shared by every connection.

pub mod auth;
pub mod gate;
pub mod http;
pub mod pg;
pub mod scram;
