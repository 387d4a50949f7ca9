//! Texts with values in them about mailboxes, each written in both languages: connecting one
//! (the popup's words), its sync's state, and what disconnecting it does.

use super::Lang::{self, En, Es};
use crate::model::{
    Disconnection, MICROSOFT_PERSONAL_CONSENT_PAGE, MICROSOFT_WORK_CONSENT_PAGE, MailService,
};

impl Lang {
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
