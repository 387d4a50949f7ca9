//! Secrets in memory, and the ids the server makes.
//!
//! Tokens, codes, keys and session ids travel as [`SecretString`] (the `secrecy` crate): its
//! `Debug` prints a placeholder, it has no `Display`, its memory is zeroed when dropped, and the
//! value is reached only through `expose_secret()`, which makes every use easy to find.

use base64_simd::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use secrecy::{ExposeSecret, SecretString};

/// 256 random bits, base64url: session ids, OAuth states, nonces.
pub fn random_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode_to_string(bytes))
}

/// SHA-256, hex: how session ids and OAuth states are stored.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let secret = SecretString::from("canary-7f3a".to_owned());
        assert!(!format!("{secret:?}").contains("canary"));
        assert!(!format!("{:?}", Some(&secret)).contains("canary"));
        assert_eq!(secret.expose_secret(), "canary-7f3a");
    }

    #[test]
    fn tokens_are_random_and_hashes_are_hex() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
