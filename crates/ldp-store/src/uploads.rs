//! Document bytes in an object store: a local folder by default (the `object_store` crate also speaks S3
//! for a cluster of nodes).

use async_trait::async_trait;
use object_store::ObjectStoreExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use std::sync::Arc;

use futures_util::TryStreamExt;
use ldp_core::services::documents::{ByteStream, Uploads};

/// Uploads kept under one folder.
#[derive(Debug, Clone)]
pub struct LocalUploads {
    inner: Arc<LocalFileSystem>,
}

impl LocalUploads {
    /// Opens (and creates) the folder.
    pub fn open(root: &std::path::Path) -> std::io::Result<LocalUploads> {
        std::fs::create_dir_all(root)?;
        let fs = LocalFileSystem::new_with_prefix(root).map_err(std::io::Error::other)?;
        Ok(LocalUploads { inner: Arc::new(fs) })
    }
}

#[async_trait]
impl Uploads for LocalUploads {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        let path = Path::parse(key).map_err(|e| e.to_string())?;
        self.inner.put(&path, bytes.into()).await.map(|_| ()).map_err(|e| e.to_string())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, String> {
        let path = Path::parse(key).map_err(|e| e.to_string())?;
        let result = self.inner.get(&path).await.map_err(|e| e.to_string())?;
        result.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string())
    }

    async fn open(&self, key: &str) -> Result<ByteStream, String> {
        let path = Path::parse(key).map_err(|e| e.to_string())?;
        let result = self.inner.get(&path).await.map_err(|e| e.to_string())?;
        Ok(Box::pin(result.into_stream().map_err(std::io::Error::other)))
    }
}
