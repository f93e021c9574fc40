//! The services of `http-request use-service` (HAProxy's applets). The Prometheus
//! exporter renders what the runtime API's crate (`rampart-admin`, layer 6) builds from
//! the counters, so that crate installs its renderer here at start-up, behind a trait
//! object: the orchestrator calls it without depending on the layer above.
//! A service answers on the stream's worker thread: the exporter only reads atomics
//! and writes into the pooled buffer it is lent.

use std::sync::OnceLock;

/// The query of a scrape could not be read (HAProxy answers 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadQuery;

/// Renders the exporter's metrics.
pub trait Exporter: Send + Sync {
    /// Appends the exposition text for a request to `uri` (its query selects scopes)
    /// to `out`.
    fn render(&self, uri: &[u8], out: &mut Vec<u8>) -> Result<(), BadQuery>;
}

static PROMETHEUS: OnceLock<Box<dyn Exporter>> = OnceLock::new();

/// Installs the Prometheus exporter (once per process; later calls are ignored).
pub fn install_prometheus(e: Box<dyn Exporter>) {
    let _ = PROMETHEUS.set(e);
}

/// The Prometheus exporter, once installed.
pub fn prometheus() -> Option<&'static dyn Exporter> {
    PROMETHEUS.get().map(|b| b.as_ref())
}

/// The head of the exporter's response, as HAProxy's H1 layer writes it: HTTP/1.1,
/// chunked, the connection field `conn` last.
pub fn write_head(conn: Option<&[u8]>, out: &mut Vec<u8>) {
    out.extend_from_slice(
        b"HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: text/plain; version=0.0.4\r\ntransfer-encoding: chunked\r\n",
    );
    if let Some(c) = conn {
        out.extend_from_slice(b"connection: ");
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `body` as one chunk and the last chunk.
pub fn write_chunked(body: &[u8], out: &mut Vec<u8>) {
    use std::io::Write;
    if !body.is_empty() {
        let _ = write!(out, "{:x}\r\n", body.len());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_framing() {
        let mut out = Vec::new();
        write_chunked(b"hello", &mut out);
        assert_eq!(out, b"5\r\nhello\r\n0\r\n\r\n");
        out.clear();
        write_chunked(b"", &mut out);
        assert_eq!(out, b"0\r\n\r\n");
        out.clear();
        write_head(Some(b"close"), &mut out);
        assert!(out.ends_with(b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"));
    }
}
