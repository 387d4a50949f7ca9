//! Texts with values in them, each written in both languages.

use super::Lang::{self, En, Es};
use crate::model::{
    Disconnection, MICROSOFT_PERSONAL_CONSENT_PAGE, MICROSOFT_WORK_CONSENT_PAGE, MailService,
};

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

    /// The disconnect page's question: "Disconnect ada@example.com?".
    pub fn disconnect_question(self, email: &str) -> String {
        match self {
            Es => format!("¿Desconectar {email}?"),
            En => format!("Disconnect {email}?"),
        }
    }

    /// What disconnecting a mailbox of `service` does, said before the user confirms.
    pub fn disconnecting_explained(self, service: MailService) -> String {
        let name = service.name();
        let does = self.what_disconnecting_does(service);
        match self {
            Es => format!("mailconnect deja de leer este buzón de {name}, y {does}"),
            En => format!("mailconnect stops reading this {name} mailbox, and {does}"),
        }
    }

    /// What disconnecting a mailbox does at its service, as the end of a sentence.
    pub fn what_disconnecting_does(self, service: MailService) -> String {
        let (personal, work) = (MICROSOFT_PERSONAL_CONSENT_PAGE, MICROSOFT_WORK_CONSENT_PAGE);
        match (self, service) {
            (lang, MailService::Gmail) => lang.t(super::Text::RevokedAtGoogle).to_owned(),
            (Es, MailService::Outlook) => format!(
                "sus tokens se borran aquí; Microsoft conserva nuestro acceso hasta que usted lo \
                 quite, en {personal} para una cuenta personal o en {work} para una cuenta \
                 profesional o educativa."
            ),
            (En, MailService::Outlook) => format!(
                "its tokens are deleted here; Microsoft keeps our access until you remove it, at \
                 {personal} for a personal account or at {work} for a work or school account."
            ),
        }
    }

    /// What the user is told once a mailbox was disconnected, by what became of the access.
    pub fn disconnected_notice(self, outcome: Disconnection) -> String {
        let (personal, work) = (MICROSOFT_PERSONAL_CONSENT_PAGE, MICROSOFT_WORK_CONSENT_PAGE);
        match (self, outcome) {
            (Es, Disconnection::Revoked) => {
                "Cuenta de correo desconectada. Nuestro acceso se revocó en Google.".into()
            }
            (En, Disconnection::Revoked) => {
                "Email account disconnected. Our access is revoked at Google.".into()
            }
            (Es, Disconnection::KeptForAnother) => "Cuenta de correo desconectada. Google \
                conserva nuestro acceso porque otra conexión a mailconnect usa la misma cuenta \
                de Google; se revoca cuando ninguna la use."
                .into(),
            (En, Disconnection::KeptForAnother) => "Email account disconnected. Google keeps our \
                access because another connection to mailconnect uses the same Google account; \
                it is revoked when none does."
                .into(),
            (Es, Disconnection::RemoveAccessYourself) => format!(
                "Cuenta de correo desconectada. Microsoft conserva el acceso de la aplicación \
                 hasta que usted lo quite: en {personal} para una cuenta personal, en {work} \
                 para una cuenta profesional o educativa."
            ),
            (En, Disconnection::RemoveAccessYourself) => format!(
                "Email account disconnected. Microsoft keeps the app's access until you remove \
                 it: at {personal} for a personal account, at {work} for a work or school \
                 account."
            ),
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

    /// Deleting the account stopped: some mailboxes' grants could not be removed at Google.
    pub fn grants_not_released(self, mailboxes: &str) -> String {
        match self {
            Es => format!(
                "No se pudo contactar a Google para quitar nuestro acceso a {mailboxes}. Esos \
                 buzones quedaron desconectados, pero su cuenta no se eliminó. Inténtelo de nuevo \
                 en unos minutos."
            ),
            En => format!(
                "Google could not be reached to remove our access to {mailboxes}. Those mailboxes \
                 are disconnected, but your account was not deleted. Please try again in a few \
                 minutes."
            ),
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

    /// A mailbox's last sync: "Last synced 2 minutes ago · 3 new transactions".
    pub fn last_synced(self, ago: &str, new: u64) -> String {
        match (self, new) {
            (Es, 1) => format!("Última sincronización {ago} · 1 transacción nueva"),
            (Es, n) => format!("Última sincronización {ago} · {n} transacciones nuevas"),
            (En, 1) => format!("Last synced {ago} · 1 new transaction"),
            (En, n) => format!("Last synced {ago} · {n} new transactions"),
        }
    }

    /// A problem mailconnect retries on its own, and when.
    pub fn retrying_at(self, problem: &str, time: &str) -> String {
        match self {
            Es => format!("{problem}; se reintenta a las {time} (usted no tiene que hacer nada)"),
            En => format!("{problem}; retrying at {time} (nothing for you to do)"),
        }
    }

    pub fn rate_limited(self, service: &str) -> String {
        match self {
            Es => format!("{service} está limitando nuestras solicitudes"),
            En => format!("{service} is rate limiting us"),
        }
    }

    pub fn service_down(self, service: &str) -> String {
        match self {
            Es => format!("{service} no funciona o no se pudo alcanzar"),
            En => format!("{service} is down or could not be reached"),
        }
    }

    pub fn reading_forbidden(self, service: &str) -> String {
        match self {
            Es => format!(
                "{service} ya no permite a mailconnect leer este buzón: reconéctelo y permita \
                 leer el correo"
            ),
            En => format!(
                "{service} no longer lets mailconnect read this mailbox: reconnect it and allow \
                 reading mail"
            ),
        }
    }

    pub fn service_misconfigured(self, service: &str) -> String {
        match self {
            Es => format!(
                "mailconnect no puede comunicarse con {service} tal como está configurado; ya se \
                 avisó a su operador (usted no tiene que hacer nada)"
            ),
            En => format!(
                "mailconnect cannot reach {service} as it is set up; its operator has been told \
                 (nothing for you to do)"
            ),
        }
    }

    /// "Sync now" pressed again too soon.
    pub fn sync_again_at(self, time: &str) -> String {
        match self {
            Es => format!(
                "Este buzón se sincronizó a pedido hace un momento; puede volver a sincronizarse \
                 a las {time}."
            ),
            En => format!(
                "This mailbox was synced on request a moment ago; it can sync again at {time}."
            ),
        }
    }

    /// The popup's result page: its heading.
    pub fn popup_heading(self, service: &str, success: bool) -> String {
        match (self, success) {
            (Es, true) => format!("{service} conectado"),
            (Es, false) => format!("Falló la conexión con {service}"),
            (En, true) => format!("{service} connected"),
            (En, false) => format!("{service} connection failed"),
        }
    }

    pub fn connected_address(self, email: &str) -> String {
        match self {
            Es => format!("{email} conectado."),
            En => format!("Connected {email}."),
        }
    }

    pub fn sign_in_then_connect(self, service: &str) -> String {
        match self {
            Es => format!("Inicie sesión de nuevo y luego conecte {service}."),
            En => format!("Please sign in again, then connect {service}."),
        }
    }

    pub fn company_unavailable(self, company: &str) -> String {
        match self {
            Es => format!(
                "{company} no está disponible en este momento. Inténtelo de nuevo en unos minutos."
            ),
            En => format!("{company} is unavailable right now. Please try again in a few minutes."),
        }
    }

    pub fn connection_not_completed(self, company: &str) -> String {
        match self {
            Es => format!("No se pudo completar la conexión con {company}. Inténtelo de nuevo."),
            En => format!("Could not complete the connection with {company}. Please try again."),
        }
    }

    pub fn address_unverified(self, company: &str) -> String {
        match self {
            Es => format!(
                "{company} no confirmó la dirección de correo de esta cuenta, así que no se conectó."
            ),
            En => format!(
                "{company} did not confirm this account's email address, so it was not connected."
            ),
        }
    }

    pub fn wrong_account(self, company: &str, other: &str, expected: &str) -> String {
        match self {
            Es => format!(
                "Esa cuenta de {company} es {other}, no {expected}. Inicie sesión en {company} \
                 como {expected} para reconectarla."
            ),
            En => format!(
                "That {company} account is {other}, not {expected}. Sign in to {company} as \
                 {expected} to reconnect it."
            ),
        }
    }

    pub fn no_offline_access(self, company: &str, service: &str) -> String {
        match self {
            Es => format!(
                "{company} no concedió acceso sin conexión; pulse «Conectar {service}» otra vez."
            ),
            En => format!("{company} did not grant offline access; press Connect {service} again."),
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
