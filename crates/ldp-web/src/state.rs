//! What every handler shares.

use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

use ldp_core::domain::Union;
use ldp_core::services::documents::Uploads;
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_core::services::tokens::Tokens;
use ldp_core::store::{Store, StoreResult};

/// Facts about the site that every page shows and that change only with the reference data.
#[derive(Debug, Default)]
pub struct SiteInfo {
    pub union: Option<Arc<Union>>,
}

/// What the web layer is configured with.
#[derive(Clone)]
pub struct Config {
    pub partnerships: PartnershipSettings,
    pub uploads: Arc<dyn Uploads>,
}

/// Shared application state: the store, the services, the metrics registry and the site's facts.
/// Nodes keep nothing else that matters, so any node can serve any request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub partnerships: Partnerships,
    pub tokens: Tokens,
    pub uploads: Arc<dyn Uploads>,
    pub metrics: PrometheusHandle,
    pub site: Arc<SiteInfo>,
}

impl AppState {
    /// Builds the state, reading the site's facts from the store once.
    pub async fn load(store: Arc<dyn Store>, config: Config) -> StoreResult<AppState> {
        let union = store.union_info().await?.map(Arc::new);
        Ok(AppState {
            partnerships: Partnerships::new(store.clone(), config.partnerships),
            tokens: Tokens::new(store.clone()),
            uploads: config.uploads,
            store,
            metrics: crate::ops::metrics_handle(),
            site: Arc::new(SiteInfo { union }),
        })
    }
}
