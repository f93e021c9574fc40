//! The system's crypt(3) (libxcrypt), which HAProxy calls to check a `userlist`
//! `password`: every hash method the system knows (yescrypt `$y$`, `$gy$`, scrypt `$7$`,
//! bcrypt `$2b$`, SHA-512 `$6$`, SHA-256 `$5$`, MD5 `$1$`, DES...) is supported as it is
//! by HAProxy. `crypt_rn` writes into a caller-owned work area (one per thread, reused)
//! and reports failure with a null pointer instead of a magic string.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// `sizeof(struct crypt_data)` in libxcrypt (`CRYPT_DATA_...` sizes add up to 32 KiB).
const CRYPT_DATA_SIZE: usize = 32768;

#[link(name = "crypt")]
extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

thread_local! {
    static WORK: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Whether `pass` hashed with the method and salt of `hash` gives `hash` (HAProxy's
/// `check_user`: `strcmp(crypt(pass, hash), hash) == 0`). A password or hash with a
/// NUL byte, or a hash the system cannot compute, never matches.
pub fn verify(pass: &[u8], hash: &str) -> bool {
    let (Ok(p), Ok(h)) = (CString::new(pass), CString::new(hash)) else {
        return false;
    };
    WORK.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() < CRYPT_DATA_SIZE {
            w.resize(CRYPT_DATA_SIZE, 0);
        }
        // SAFETY: both strings are NUL-terminated and live across the call; the work
        // area is `CRYPT_DATA_SIZE` writable bytes owned by this thread, and its size is
        // passed. The result, when not null, points into the work area, which is read
        // before anything else touches it.
        let out = unsafe {
            crypt_rn(
                p.as_ptr(),
                h.as_ptr(),
                w.as_mut_ptr().cast(),
                CRYPT_DATA_SIZE as c_int,
            )
        };
        if out.is_null() {
            return false;
        }
        // SAFETY: a non-null result is a NUL-terminated string inside the work area.
        let got = unsafe { CStr::from_ptr(out) }.to_bytes();
        same(got, hash.as_bytes())
    })
}

/// Compares in a time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::verify;

    #[test]
    fn system_methods() {
        // Hashes of "hello" by Python's `crypt` over the same libxcrypt, and by
        // `openssl passwd -6` for SHA-512.
        for h in [
            "$y$j9T$abcdefghijklmnopqrstu.$ydgcsGt7XwkF.imYTED9FPsB2NhbgtwHaAbOVp8DoZ8",
            "$6$abcdefgh$bp46WUxDu2cphMRE0PvVJlqas2imuSq186YS793XKfmqn9XUEL17HECskUTZInaNigNndLLYc7A6yWBmFEFn3/",
            "$5$abcdefgh$UUoko/Tf0b.8LrDH6BE28ZvVbc7xd//GfzsD0NKugU7",
            "$2b$05$abcdefghijklmnopqrstuuWHxnxkyNt6AHCwFMQaY6auyqJA8E98a",
            "$1$abcdefgh$rwnEbRiN0agqVgZBovWNQ/",
            "abl0JrMf6tlhw",
        ] {
            assert!(verify(b"hello", h), "{h}");
            assert!(!verify(b"hellO", h), "{h}");
        }
        assert!(!verify(b"hello", "$unknown$xx"));
        assert!(!verify(b"hel\0lo", "$6$abcdefgh$x"));
    }
}
