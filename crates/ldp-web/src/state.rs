//! What every handler shares.

use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

use ldp_core::domain::Union;
use ldp_core::store::{Store, StoreResult};

/// Facts about the site that every page shows and that change only with the reference data.
#[derive(Debug, Default)]
pub struct SiteInfo {
    pub union: Option<Arc<Union>>,
}

/// Shared application state: the store, the metrics registry and the site's facts.
/// Nodes keep nothing else that matters, so any node can serve any request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub metrics: PrometheusHandle,
    pub site: Arc<SiteInfo>,
}

impl AppState {
    /// Builds the state, reading the site's facts from the store once.
    pub async fn load(store: Arc<dyn Store>) -> StoreResult<AppState> {
        let union = store.union_info().await?.map(Arc::new);
        Ok(AppState { store, metrics: crate::ops::metrics_handle(), site: Arc::new(SiteInfo { union }) })
    }
}
