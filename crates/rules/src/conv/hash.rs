//! Hash and digest converters: the 32-bit hashes HAProxy shares with balancing (`crc32`,
//! `crc32c`, `djb2`, `sdbm`, `wt6`), the xxHash family (`xxh32`, `xxh64`, `xxh3`), and
//! the cryptographic digests (`sha1`, `sha2`, `digest`, `hmac`) with OpenSSL's names.

use super::{bytes_of, int_arg, Cx};
use crate::args::Arg;
use crate::sample::Value;
use hmac::{KeyInit, Mac};
use sha2::Digest;
use std::borrow::Cow;

/// A hash converter: the 32-bit hash of the bytes, through `avalanche` when the
/// optional argument is not 0.
fn hashed<'a>(v: Value<'a>, args: &[Arg], f: fn(&[u8]) -> u32) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let mut h = f(&s);
    if int_arg(args, 0, 0) != 0 {
        h = rampart_core::hash::avalanche(h);
    }
    Some(Value::Sint(i64::from(h)))
}

pub fn crc32<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::crc32)
}

pub fn crc32c<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::crc32c)
}

pub fn djb2<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::djb2)
}

pub fn sdbm<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::sdbm)
}

pub fn wt6<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::wt6)
}

/// `xxh32([seed])`: the seed is the argument's low 32 bits.
pub fn xxh32<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let h = xxhash_rust::xxh32::xxh32(&s, int_arg(a, 0, 0) as u32);
    Some(Value::Sint(i64::from(h)))
}

/// `xxh64([seed])`: the unsigned hash stored as a signed integer.
pub fn xxh64<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let h = xxhash_rust::xxh64::xxh64(&s, int_arg(a, 0, 0) as u64);
    Some(Value::Sint(h as i64))
}

/// `xxh3([seed])`: XXH3's 64-bit variant.
pub fn xxh3<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let h = xxhash_rust::xxh3::xxh3_64_with_seed(&s, int_arg(a, 0, 0) as u64);
    Some(Value::Sint(h as i64))
}

/// The digest algorithms Rampart computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl Alg {
    fn id(self) -> i64 {
        self as i64
    }

    fn from_id(n: i64) -> Option<Alg> {
        use Alg::*;
        [
            Md5, Sha1, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256,
        ]
        .into_iter()
        .find(|a| a.id() == n)
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        fn run<D: Digest>(data: &[u8]) -> Vec<u8> {
            D::digest(data).to_vec()
        }
        match self {
            Alg::Md5 => run::<md5::Md5>(data),
            Alg::Sha1 => run::<sha1::Sha1>(data),
            Alg::Sha224 => run::<sha2::Sha224>(data),
            Alg::Sha256 => run::<sha2::Sha256>(data),
            Alg::Sha384 => run::<sha2::Sha384>(data),
            Alg::Sha512 => run::<sha2::Sha512>(data),
            Alg::Sha512_224 => run::<sha2::Sha512_224>(data),
            Alg::Sha512_256 => run::<sha2::Sha512_256>(data),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
            let mut m = <M as KeyInit>::new_from_slice(key).ok()?;
            m.update(data);
            Some(m.finalize().into_bytes().to_vec())
        }
        use hmac::Hmac;
        match self {
            Alg::Md5 => run::<Hmac<md5::Md5>>(key, data),
            Alg::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
            Alg::Sha224 => run::<Hmac<sha2::Sha224>>(key, data),
            Alg::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
            Alg::Sha384 => run::<Hmac<sha2::Sha384>>(key, data),
            Alg::Sha512 => run::<Hmac<sha2::Sha512>>(key, data),
            Alg::Sha512_224 => run::<Hmac<sha2::Sha512_224>>(key, data),
            Alg::Sha512_256 => run::<Hmac<sha2::Sha512_256>>(key, data),
        }
    }
}

/// OpenSSL 3's names for the digests Rampart computes (its lookup ignores case).
const ALG_NAMES: &[(&str, Alg)] = &[
    ("md5", Alg::Md5),
    ("ssl3-md5", Alg::Md5),
    ("rsa-md5", Alg::Md5),
    ("md5WithRSAEncryption", Alg::Md5),
    ("1.2.840.113549.2.5", Alg::Md5),
    ("sha1", Alg::Sha1),
    ("sha-1", Alg::Sha1),
    ("ssl3-sha1", Alg::Sha1),
    ("rsa-sha1", Alg::Sha1),
    ("sha1WithRSAEncryption", Alg::Sha1),
    ("1.3.14.3.2.26", Alg::Sha1),
    ("sha224", Alg::Sha224),
    ("sha2-224", Alg::Sha224),
    ("sha-224", Alg::Sha224),
    ("rsa-sha224", Alg::Sha224),
    ("sha224WithRSAEncryption", Alg::Sha224),
    ("2.16.840.1.101.3.4.2.4", Alg::Sha224),
    ("sha256", Alg::Sha256),
    ("sha2-256", Alg::Sha256),
    ("sha-256", Alg::Sha256),
    ("rsa-sha256", Alg::Sha256),
    ("sha256WithRSAEncryption", Alg::Sha256),
    ("2.16.840.1.101.3.4.2.1", Alg::Sha256),
    ("sha384", Alg::Sha384),
    ("sha2-384", Alg::Sha384),
    ("sha-384", Alg::Sha384),
    ("rsa-sha384", Alg::Sha384),
    ("sha384WithRSAEncryption", Alg::Sha384),
    ("2.16.840.1.101.3.4.2.2", Alg::Sha384),
    ("sha512", Alg::Sha512),
    ("sha2-512", Alg::Sha512),
    ("sha-512", Alg::Sha512),
    ("rsa-sha512", Alg::Sha512),
    ("sha512WithRSAEncryption", Alg::Sha512),
    ("2.16.840.1.101.3.4.2.3", Alg::Sha512),
    ("sha512-224", Alg::Sha512_224),
    ("sha2-512/224", Alg::Sha512_224),
    ("sha-512/224", Alg::Sha512_224),
    ("rsa-sha512/224", Alg::Sha512_224),
    ("sha512-224WithRSAEncryption", Alg::Sha512_224),
    ("2.16.840.1.101.3.4.2.5", Alg::Sha512_224),
    ("sha512-256", Alg::Sha512_256),
    ("sha2-512/256", Alg::Sha512_256),
    ("sha-512/256", Alg::Sha512_256),
    ("rsa-sha512/256", Alg::Sha512_256),
    ("sha512-256WithRSAEncryption", Alg::Sha512_256),
    ("2.16.840.1.101.3.4.2.6", Alg::Sha512_256),
];

/// Digests OpenSSL knows that Rampart does not compute yet.
const OTHER_OPENSSL_DIGESTS: &[&str] = &[
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "shake128",
    "shake256",
    "md4",
    "md5-sha1",
    "ripemd160",
    "ripemd",
    "rmd160",
    "ripemd-160",
    "blake2b512",
    "blake2s256",
    "sm3",
    "whirlpool",
    "keccak-kmac-128",
    "keccak-kmac-256",
];

/// The argument check of `digest` (HAProxy's `check_crypto_digest`): an OpenSSL
/// digest name, replaced by the algorithm.
pub fn check_digest(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(name)) = args.first() else {
        return Err(BAD_ALG.into());
    };
    if let Some((_, alg)) = ALG_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        args[0] = Arg::Sint(alg.id());
        return Ok(());
    }
    if OTHER_OPENSSL_DIGESTS
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        return Err(format!("digest algorithm '{name}' is not supported yet"));
    }
    Err(BAD_ALG.into())
}

const BAD_ALG: &str = "algorithm must be a valid OpenSSL message digest name.";

fn alg_arg(args: &[Arg]) -> Option<Alg> {
    match args.first() {
        Some(Arg::Sint(n)) => Alg::from_id(*n),
        _ => None,
    }
}

/// `digest(alg)`.
pub fn digest<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let alg = alg_arg(args)?;
    Some(Value::Bin(Cow::Owned(alg.digest(&s))))
}

/// `sha1`.
pub fn sha1<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    Some(Value::Bin(Cow::Owned(Alg::Sha1.digest(&s))))
}

/// The argument check of `sha2([bits])` (`smp_check_sha2`).
pub fn check_sha2(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        None | Some(Arg::Sint(224 | 256 | 384 | 512)) => Ok(()),
        Some(Arg::Sint(n)) => Err(format!("Unsupported number of bits: '{n}'")),
        Some(_) => Err("Invalid type 'string'".into()),
    }
}

/// `sha2([bits])`: SHA-256 by default.
pub fn sha2<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let alg = match int_arg(args, 0, 0) {
        0 | 256 => Alg::Sha256,
        224 => Alg::Sha224,
        384 => Alg::Sha384,
        512 => Alg::Sha512,
        _ => return None,
    };
    Some(Value::Bin(Cow::Owned(alg.digest(&s))))
}

/// The argument check of `hmac(alg,key)` (`check_crypto_hmac`): the algorithm as for
/// `digest`, the key a base64 string (decoded here) or a variable.
pub fn check_hmac(args: &mut [Arg]) -> Result<(), String> {
    check_digest(args)?;
    let Some(Arg::Str(key)) = args.get(1) else {
        return Ok(());
    };
    if key.is_empty() {
        args[1] = Arg::Bin(Vec::new());
        return Ok(());
    }
    if let Ok(v) = crate::vars::VarRef::parse(key) {
        args[1] = Arg::Var(v);
        return Ok(());
    }
    let err = || {
        "failed to parse key : argument needs to be base64 encoded, and can either be a string or a variable"
            .to_string()
    };
    if key.len() % 4 != 0 {
        return Err(err());
    }
    let decoded = super::encode::base64_decode(key.as_bytes()).ok_or_else(err)?;
    args[1] = Arg::Bin(decoded);
    Ok(())
}

/// `hmac(alg,key)`: a key in a variable is read as text and base64-decoded on use.
pub fn hmac<'a>(
    v: Value<'a>,
    args: &[Arg],
    _: &Cx,
    strm: &crate::stream::Stream<'_>,
) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let alg = alg_arg(args)?;
    let out = match args.get(1) {
        Some(Arg::Bin(k)) => alg.hmac(k, &s)?,
        Some(Arg::Var(var)) => crate::vars::with_var(strm, var, |x| {
            let text = match x?.reborrow().cast(crate::sample::SmpType::Str)? {
                Value::Str(t) => t,
                _ => return None,
            };
            let key = super::encode::base64_decode(&text)?;
            alg.hmac(&key, &s)
        })?,
        _ => return None,
    };
    Some(Value::Bin(Cow::Owned(out)))
}
