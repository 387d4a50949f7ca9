//! The vault's unit tests.

use base64_simd::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};

use super::*;

fn key() -> VaultKey {
    VaultKey::parse(&VaultKey::generate()).unwrap()
}

const ROW: Binding<'static> = Binding {
    table: "a_table",
    field: "a_field",
    row: "7",
};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[test]
fn round_trip() {
    let vault = Vault::new(key(), []);
    let sealed = vault.seal(ROW, &secret("ya29.token"));
    assert!(sealed.starts_with(&format!("v2:{}:", vault.current_key_id())));
    assert!(!sealed.contains("ya29"));
    assert_eq!(
        vault.open(ROW, &sealed).unwrap().expose_secret(),
        "ya29.token"
    );
    assert_eq!(
        vault
            .open(ROW, &vault.seal(ROW, &secret("")))
            .unwrap()
            .expose_secret(),
        ""
    );
}

#[test]
fn same_plaintext_twice_gives_different_ciphertexts() {
    let vault = Vault::new(key(), []);
    assert_ne!(
        vault.seal(ROW, &secret("same")),
        vault.seal(ROW, &secret("same"))
    );
}

#[test]
fn tampering_and_truncation_are_typed_errors() {
    let vault = Vault::new(key(), []);
    let sealed = vault.seal(ROW, &secret("refresh-token"));
    let (head, body) = sealed.rsplit_once(':').unwrap();
    let mut raw = URL_SAFE_NO_PAD.decode_to_vec(body).unwrap();
    for i in [0, NONCE_BYTES, raw.len() - 1] {
        raw[i] ^= 1;
        let altered = format!("{head}:{}", URL_SAFE_NO_PAD.encode_to_string(&raw));
        assert_eq!(
            vault.open(ROW, &altered).unwrap_err(),
            VaultError::Unauthentic
        );
        raw[i] ^= 1;
    }
    let truncated = format!(
        "{head}:{}",
        URL_SAFE_NO_PAD.encode_to_string(&raw[..raw.len() - 1])
    );
    assert_eq!(
        vault.open(ROW, &truncated).unwrap_err(),
        VaultError::Unauthentic
    );
    let stub = format!("{head}:{}", URL_SAFE_NO_PAD.encode_to_string(&raw[..20]));
    assert_eq!(vault.open(ROW, &stub).unwrap_err(), VaultError::Malformed);
    for junk in [
        "",
        "v2",
        "v2:abc",
        "v2:x:AAAA",
        "v2:x:!!!",
        &sealed[..sealed.len() / 2],
    ] {
        assert!(vault.open(ROW, junk).is_err(), "{junk:?}");
    }
}

#[test]
fn a_ciphertext_moved_to_another_row_or_field_does_not_open() {
    let vault = Vault::new(key(), []);
    let sealed = vault.seal(ROW, &secret("token-of-row-7"));
    let other_row = Binding { row: "8", ..ROW };
    let other_field = Binding {
        field: "another_field",
        ..ROW
    };
    let other_table = Binding {
        table: "another_table",
        ..ROW
    };
    for binding in [other_row, other_field, other_table] {
        assert_eq!(
            vault.open(binding, &sealed).unwrap_err(),
            VaultError::Unauthentic
        );
    }
}

#[test]
fn threads_sealing_and_opening_at_once_all_round_trip() {
    let vault = Vault::new(key(), []);
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let vault = &vault;
            scope.spawn(move || {
                for i in 0..200 {
                    let row = format!("{thread}-{i}");
                    let binding = Binding { row: &row, ..ROW };
                    let token = format!("token {thread} {i}");
                    let sealed = vault.seal(binding, &secret(&token));
                    assert_eq!(
                        vault.open(binding, &sealed).unwrap().expose_secret(),
                        &token
                    );
                }
            });
        }
    });
}

#[test]
fn the_development_v1_form_is_not_read() {
    let vault = Vault::new(key(), []);
    let sealed = vault.seal(ROW, &secret("t"));
    let v1 = sealed.replacen("v2:", "v1:", 1);
    assert_eq!(vault.open(ROW, &v1).unwrap_err(), VaultError::Malformed);
    assert!(!vault.is_current(&v1), "so rotate-keys takes it up");
}

#[test]
fn wrong_key_and_unknown_key() {
    let a = Vault::new(key(), []);
    let sealed = a.seal(ROW, &secret("t"));
    let b = Vault::new(key(), []);
    assert!(matches!(
        b.open(ROW, &sealed),
        Err(VaultError::UnknownKey { .. })
    ));
    // Same id claimed, different key material: authentication fails.
    let forged = sealed.replacen(a.current_key_id(), b.current_key_id(), 1);
    assert_eq!(b.open(ROW, &forged).unwrap_err(), VaultError::Unauthentic);
}

#[test]
fn retired_keys_still_open() {
    let old = VaultKey::generate();
    let before = Vault::new(VaultKey::parse(&old).unwrap(), []);
    let sealed = before.seal(ROW, &secret("t"));
    let after = Vault::new(key(), [VaultKey::parse(&old).unwrap()]);
    assert_eq!(after.open(ROW, &sealed).unwrap().expose_secret(), "t");
    assert!(!after.is_current(&sealed));
    assert!(after.is_current(&after.seal(ROW, &secret("t"))));
}

#[test]
fn keys_must_be_64_bytes_of_base64() {
    assert_eq!(
        VaultKey::parse(&secret("not base64!")).unwrap_err(),
        KeyError::NotBase64
    );
    assert_eq!(
        VaultKey::parse(&secret(&STANDARD.encode_to_string([0u8; 32]))).unwrap_err(),
        KeyError::WrongLength(32)
    );
    let generated = VaultKey::generate();
    assert_eq!(
        STANDARD
            .decode_to_vec(generated.expose_secret())
            .unwrap()
            .len(),
        KEY_BYTES
    );
    assert_eq!(VaultKey::parse(&generated).unwrap().id().len(), 12);
}

#[test]
fn debug_output_never_shows_keys_or_plaintext() {
    let encoded = VaultKey::generate();
    let vault = Vault::new(VaultKey::parse(&encoded).unwrap(), []);
    let debug = format!("{vault:?}");
    assert!(!debug.contains(encoded.expose_secret()));
    assert!(debug.contains(vault.current_key_id()));
    let error = vault.open(ROW, "v2:x:AAAA").unwrap_err();
    assert!(!format!("{error} {error:?}").contains("AAAA"));
}
