//! Seal + open throughput of the token vault: `cargo bench -p server --bench vault`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secrecy::SecretString;
use server::vault::{Binding, Vault, VaultKey};

fn seal_and_open(c: &mut Criterion) {
    let vault = Vault::new(VaultKey::parse(&VaultKey::generate()).unwrap(), []);
    let binding = Binding {
        table: "email_accounts",
        field: "access_token",
        row: "12345",
    };
    let mut group = c.benchmark_group("vault");
    for size in [200usize, 2048] {
        let token = SecretString::from("t".repeat(size));
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("seal_{size}B"), |b| {
            b.iter(|| vault.seal(binding, &token))
        });
        let sealed = vault.seal(binding, &token);
        group.bench_function(format!("open_{size}B"), |b| {
            b.iter(|| vault.open(binding, &sealed).unwrap())
        });
        group.bench_function(format!("seal_then_open_{size}B"), |b| {
            b.iter(|| vault.open(binding, &vault.seal(binding, &token)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, seal_and_open);
criterion_main!(benches);
