//! Texts with values in them, each written in both languages: the Transactions page, the
//! account, times and counts (a mailbox's connection, sync and disconnection are in
//! `mailboxes.rs`).

use super::Lang::{self, En, Es};

impl Lang {
    /// "1 transaction", "3 transactions".
    pub fn transactions(self, n: u64) -> String {
        match (self, n) {
            (Es, 1) => "1 transacción".into(),
            (Es, n) => format!("{n} transacciones"),
            (En, 1) => "1 transaction".into(),
            (En, n) => format!("{n} transactions"),
        }
    }

    /// The Transactions page's title after a filter: "Transactions: 3 transactions found".
    pub fn transactions_found(self, n: u64) -> String {
        let count = self.transactions(n);
        match self {
            Es => format!("Transacciones: {count} encontradas"),
            En => format!("Transactions: {count} found"),
        }
    }

    /// The Transactions page's title past its first page.
    pub fn transactions_page(self, n: u64, page: u32, pages: u32) -> String {
        let count = self.transactions(n);
        match self {
            Es => format!("Transacciones: {count}, página {page} de {pages}"),
            En => format!("Transactions: {count}, page {page} of {pages}"),
        }
    }

    pub fn page_of(self, page: u32, pages: u32) -> String {
        match self {
            Es => format!("Página {page} de {pages}"),
            En => format!("Page {page} of {pages}"),
        }
    }

    /// "2 mails from BAC Credomatic could not be read, so they are not in these totals."
    pub fn unread_mail(self, n: u64, bank: &str) -> String {
        match (self, n) {
            (Es, 1) => {
                format!("1 correo de {bank} no se pudo leer, así que no está en estos totales.")
            }
            (Es, n) => format!(
                "{n} correos de {bank} no se pudieron leer, así que no están en estos totales."
            ),
            (En, 1) => {
                format!("1 mail from {bank} could not be read, so it is not in these totals.")
            }
            (En, n) => {
                format!("{n} mails from {bank} could not be read, so they are not in these totals.")
            }
        }
    }

    /// A span of days chosen on a chart: "2026-12-01 to 2026-12-07".
    pub fn days_span(self, from: &str, to: &str) -> String {
        match self {
            Es => format!("{from} a {to}"),
            En => format!("{from} to {to}"),
        }
    }

    /// A chart's title: "Spending in CRC, per day".
    pub fn spending_per(self, currency: &str, step: &str) -> String {
        match self {
            Es => format!("Gastos en {currency}, por {step}"),
            En => format!("Spending in {currency}, per {step}"),
        }
    }

    pub fn spending_by_category(self, currency: &str) -> String {
        match self {
            Es => format!("Gastos en {currency}, por categoría"),
            En => format!("Spending in {currency}, by category"),
        }
    }

    /// A spending chart's description for screen readers.
    pub fn spending_description(
        self,
        total: &str,
        previous: Option<&str>,
        bars: usize,
        step: &str,
    ) -> String {
        match (self, previous) {
            (Es, Some(previous)) => format!(
                "{total} en este período, {previous} en el período anterior de la misma duración. {bars} barras, una por {step}."
            ),
            (Es, None) => format!("{total} en este período. {bars} barras, una por {step}."),
            (En, Some(previous)) => format!(
                "{total} in this period, {previous} in the previous period of the same length. {bars} bars, one per {step}."
            ),
            (En, None) => format!("{total} in this period. {bars} bars, one per {step}."),
        }
    }

    /// A bar's tip: "3 Dec: ₡5,000.00 (previous: ₡4,000.00)".
    pub fn bar_tip(self, label: &str, amount: &str, previous: Option<&str>) -> String {
        match (self, previous) {
            (_, None) => format!("{label}: {amount}"),
            (Es, Some(previous)) => format!("{label}: {amount} (anterior: {previous})"),
            (En, Some(previous)) => format!("{label}: {amount} (previous: {previous})"),
        }
    }

    /// Before the previous period's total, under a chart.
    pub fn previous_period_total(self) -> &'static str {
        match self {
            Es => " (período anterior: ",
            En => " (previous period: ",
        }
    }

    /// A percentage: "42%"; Spanish puts a (no-break) space before the sign, "42 %".
    pub fn percent(self, n: impl std::fmt::Display) -> String {
        match self {
            Es => format!("{n}\u{a0}%"),
            En => format!("{n}%"),
        }
    }

    /// A bar of a weekly chart: "week of 1 Dec".
    pub fn week_of(self, day: &str) -> String {
        match self {
            Es => format!("semana del {day}"),
            En => format!("week of {day}"),
        }
    }

    /// The question of the category form: "All from AUTO MERCADO?".
    pub fn all_from_merchant(self, merchant: &str) -> String {
        match self {
            Es => format!("¿Todas las de {merchant}?"),
            En => format!("All from {merchant}?"),
        }
    }

    pub fn every_from_merchant(self, merchant: &str) -> String {
        match self {
            Es => format!("Sí: todas las transacciones de {merchant}, pasadas y futuras"),
            En => format!("Yes: every transaction from {merchant}, past and future"),
        }
    }

    /// After a change of category: "Every transaction from AUTO MERCADO is now in Supermarkets."
    pub fn filed(self, merchant_wide: bool, merchant: &str, category: &str) -> String {
        match (self, merchant_wide) {
            (Es, true) => {
                format!("Todas las transacciones de {merchant} están ahora en {category}.")
            }
            (Es, false) => format!("Esta transacción de {merchant} está ahora en {category}."),
            (En, true) => format!("Every transaction from {merchant} is now in {category}."),
            (En, false) => format!("This transaction from {merchant} is now in {category}."),
        }
    }

    /// After the time zone was saved.
    pub fn time_zone_saved(self, zone: &str) -> String {
        match self {
            Es => format!("Guardado. Desde ahora las horas se muestran en {zone}."),
            En => format!("Saved. Times are shown in {zone} from now on."),
        }
    }

    /// What deleting the account does to the user's transactions.
    pub fn transactions_deleted(self, n: u64) -> String {
        match (self, n) {
            (lang, 0) => lang.t(super::Text::NoTransactionsStored).to_owned(),
            (Es, 1) => "Se elimina la transacción encontrada en su correo.".into(),
            (Es, n) => format!("Se eliminan las {n} transacciones encontradas en su correo."),
            (En, 1) => "The 1 transaction found in your mail is deleted.".into(),
            (En, n) => format!("The {n} transactions found in your mail are deleted."),
        }
    }

    pub fn password_too_short(self, min: usize) -> String {
        match self {
            Es => format!("Use una contraseña de al menos {min} caracteres."),
            En => format!("Use a password of at least {min} characters."),
        }
    }

    pub fn password_too_long(self, max: usize) -> String {
        match self {
            Es => format!("Use una contraseña de como máximo {max} caracteres."),
            En => format!("Use a password of at most {max} characters."),
        }
    }

    /// "just now", "2 minutes ago", "1 hour ago", "3 days ago".
    pub fn ago(self, seconds: i64) -> String {
        let seconds = seconds.max(0);
        let (n, unit) = match seconds {
            0..60 => {
                return match self {
                    Es => "justo ahora".into(),
                    En => "just now".into(),
                };
            }
            60..3600 => (seconds / 60, 0),
            3600..86_400 => (seconds / 3600, 1),
            _ => (seconds / 86_400, 2),
        };
        let one = n == 1;
        match self {
            Es => {
                let unit = ["minuto", "hora", "día"][unit];
                format!("hace {n} {unit}{}", if one { "" } else { "s" })
            }
            En => {
                let unit = ["minute", "hour", "day"][unit];
                format!("{n} {unit}{} ago", if one { "" } else { "s" })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(Es.transactions(1), "1 transacción");
        assert_eq!(En.transactions(2), "2 transactions");
        assert_eq!(
            Es.transactions_found(3),
            "Transacciones: 3 transacciones encontradas"
        );
        assert_eq!(Es.ago(0), "justo ahora");
        assert_eq!(Es.ago(120), "hace 2 minutos");
        assert_eq!(En.ago(3600), "1 hour ago");
        assert_eq!(En.ago(3 * 86_400), "3 days ago");
        assert_eq!(
            Es.last_synced("hace 1 hora", 1),
            "Última sincronización hace 1 hora · 1 transacción nueva"
        );
    }
}
