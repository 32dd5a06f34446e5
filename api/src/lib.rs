//! The HTTP face of ThermoGestion and the `thermogestion` binary's building blocks.
//!
//! Handlers are thin: a GraphQL mutation parses, sends one command, waits for its
//! projections and reads back; queries read projections. No business `if` lives here.

// `Send` of the merged GraphQL root's futures nests one level per merged object; with
// two dozen of them (and async-stripe's deep types inside) the default 128 overflows.
#![recursion_limit = "256"]

pub mod app;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod bench_clients;
pub mod bench_editor;
pub mod bench_fec;
pub mod bench_http;
mod bench_mix;
pub mod bench_quotes;
pub mod config;
pub mod db;
pub mod demo;
pub mod emails;
pub mod error;
pub mod graphql;
pub mod http;
pub mod limits;
pub mod permissions;
pub mod photo_urls;
pub mod quote_access;
pub mod read_after;
pub mod telemetry;
pub mod warnings;

pub use app::{AppState, Application};
pub use config::Config;
pub use error::ApiError;
