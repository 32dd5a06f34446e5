//! Prometheus metrics: HTTP traffic, events appended, projection lag.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::PgPool;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProjectionLabels {
    projection: String,
}

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    lag_seconds: Family<ProjectionLabels, Gauge<f64, AtomicU64>>,
    lag_events: Family<ProjectionLabels, Gauge>,
    parked: Family<ProjectionLabels, Gauge>,
    halted: Family<ProjectionLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 1 ms to ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    pub fn new(events_appended: Counter) -> Self {
        let mut registry = Registry::with_prefix("thermogestion");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let lag_seconds = Family::<ProjectionLabels, Gauge<f64, AtomicU64>>::default();
        let lag_events = Family::<ProjectionLabels, Gauge>::default();
        let parked = Family::<ProjectionLabels, Gauge>::default();
        let halted = Family::<ProjectionLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "events_appended",
            "Events appended to the log by this process",
            events_appended,
        );
        registry.register(
            "projection_lag_seconds",
            "Age of the oldest event a projection has not applied yet (0 when caught up)",
            lag_seconds.clone(),
        );
        registry.register(
            "projection_lag_events",
            "Events a projection has not applied yet (capped)",
            lag_events.clone(),
        );
        registry.register(
            "projection_parked",
            "Workspaces parked for a projection (thermogestion projections parked)",
            parked.clone(),
        );
        registry.register(
            "projection_halted",
            "1 when a projection is halted for every workspace (a platform alert)",
            halted.clone(),
        );
        Self {
            registry: Arc::new(registry),
            requests,
            latency,
            lag_seconds,
            lag_events,
            parked,
            halted,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Lag is read from the database at scrape time, so it is right whichever process runs
    /// the projections.
    pub async fn render(&self, pool: &PgPool) -> Result<String, sqlx::Error> {
        for lag in projections::engine::lags(pool).await? {
            let labels = ProjectionLabels {
                projection: lag.projection,
            };
            self.lag_seconds.get_or_create(&labels).set(lag.seconds);
            self.lag_events.get_or_create(&labels).set(lag.events);
            // Every projection with a checkpoint shows 0 rather than no series at all.
            self.parked.get_or_create(&labels).set(0);
            self.halted.get_or_create(&labels).set(0);
        }
        for (projection, count) in projections::parking::counts(pool).await? {
            self.parked
                .get_or_create(&ProjectionLabels { projection })
                .set(count);
        }
        for (projection, _) in projections::parking::halted(pool).await? {
            self.halted
                .get_or_create(&ProjectionLabels { projection })
                .set(1);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        Ok(text)
    }
}
