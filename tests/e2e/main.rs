//! End-to-end and integration tests against the real PostgreSQL and the real HTTP server.
//! One binary, one module per feature (zero2prod's layout).

mod audit;
mod auth;
mod batches;
mod bounds;
mod client_import;
mod clients;
mod demo;
mod email_links;
mod email_oauth;
mod email_settings;
mod email_templates;
mod feed;
mod gateway;
mod http;
mod invoices;
mod isolation;
mod low_stock;
mod mailer;
mod migrations;
mod pennylane;
mod photos;
mod powder;
mod powder_archive;
mod powder_lots;
mod projects;
mod quote_signatures;
mod quote_templates;
mod quotes;
mod replay;
mod roles;
mod schema;
mod stock_settings;
mod stripe;
mod two_factor;
