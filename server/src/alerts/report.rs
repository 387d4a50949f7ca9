//! One examined mail as a line or two of text for an operator (`server classify`): outcome,
//! bank, and each transaction's kind, amount, time and fields, or the reason for a refusal.
//! It prints what the mail says; it is for a person holding the mail, never for logs.

use std::fmt::Write;

use time::format_description::well_known::Rfc3339;

use super::when::COSTA_RICA;
use super::{Examined, Outcome};

/// The report for one mail, one line per transaction after the first.
pub fn report(examined: &Examined) -> String {
    let bank = examined
        .bank
        .map_or_else(String::new, |b| format!(" ({})", b.display_name()));
    let mut out = format!("{}{bank}", examined.outcome.code());
    match &examined.outcome {
        Outcome::Transactions(list) => {
            for t in list {
                let at = t
                    .occurred_at
                    .to_offset(COSTA_RICA)
                    .format(&Rfc3339)
                    .unwrap_or_default();
                let _ = write!(out, "\n  {} {} {at}", t.kind, t.amount);
                let fields = [
                    ("merchant", &t.merchant),
                    ("city", &t.city),
                    ("country", &t.country),
                    ("card", &t.card_last4),
                    ("authorization", &t.authorization),
                    ("reference", &t.reference),
                    ("memo", &t.memo),
                ];
                for (name, value) in fields {
                    if let Some(value) = value {
                        let _ = write!(out, " {name}={value:?}");
                    }
                }
            }
        }
        Outcome::NotBank => {}
        Outcome::Rejected(why) => {
            let _ = write!(out, ": {why}");
        }
        Outcome::Refused(why) => {
            let _ = write!(out, ": {why}");
        }
        Outcome::Ignored(why) => {
            let _ = write!(out, ": {why}");
        }
        Outcome::Unparsed { reason, .. } => {
            let _ = write!(out, ": {reason}");
        }
        Outcome::UnknownLayout { .. } => {
            let shape = examined.subject_shape.as_deref().unwrap_or_default();
            let _ = write!(
                out,
                ": an alert address's mail in a layout no row of the table knows \
                 (subject shape: {shape})"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{GMAIL_VERDICTS, examine, examine_layout, fixtures};
    use super::*;

    #[test]
    fn reports_say_what_each_mail_gave() {
        let raw = fixtures::get("bcr_card_three_rows.eml").expect("fixture");
        let text = report(&examine(raw, GMAIL_VERDICTS));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "transactions (Banco de Costa Rica)");
        assert_eq!(
            lines[2],
            "  declined CRC 89900.00 2025-12-05T18:02:55-06:00 \
             merchant=\"TIENDA ELECTRONICA DEMO\" card=\"9282\" reference=\"533912349901\""
        );
        assert_eq!(lines.len(), 4);

        let raw = fixtures::get("bcr_forged_unauthenticated.eml").expect("fixture");
        let forged = examine(raw, GMAIL_VERDICTS);
        assert!(
            report(&forged).starts_with("rejected (Banco de Costa Rica): not authenticated"),
            "{}",
            report(&forged)
        );
        // Its layout, read without the verdict, is a transaction.
        assert!(report(&examine_layout(raw)).starts_with("transactions (Banco de Costa Rica)"));

        let raw = fixtures::get("personal_not_bank.eml").expect("fixture");
        assert_eq!(report(&examine(raw, GMAIL_VERDICTS)), "not_bank");
    }
}
