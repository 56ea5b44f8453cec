//! The [`ServeRoutes`] a vendor plugs in, and [`Server`]: the
//! routes merged under the layers every request passes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::middleware;
use axum::Router;

use super::layers::{faults, log, read_body};
use super::state::{AppState, DiskCache};
use super::{ApiError, ConnectionOptions};
use crate::engine::faults::FaultInjector;
use crate::engine::{FaultConfig, RecordedEngine};

/// How to serve.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The token every request must carry; `None` accepts any (but still requires one).
    pub token: Option<String>,
    /// Faults to inject per request.
    pub faults: FaultConfig,
    /// Write one line per request on stderr.
    pub log: bool,
    /// Timeouts and the cap of connections.
    pub connections: ConnectionOptions,
}

/// A vendor's `reprise serve` routes.
pub trait ServeRoutes: Send + Sync {
    /// The routes, with their state and their token check ([`bearer`] or [`api_key`]) in
    /// place, over the server's shared state.
    fn routes(&self, app: &Arc<AppState>) -> Router;
}

/// The server: the vendors' routes over one recorded engine.
pub struct Server {
    state: Arc<AppState>,
    routes: Vec<&'static dyn ServeRoutes>,
    connections: ConnectionOptions,
}

impl Server {
    /// A server over `engine` answering `routes` (`crate::vendors::Registry::server` passes
    /// the registered vendors').
    pub fn new(
        engine: Arc<RecordedEngine>,
        options: ServeOptions,
        routes: Vec<&'static dyn ServeRoutes>,
    ) -> Result<Server, String> {
        options.faults.validate()?;
        let faults = (!options.faults.is_off()).then(|| FaultInjector::new(options.faults));
        Ok(Server {
            routes,
            state: Arc::new(AppState {
                engine,
                token: options.token.filter(|t| !t.is_empty()),
                faults,
                log: options.log,
                body_timeout: options.connections.idle_timeout,
                disk_cache: Mutex::new(DiskCache::default()),
            }),
            connections: options.connections,
        })
    }

    /// The axum router with every route and layer.
    pub fn router(&self) -> Router {
        let state = self.state.clone();
        let routes = self
            .routes
            .iter()
            .fold(Router::new(), |all, v| all.merge(v.routes(&state)));
        routes
            .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route") })
            .layer(middleware::from_fn_with_state(state.clone(), faults))
            .layer(middleware::from_fn_with_state(state.clone(), read_body))
            .layer(middleware::from_fn_with_state(state, log))
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    /// Connections are kept as [`ConnectionOptions`] say (see `listen`).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        super::listen::serve(listener, router, self.connections, shutdown).await
    }
}

/// Binds `addr` (port 0 picks a free one); the listener's real address is `local_addr()`.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
