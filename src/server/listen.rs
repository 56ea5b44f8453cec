//! Accepting and keeping connections for `reprise serve`, so slow, idle or too many clients
//! cannot exhaust the process's file handles and stop it answering.
//!
//! `axum::serve` has no timeouts and sleeps a second after every failed accept; this module
//! serves HTTP/1.1 with hyper directly:
//! - **Header timeout** ([`ConnectionOptions::header_timeout`]): a connection must send a whole
//!   request head within it, counted from when it is ready for one, so a client that connects and
//!   sends nothing, sends half a header, or keeps an idle keep-alive connection is closed.
//! - **Idle timeout** ([`ConnectionOptions::idle_timeout`]): a connection that moves no byte
//!   either way for that long while none of its requests is being handled (a client that stopped
//!   reading its answer) is closed. Request bodies must arrive within it too (the server's
//!   body-read layer answers 408).
//! - **Connection cap** ([`ConnectionOptions::max_connections`], by default the file-handle
//!   limit less a reserve for recordings read from disk): at the cap, a new connection takes the
//!   place of the one idle longest (no request being handled); when every connection is busy,
//!   it waits for one to end.
//! - **Accept errors** never end the server: a failed handshake is skipped, and running out of
//!   file handles (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses accepting briefly, reported once per
//!   burst.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

/// The default of [`ConnectionOptions::header_timeout`] (hyper's own default).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`ConnectionOptions::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause after an accept failed for want of file handles or memory.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How connections are kept.
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    /// Time a connection has to send a whole request head, counted from when it is ready for
    /// one (so it also closes idle keep-alive connections).
    pub header_timeout: Duration,
    /// Time a connection may move no byte while none of its requests is being handled; also
    /// the time a request body has to arrive.
    pub idle_timeout: Duration,
    /// Connections held at once; `None`: the file-handle limit less a reserve
    /// ([`default_max_connections`]).
    pub max_connections: Option<usize>,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: None,
        }
    }
}

/// Connections the server holds by default: the soft file-handle limit less a reserve (an
/// eighth, at least 32) for the listener, the runtime and recordings read from disk while
/// answering. 1024 less the reserve where the limit cannot be read.
pub fn default_max_connections() -> usize {
    let limit = file_handle_limit().unwrap_or(1024);
    let reserve = (limit / 8).max(32);
    limit.saturating_sub(reserve).max(1)
}

#[cfg(unix)]
fn file_handle_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    // No limit at all: a large but finite cap still bounds the server.
    Some(limit.current.map_or(1 << 16, |n| n.min(1 << 16) as usize))
}

#[cfg(not(unix))]
fn file_handle_limit() -> Option<usize> {
    None
}

/// Milliseconds since the server started: the clock of connection activity.
fn now_ms(origin: Instant) -> u64 {
    origin.elapsed().as_millis() as u64
}

/// One connection as the accept loop sees it.
struct Conn {
    /// When a byte last moved either way (ms since `Registry::origin`).
    last_io: AtomicU64,
    /// Requests of this connection being handled now.
    busy: AtomicUsize,
    /// Told to close at once (its place went to a new connection).
    evict: Notify,
    /// Set when told: it no longer counts against the cap and is not picked again.
    evicted: AtomicBool,
}

/// The connections held, for the cap and eviction.
struct Registry {
    origin: Instant,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    /// Signalled whenever a connection ends.
    ended: Notify,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        // A panic while holding this map leaves it consistent (inserts and removes only).
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connections held, less those told to close.
    fn len(&self) -> usize {
        self.lock()
            .values()
            .filter(|c| !c.evicted.load(Ordering::Acquire))
            .count()
    }

    /// Tells the connection idle longest (no request being handled) to close; false when every
    /// connection is busy.
    fn evict_idlest(&self) -> bool {
        let conns = self.lock();
        let idlest = conns
            .values()
            .filter(|c| c.busy.load(Ordering::Acquire) == 0 && !c.evicted.load(Ordering::Acquire))
            .min_by_key(|c| c.last_io.load(Ordering::Acquire));
        match idlest {
            Some(conn) => {
                conn.evicted.store(true, Ordering::Release);
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (idle connections close at once).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ConnectionOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let cap = options
        .max_connections
        .unwrap_or_else(default_max_connections)
        .max(1);
    let registry = Arc::new(Registry {
        origin: Instant::now(),
        conns: Mutex::new(HashMap::new()),
        ended: Notify::new(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut next_id: u64 = 0;
    let mut starved = false;
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                starved = false;
                stream
            }
            // The peer gave up during the handshake: nothing to do.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                if !starved {
                    eprintln!("reprise serve: cannot accept a connection ({e}); retrying");
                    starved = true;
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(ACCEPT_PAUSE) => continue,
                }
            }
        };
        // At the cap: the new connection takes the place of the idlest one, or waits for one
        // to end when all are busy.
        while registry.len() >= cap {
            let ended = registry.ended.notified();
            if registry.evict_idlest() {
                break;
            }
            tokio::select! {
                _ = &mut shutdown => return drain(stop_tx, tasks).await,
                _ = ended => {}
            }
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let conn = Arc::new(Conn {
            last_io: AtomicU64::new(now_ms(registry.origin)),
            busy: AtomicUsize::new(0),
            evict: Notify::new(),
            evicted: AtomicBool::new(false),
        });
        registry.lock().insert(next_id, conn.clone());
        tasks.spawn(serve_connection(
            stream,
            router.clone(),
            options.clone(),
            (next_id, conn),
            registry.clone(),
            stop_rx.clone(),
        ));
    }
    drain(stop_tx, tasks).await
}

/// Tells every connection to finish and waits for them.
async fn drain(stop: watch::Sender<bool>, mut tasks: JoinSet<()>) -> io::Result<()> {
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Errors of one incoming connection (the next accept may well succeed at once).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Serves one connection until it ends, idles out, is evicted, or the server stops.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    options: ConnectionOptions,
    (id, conn): (u64, Arc<Conn>),
    registry: Arc<Registry>,
    mut stop: watch::Receiver<bool>,
) {
    let origin = registry.origin;
    let io = TokioIo::new(Tracked {
        inner: stream,
        conn: conn.clone(),
        origin,
    });
    let service = {
        let conn = conn.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut router = router.clone();
            let busy = Busy::new(conn.clone());
            async move {
                let _busy = busy;
                let req: Request = req.map(Body::new);
                let res: Result<Response, Infallible> =
                    tower_service::Service::call(&mut router, req).await;
                res
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let idle_ms = options.idle_timeout.as_millis() as u64;
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    // While a handler works no byte may move for long (a recorded latency being slept):
    // the idle check is put off by another period then.
    let mut not_before: u64 = 0;
    loop {
        let quiet_since = conn.last_io.load(Ordering::Acquire);
        let due = quiet_since.saturating_add(idle_ms).max(not_before);
        let idle_deadline = tokio::time::Instant::from_std(origin + Duration::from_millis(due));
        tokio::select! {
            // Ended, failed (header timeout, client gone): either way the connection is done.
            _ = connection.as_mut() => break,
            _ = conn.evict.notified() => break,
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
            _ = tokio::time::sleep_until(idle_deadline) => {
                let quiet = now_ms(origin).saturating_sub(conn.last_io.load(Ordering::Acquire));
                if quiet >= idle_ms {
                    if conn.busy.load(Ordering::Acquire) == 0 {
                        break;
                    }
                    not_before = now_ms(origin).saturating_add(idle_ms);
                }
            }
        }
    }
    registry.lock().remove(&id);
    registry.ended.notify_waiters();
}

/// Counts a request as being handled while it lives.
struct Busy(Arc<Conn>);

impl Busy {
    fn new(conn: Arc<Conn>) -> Busy {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        Busy(conn)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A stream that notes when bytes last moved.
struct Tracked {
    inner: TcpStream,
    conn: Arc<Conn>,
    origin: Instant,
}

impl Tracked {
    fn moved(&self) {
        self.conn
            .last_io
            .store(now_ms(self.origin), Ordering::Release);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.moved();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_leaves_a_reserve_of_handles() {
        let cap = default_max_connections();
        let limit = file_handle_limit().unwrap_or(1024);
        assert!(cap >= 1 && cap < limit, "{cap} of {limit}");
        assert!(limit - cap >= 32.min(limit - 1));
    }

    fn conn(last_io: u64, busy: usize) -> Arc<Conn> {
        Arc::new(Conn {
            last_io: AtomicU64::new(last_io),
            busy: AtomicUsize::new(busy),
            evict: Notify::new(),
            evicted: AtomicBool::new(false),
        })
    }

    #[tokio::test]
    async fn eviction_picks_the_longest_idle_connection_never_a_busy_one() {
        let registry = Registry {
            origin: Instant::now(),
            conns: Mutex::new(HashMap::new()),
            ended: Notify::new(),
        };
        let (busy_old, idle_old, idle_new) = (conn(1, 1), conn(5, 0), conn(9, 0));
        for (id, c) in [(1, &busy_old), (2, &idle_old), (3, &idle_new)] {
            registry.lock().insert(id, c.clone());
        }
        assert!(registry.evict_idlest());
        // `notify_one` stored a permit for the idle one only.
        let told = |c: &Arc<Conn>| {
            let c = c.clone();
            async move {
                tokio::time::timeout(Duration::from_millis(20), c.evict.notified())
                    .await
                    .is_ok()
            }
        };
        assert!(told(&idle_old).await);
        assert!(!told(&idle_new).await);
        assert!(!told(&busy_old).await);
        assert_eq!(
            registry.len(),
            2,
            "a connection told to close no longer counts"
        );
        // The next place goes to the next idlest, not again to the one already told.
        assert!(registry.evict_idlest());
        assert!(told(&idle_new).await);
        assert!(
            !registry.evict_idlest(),
            "a busy connection is never evicted"
        );
        registry.lock().retain(|id, _| *id == 1);
        assert!(
            !registry.evict_idlest(),
            "a busy connection is never evicted"
        );
    }
}
