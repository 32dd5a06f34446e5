use async_graphql::Object;

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// Version du serveur ThermoGestion.
    async fn api_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}
