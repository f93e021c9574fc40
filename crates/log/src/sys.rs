//! The one descriptor operation without a safe wrapper: taking a duplicate of an
//! inherited descriptor (`log fd@N`) as an owned file. The `unsafe` block adopts a
//! descriptor `dup(2)` has just returned, which nothing else owns.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

/// A duplicate of descriptor `fd`, owned by the caller.
pub fn dup_fd(fd: u32) -> io::Result<File> {
    match fd {
        1 => return io::stdout().as_fd().try_clone_to_owned().map(File::from),
        2 => return io::stderr().as_fd().try_clone_to_owned().map(File::from),
        _ => {}
    }
    let raw = i32::try_from(fd).map_err(|_| io::Error::from_raw_os_error(nix::libc::EBADF))?;
    let new = nix::unistd::dup(raw).map_err(io::Error::from)?;
    // SAFETY: `new` was just returned by dup(2): a valid descriptor nobody else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(new) };
    Ok(File::from(owned))
}

/// The system's text for an error, as HAProxy prints `strerror(errno)`.
pub fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}
