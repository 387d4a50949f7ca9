//! The token vault: AES-256-SIV for every secret at rest (access and refresh tokens, PKCE
//! verifiers).
//!
//! Stored form: `v2:<key id>:<base64url(nonce ‖ synthetic IV ‖ ciphertext)>`. Each seal uses a
//! fresh random 16-byte nonce, so the same plaintext never gives the same ciphertext twice. The
//! associated data binds a ciphertext to its (table, field, row): copied to another row or
//! field, it fails to open. The key id names the key that sealed it, so retired keys keep
//! working for reading while rotation re-seals everything under the current key.
//!
//! The SIV's pseudorandom function is PMAC (the aes-siv crate's `Aes256PmacSiv`) rather
//! than RFC 5297's CMAC: PMAC processes blocks in parallel where CMAC chains them (a 2 KB seal
//! takes about a third of the time, keyed cipher against keyed cipher), and only this vault
//! ever reads what it writes. Base64 goes through `base64-simd` for the same reason
//! (BENCHMARKS.md has the figures). `v1` was the CMAC form of development builds: it is not
//! read (`Malformed`), so `rotate-keys` counts such secrets as unavailable and marks their
//! accounts for reconnecting.

mod key;
pub mod rotation;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use aes_siv::Tag;
use base64_simd::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

pub use key::{KEY_BYTES, KeyError, VaultKey};

const VERSION: &str = "v2";
const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 16;
/// Where the ciphertext starts in `nonce ‖ synthetic IV ‖ ciphertext`.
const BODY_START: usize = NONCE_BYTES + TAG_BYTES;

/// Where a ciphertext lives. The row is the row's stable identifier (its id, or for OAuth flows
/// the state hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    pub table: &'static str,
    pub field: &'static str,
    pub row: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(32 + self.table.len() + self.field.len() + self.row.len());
        for part in ["mailconnect-vault-v2", self.table, self.field, self.row] {
            aad.extend_from_slice(part.as_bytes());
            aad.push(0);
        }
        aad
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the stored secret is not in the vault's format")]
    Malformed,
    #[error("the stored secret was sealed with key {key_id}, which is not configured")]
    UnknownKey { key_id: String },
    #[error(
        "the stored secret failed authentication (altered, truncated, or moved from another row or field)"
    )]
    Unauthentic,
}

/// Seals with the current key; opens with the current key or any retired one.
#[derive(Clone, Debug)]
pub struct Vault {
    current: Arc<VaultKey>,
    keys: Arc<HashMap<String, Arc<VaultKey>>>,
}

impl Vault {
    pub fn new(current: VaultKey, retired: impl IntoIterator<Item = VaultKey>) -> Self {
        let current = Arc::new(current);
        let mut keys: HashMap<String, Arc<VaultKey>> = retired
            .into_iter()
            .map(|key| (key.id.clone(), Arc::new(key)))
            .collect();
        keys.insert(current.id.clone(), current.clone());
        Self {
            current,
            keys: Arc::new(keys),
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, binding: Binding<'_>, plaintext: &SecretString) -> String {
        let message = plaintext.expose_secret().as_bytes();
        let mut nonce = [0u8; NONCE_BYTES];
        rand::thread_rng().fill_bytes(&mut nonce);
        // One buffer, laid out as stored: nonce ‖ synthetic IV ‖ ciphertext.
        let mut raw = Vec::with_capacity(BODY_START + message.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&Tag::default());
        raw.extend_from_slice(message);
        let aad = binding.associated_data();
        let siv = self
            .current
            .ciphers
            .with(|cipher| {
                cipher.encrypt_inout_detached(
                    [aad.as_slice(), &nonce],
                    (&mut raw[BODY_START..]).into(),
                )
            })
            .expect("AES-SIV encryption of an in-memory buffer cannot fail");
        raw[NONCE_BYTES..BODY_START].copy_from_slice(&siv);

        let mut out = String::with_capacity(
            VERSION.len() + self.current.id.len() + 2 + URL_SAFE_NO_PAD.encoded_length(raw.len()),
        );
        out.push_str(VERSION);
        out.push(':');
        out.push_str(&self.current.id);
        out.push(':');
        URL_SAFE_NO_PAD.encode_append(&raw, &mut out);
        out
    }

    pub fn open(&self, binding: Binding<'_>, stored: &str) -> Result<SecretString, VaultError> {
        let (key_id, mut raw) = parse_stored(stored)?;
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| VaultError::UnknownKey {
                key_id: key_id.to_owned(),
            })?;
        let (head, body) = raw.split_at_mut(BODY_START);
        let (nonce, siv) = head.split_at(NONCE_BYTES);
        let siv = Tag::try_from(siv).map_err(|_| VaultError::Malformed)?;
        let aad = binding.associated_data();
        key.ciphers
            .with(|cipher| {
                cipher.decrypt_inout_detached([aad.as_slice(), nonce], body.into(), &siv)
            })
            .map_err(|_| VaultError::Unauthentic)?;
        raw.drain(..BODY_START);
        String::from_utf8(raw)
            .map(SecretString::from)
            .map_err(|_| VaultError::Unauthentic)
    }

    /// Whether a stored secret is already sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        parse_stored(stored).is_ok_and(|(key_id, _)| key_id == self.current.id)
    }
}

fn parse_stored(stored: &str) -> Result<(&str, Vec<u8>), VaultError> {
    let mut parts = stored.splitn(3, ':');
    let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(VaultError::Malformed);
    };
    let raw = URL_SAFE_NO_PAD
        .decode_to_vec(body)
        .map_err(|_| VaultError::Malformed)?;
    if raw.len() < BODY_START {
        return Err(VaultError::Malformed);
    }
    Ok((key_id, raw))
}
