//! Vault keys: 64 random bytes (two AES-256 keys, as SIV needs), written as base64, each with
//! an id derived from it; and the pool of keyed ciphers each key keeps.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use aes_siv::Key;
use aes_siv::aead::KeyInit;
use aes_siv::siv::Aes256PmacSiv;
use base64_simd::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};

pub const KEY_BYTES: usize = 64;

/// One key: 64 random bytes (two AES-256 keys, as SIV needs). Its id is derived from it.
pub struct VaultKey {
    pub(super) id: String,
    pub(super) ciphers: SivPool,
}

/// Keyed ciphers ready for use. Keying PMAC-SIV (the AES key schedule and PMAC's table of
/// offsets) costs about as much as sealing a token, so each key keeps the instances it has made;
/// there are never more than the threads that sealed or opened at the same moment.
pub(super) struct SivPool {
    key: Key<Aes256PmacSiv>,
    idle: Mutex<Vec<Aes256PmacSiv>>,
}

impl SivPool {
    pub(super) fn with<T>(&self, use_cipher: impl FnOnce(&mut Aes256PmacSiv) -> T) -> T {
        let idle = || self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let pooled = idle().pop();
        // Keyed outside the lock.
        let mut cipher = pooled.unwrap_or_else(|| Aes256PmacSiv::new(&self.key));
        let result = use_cipher(&mut cipher);
        idle().push(cipher);
        result
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is not valid base64")]
    NotBase64,
    #[error("decodes to {0} bytes, not {KEY_BYTES}")]
    WrongLength(usize),
}

impl VaultKey {
    /// Parses a key written as base64 (standard or URL-safe, padded or not).
    pub fn parse(encoded: &SecretString) -> Result<Self, KeyError> {
        let text = encoded.expose_secret().trim();
        let bytes: SecretBox<Vec<u8>> = SecretBox::new(Box::new(
            STANDARD
                .decode_to_vec(text)
                .or_else(|_| URL_SAFE.decode_to_vec(text))
                .or_else(|_| URL_SAFE_NO_PAD.decode_to_vec(text))
                .map_err(|_| KeyError::NotBase64)?,
        ));
        let bytes = bytes.expose_secret();
        if bytes.len() != KEY_BYTES {
            return Err(KeyError::WrongLength(bytes.len()));
        }
        let digest = Sha256::new_with_prefix(b"mailconnect-vault-key-id\0")
            .chain_update(bytes)
            .finalize();
        let id = hex::encode(&digest[..6]);
        let ciphers = SivPool {
            key: Key::<Aes256PmacSiv>::try_from(bytes.as_slice()).expect("64-byte key"),
            idle: Mutex::default(),
        };
        Ok(Self { id, ciphers })
    }

    /// A fresh random key, base64 encoded (what `server gen-key` prints).
    pub fn generate() -> SecretString {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SecretString::from(STANDARD.encode_to_string(bytes))
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}
