//! Becoming a service: `-D` / `daemon` (fork into the background, detach from the
//! terminal), the pid file (`-p` / `pidfile`), and dropping privileges after the sockets
//! are bound (`chroot`, `gid`/`group`, `uid`/`user`), in HAProxy's order (management guide
//! section 3; src/haproxy.c `main`). This module holds the process's only `fork()`, run
//! while the process has a single thread.
#![allow(unsafe_code)]

use nix::unistd::{self, ForkResult, Gid, Uid};
use std::path::Path;

/// Forks into the background. Returns in the child only; the parent writes the child's
/// pid to `pidfile` and exits 0, as HAProxy's parent does. `prog` names the program in
/// messages (HAProxy's `[prog.main()]` prefix).
pub fn daemonize(prog: &str, pidfile: Option<&Path>) -> Result<(), String> {
    // SAFETY: called before any thread is started (the workers start afterwards), so the
    // child inherits a consistent, single-threaded process.
    match unsafe { unistd::fork() } {
        Ok(ForkResult::Parent { child }) => {
            if let Some(p) = pidfile {
                let _ = std::fs::write(p, format!("{child}\n"));
            }
            std::process::exit(0);
        }
        Ok(ForkResult::Child) => {
            let _ = unistd::setsid();
            redirect_stdio();
            Ok(())
        }
        Err(_) => Err(format!("[{prog}.main()] Cannot fork.")),
    }
}

/// Points stdin, stdout and stderr at /dev/null (a daemon has no terminal).
fn redirect_stdio() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..=2 {
            let _ = unistd::dup2(null.as_raw_fd(), fd);
        }
    }
}

/// Writes the pid file of a foreground process.
pub fn write_pidfile(prog: &str, path: &Path) -> Result<(), String> {
    std::fs::write(path, format!("{}\n", std::process::id())).map_err(|e| {
        format!(
            "[{prog}.main()] Cannot create pidfile {} ({e})",
            path.display()
        )
    })
}

/// `chroot`, then `gid`, then `uid`: the order HAProxy uses so the group change is still
/// permitted.
pub fn drop_privileges(
    prog: &str,
    chroot: Option<&Path>,
    uid: Option<u32>,
    gid: Option<u32>,
) -> Result<(), String> {
    if let Some(dir) = chroot {
        unistd::chroot(dir)
            .and_then(|()| unistd::chdir("/"))
            .map_err(|e| {
                format!(
                    "[{prog}.main()] Cannot chroot({}) ({}).",
                    dir.display(),
                    e.desc()
                )
            })?;
    }
    if let Some(g) = gid {
        let _ = unistd::setgroups(&[]);
        unistd::setgid(Gid::from_raw(g))
            .map_err(|_| format!("[{prog}.main()] Cannot set gid {g}."))?;
    }
    if let Some(u) = uid {
        unistd::setuid(Uid::from_raw(u))
            .map_err(|_| format!("[{prog}.main()] Cannot set uid {u}."))?;
    }
    Ok(())
}
