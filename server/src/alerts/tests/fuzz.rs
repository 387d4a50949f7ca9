//! No input makes `classify` panic: arbitrary bytes, mutated fixtures, and authenticated mails
//! from each table row whose bodies are random mixes of the words the extractors look for.

use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::super::banks::FORMATS;
use super::super::{Outcome, classify, fixtures};

/// Words and markup the extractors react to, plus awkward characters.
const TOKENS: &[&str] = &[
    "<td>",
    "</td>",
    "<tr>",
    "</tr>",
    "<table>",
    "<br>",
    "<p>",
    "<!--",
    "-->",
    "<script>",
    "<",
    ">",
    "&nbsp;",
    "&oacute;",
    "&#8353;",
    "&#xZZ;",
    "&",
    ":",
    ",",
    ".",
    " ",
    "\t",
    "\r\n",
    "\n",
    "Comercio:",
    "Ciudad y país:",
    "Fecha:",
    "VISA",
    "************3640",
    "****-****-****-9282",
    "Autorización:",
    "Referencia:",
    "Tipo de Transacción:",
    "COMPRA",
    "Monto:",
    "CRC",
    "USD",
    "NIO",
    "₡",
    "$",
    "22,000.00",
    "22.000,00",
    "1,234",
    "9999999999999999999999999999999",
    "0",
    "12",
    "Nov 30, 2025, 09:09",
    "Ago",
    "Jul.",
    "31/02/2025",
    "31/12/9999 23:59:59",
    "Dic 31, 9999, 23:59",
    "31/12/9999",
    "05/12/2025 13:45:10",
    "COLON COSTA RICA",
    "US DOLLAR",
    "Aprobada",
    "Negada",
    "Fecha",
    "Estado",
    "debitado",
    "acreditado",
    "realizada el ",
    "14/09/2025",
    " a las ",
    "3:42 PM",
    "12:00 a. m.",
    "25:61",
    "Nombre cliente Destino/origen:",
    "Motivo:",
    "realizada en ",
    ", el día ",
    "terminada en ",
    "autorización ",
    "referencia ",
    " por ",
    ", fue ",
    "aprobada",
    "rechazada",
    "é",
    "ñ",
    "Ω",
    "\u{a0}",
    "\u{200b}",
    "👍",
    "\u{feff}",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(TOKENS).prop_map(str::to_owned),
        1 => "\\PC{0,6}",
    ]
}

fn check(outcome: &Outcome) {
    if let Outcome::Transactions(list) = outcome {
        assert!(!list.is_empty());
        for (i, t) in list.iter().enumerate() {
            assert_eq!(t.index as usize, i);
            assert!(t.amount.minor_units >= 0);
        }
    }
}

proptest! {
    // 256 cases each unless PROPTEST_CASES says otherwise; failures are not written to disk.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check(&classify(&bytes));
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<Index>(),
        edits in prop::collection::vec((any::<Index>(), any::<u8>()), 0..24),
        cut in any::<Index>(),
        truncate in any::<bool>(),
    ) {
        let fixture = which.get(fixtures::ALL);
        let mut raw = fixture.raw.to_vec();
        for (at, byte) in edits {
            let i = at.index(raw.len());
            raw[i] = byte;
        }
        if truncate {
            raw.truncate(cut.index(raw.len() + 1));
        }
        check(&classify(&raw));
    }

    #[test]
    fn random_bodies_of_every_layout_never_panic(
        row in any::<Index>(),
        html in any::<bool>(),
        words in prop::collection::vec(token(), 0..120),
    ) {
        let format = row.get(FORMATS);
        let sender = format.senders[0];
        let domain = sender.split_once('@').map_or("", |(_, d)| d);
        let subject = format.subject.unwrap_or("aviso");
        let kind = if html { "text/html" } else { "text/plain" };
        let raw = format!(
            "From: {sender}\r\nAuthentication-Results: mx.google.com; dmarc=pass \
             header.from={domain}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
             Content-Type: {kind}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
            words.concat()
        );
        let outcome = classify(raw.as_bytes());
        check(&outcome);
        prop_assert!(!matches!(outcome, Outcome::NotBank | Outcome::Rejected(_)), "{outcome:?}");
    }
}
