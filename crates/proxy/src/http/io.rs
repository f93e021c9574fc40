//! Reading and writing under HAProxy's timeouts: a read fills the spare capacity of a
//! pooled buffer (at most `tune.bufsize`), a write is bounded by the side's inactivity
//! timeout. Deadlines are absolute so a slow trickle cannot extend them.

use rampart_net::Conn;
use std::io;
use std::time::Duration;
use tokio::time::Instant;

/// Why a read did not deliver data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadErr {
    Timeout,
    /// Orderly close by the peer.
    Closed,
    /// Reset or other socket error.
    Error,
}

/// The deadline `t` from now, or none.
pub fn deadline(t: Option<Duration>) -> Option<Instant> {
    t.map(|d| Instant::now() + d)
}

/// Reads once into the spare capacity of `buf` (which must have some), waiting at most
/// until `until`.
pub async fn read_some(
    conn: &Conn,
    buf: &mut Vec<u8>,
    until: Option<Instant>,
) -> Result<usize, ReadErr> {
    loop {
        match conn.try_read_buf(buf) {
            Ok(0) => return Err(ReadErr::Closed),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return Err(ReadErr::Error),
        }
        let ready = conn.readable();
        match until {
            Some(d) => match tokio::time::timeout_at(d, ready).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(ReadErr::Error),
                Err(_) => return Err(ReadErr::Timeout),
            },
            None => {
                if ready.await.is_err() {
                    return Err(ReadErr::Error);
                }
            }
        }
    }
}

/// Writes all of `data`, each wait for room bounded by `timeout`. `Err(true)` on
/// timeout. Takes a shared reference, so one direction of a stream can write a socket
/// while the other reads it.
pub async fn write_all(
    conn: &Conn,
    mut data: &[u8],
    timeout: Option<Duration>,
) -> Result<(), bool> {
    while !data.is_empty() {
        match conn.try_write(data) {
            Ok(0) => return Err(false),
            Ok(n) => {
                data = &data[n..];
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(false),
        }
        match timeout {
            None => conn.writable().await.map_err(|_| false)?,
            Some(t) => match tokio::time::timeout(t, conn.writable()).await {
                Ok(r) => r.map_err(|_| false)?,
                Err(_) => return Err(true),
            },
        }
    }
    Ok(())
}
