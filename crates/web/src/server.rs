//! The accept loop, with the limits a server facing real clients needs: a deadline for request
//! headers, an idle timeout on request bodies, a cap on connections served at once, and a
//! bounded graceful shutdown. `axum::serve` has none of these knobs, so connections are served
//! with hyper's own builder here.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::{Service, ServiceExt};

use crate::{AppState, router};

/// Limits on what clients may hold.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Time a client has to send a request's headers (slow headers are cut).
    pub header_timeout: Duration,
    /// Time a request body may stall between two reads (a stalled upload is cut).
    pub body_idle_timeout: Duration,
    /// Connections served at once; more wait in the listen queue until one ends.
    pub max_connections: usize,
    /// After the shutdown signal, how long requests in flight get before they are cut.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes, then lets the requests in
/// flight finish for at most `limits.shutdown_grace`, cutting (and logging) what is left.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_idle_timeout,
    ));
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = match make.call(peer).await {
            Ok(s) => s,
            Err(e) => match e {},
        };
        let hyper_service = TowerToHyperService::new(
            service.map_request(|req: Request<Incoming>| req.map(Body::new)),
        );
        let conn = http.serve_connection(TokioIo::new(stream), hyper_service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // A client that went away or was cut by a timeout: routine, not an error.
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    let open = limits
        .max_connections
        .saturating_sub(slots.available_permits());
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        let left = limits
            .max_connections
            .saturating_sub(slots.available_permits());
        tracing::warn!(
            open_at_signal = open,
            cut = left,
            grace_secs = limits.shutdown_grace.as_secs(),
            "shutdown grace period over: cutting the connections still open"
        );
    }
    Ok(())
}
