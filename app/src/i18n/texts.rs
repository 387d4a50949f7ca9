//! Every fixed text of the product, in Spanish and in English, side by side.

use super::Lang;

/// Declares [`Text`] from a table of `Name: "Spanish", "English";` rows.
macro_rules! texts {
    ($($name:ident: $es:literal, $en:literal;)*) => {
        /// A fixed text, written in every [`Lang`]; [`Lang::t`] picks one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text {
            $($name,)*
        }

        impl Text {
            /// Every text, for the test that each is really written in both languages.
            pub const ALL: &[Text] = &[$(Text::$name,)*];

            pub const fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Text::$name, Lang::Es) => $es,
                        (Text::$name, Lang::En) => $en,
                    )*
                }
            }
        }
    };
}

texts! {
    // The frame of every page.
    Home: "Inicio", "Home";
    SkipToContent: "Saltar al contenido", "Skip to content";
    MainNavigation: "Principal", "Main";
    NavTransactions: "Transacciones", "Transactions";
    NavConnections: "Conexiones", "Connections";
    NavAccount: "Cuenta", "Account";
    SignIn: "Iniciar sesión", "Sign in";
    SignUp: "Registrarse", "Sign up";
    SignOut: "Cerrar sesión", "Sign out";
    LanguageSwitch: "Idioma", "Language";
    ChooseLanguage: "Elija español o inglés.", "Choose Spanish or English.";
    Loading: "Cargando…", "Loading…";
    PageNotFound: "Página no encontrada", "Page not found";
    NothingAtThisAddress: "No hay nada en esta dirección. ", "There is nothing at this address. ";
    GoHome: "Ir a mailconnect", "Go to mailconnect";

    // Signing up and in.
    CreateYourAccount: "Cree su cuenta", "Create your account";
    AlreadyHaveAccount: "¿Ya tiene una cuenta? ", "Already have an account? ";
    NewHere: "¿Es su primera vez aquí? ", "New here? ";
    CreateAnAccount: "Crear una cuenta", "Create an account";
    Email: "Correo electrónico", "Email";
    Password: "Contraseña", "Password";
    EmailMissing: "Escriba su dirección de correo.", "Enter your email address.";
    EmailMalformed: "Escriba una dirección de correo válida, como nombre@ejemplo.com.",
        "Enter a valid email address, like name@example.com.";
    WrongCredentials: "Correo o contraseña incorrectos.", "Incorrect email or password.";
    EmailTaken: "Ya existe una cuenta con este correo. Inicie sesión.",
        "An account with this email already exists. Sign in instead.";

    // Connections.
    EmailConnections: "Conexiones de correo", "Email Connections";
    ConnectIntro: "Conecte un buzón para que leamos las alertas de su banco.",
        "Connect a mailbox so we can read your bank alerts.";
    LoadingAccounts: "Cargando cuentas…", "Loading accounts…";
    ConnectService: "Conectar {}", "Connect {}";
    Connecting: "Conectando…", "Connecting...";
    ConnectedAccounts: "Cuentas conectadas", "Connected Accounts";
    NoAccounts: "Todavía no hay cuentas de correo conectadas.", "No email accounts connected yet.";
    ConnectedOn: "Conectada el ", "Connected on ";
    TokenExpires: "El acceso vence: ", "Token expires: ";
    StatusActive: "Activa", "Active";
    ReconnectNeeded: "Hay que reconectarla", "Reconnect needed";
    Syncing: "Sincronizando…", "Syncing…";
    SyncNow: "Sincronizar ahora", "Sync now";
    Reconnect: "Reconectar", "Reconnect";
    Disconnect: "Desconectar", "Disconnect";
    SyncFailedToStart: "No se pudo iniciar la sincronización: ", "Failed to start the sync: ";
    PopupBlocked: "La ventana emergente se bloqueó. Permita las ventanas emergentes de este sitio.",
        "Popup blocked. Please allow popups for this site.";
    ServiceConnectionCancelled: "Se canceló la conexión con {}", "{} connection cancelled";
    ServiceConnected: "{} conectado", "{} connected";
    ServiceConnectFailed: "No se pudo conectar {}", "Failed to connect {}";
    NotSyncedYet: "Sin sincronizar todavía", "Not synced yet";
    MailboxNeedsReconnecting: "Hay que reconectar este buzón antes de sincronizarlo.",
        "This mailbox needs reconnecting before it can sync.";

    // Disconnecting.
    DisconnectAMailbox: "Desconectar un buzón", "Disconnect a mailbox";
    YesDisconnect: "Sí, desconectar", "Yes, disconnect";
    KeepConnected: "Mantenerlo conectado", "Keep it connected";
    BackToConnections: "Volver a sus conexiones", "Back to your connections";
    TransactionsStay: "Las transacciones ya encontradas en él siguen en su página de Transacciones hasta que elimine su cuenta.",
        "The transactions already found in it stay on your Transactions page until you delete your account.";
    RevokedAtGoogle: "nuestro acceso se revoca en Google.", "our access is revoked at Google.";

    // The popup's result page.
    BackToEmailConnections: "Volver a sus conexiones de correo", "Back to your email connections";
    InvalidConnectLink: "Este enlace de conexión no es válido. Empiece de nuevo desde su página de conexiones.",
        "This connection link is not valid. Please start again from your connections page.";
    ExpiredConnectLink: "Este intento de conexión venció. Inténtelo de nuevo.",
        "This connection attempt expired. Please try again.";
    UsedConnectLink: "Este enlace de conexión ya se usó. Inténtelo de nuevo.",
        "This connection link was already used. Please try again.";
    TooManyConnectAttempts: "Demasiados intentos de conexión; inténtelo de nuevo en un minuto.",
        "Too many connection attempts, try again in a minute.";
    Misconfigured: "mailconnect está mal configurado; inténtelo de nuevo más tarde.",
        "mailconnect is misconfigured; please try again later.";
    GmailPermissionMissing: "No se concedió el permiso de Gmail. Marque la casilla de Gmail para conectar.",
        "Gmail permission was not granted. Tick the Gmail box to connect.";
    OutlookPermissionMissing: "No se concedió el permiso de correo de Outlook.",
        "Outlook mail permission was not granted.";

    // Transactions.
    Transactions: "Transacciones", "Transactions";
    LoadingTransactions: "Cargando transacciones…", "Loading transactions…";
    NewTransaction: "1 transacción nueva", "1 new transaction";
    NewTransactions: "{} transacciones nuevas", "{} new transactions";
    ShowNewTransactions: "Mostrarlas", "Show them";
    NoneMatchTitle: "Transacciones: ninguna coincide", "Transactions: none match";
    NoneMatch: "Ninguna transacción coincide con estos filtros. ",
        "No transactions match these filters. ";
    ShowAllTransactions: "Mostrar todas las transacciones", "Show all transactions";
    NoTransactionsYet: "Todavía no hay transacciones. ", "No transactions yet. ";
    ConnectAMailbox: "Conecte un buzón", "Connect a mailbox";
    WellFindAlerts: " y encontraremos las alertas de su banco.", " and we'll find your bank alerts.";
    NothingOnThisPage: "No hay nada en esta página. ", "Nothing on this page. ";
    GoToLastPage: "Ir a la última página", "Go to the last page";
    DownloadCsv: "Descargar CSV", "Download CSV";
    NoSubject: "(sin asunto)", "(no subject)";
    UnreadBankMail: "Correo del banco que no se pudo leer", "Bank mail that could not be read";
    UnreadHint: "Se vuelven a leer, y se agregan aquí, en cuanto mailconnect aprenda su formato.",
        "They are read again, and added here, as soon as mailconnect learns their layout.";
    Spent: "Gastado: ", "Spent: ";
    Nothing: "nada", "nothing";
    ColumnDate: "Fecha", "Date";
    ColumnMerchant: "Comercio", "Merchant";
    ColumnAmount: "Monto", "Amount";
    ColumnCard: "Tarjeta", "Card";
    ColumnBank: "Banco", "Bank";
    ColumnMailbox: "Buzón", "Mailbox";
    ColumnKind: "Tipo", "Kind";
    ColumnCategory: "Categoría", "Category";
    AlsoIn: " · también en ", " · also in ";
    ChangeTheCategory: "Cambiar la categoría", "Change the category";
    Previous: "Anterior", "Previous";
    Next: "Siguiente", "Next";
    Pages: "Páginas", "Pages";
    SignInFirst: "Inicie sesión primero.", "Sign in first.";
    TooManyParameters: "Demasiados parámetros en la dirección.", "Too many query parameters.";
    CrossSiteRefused: "Se rechazó una solicitud de otro sitio.", "Cross-site request refused.";
    DatabaseUnavailable: "La base de datos no está disponible; inténtelo de nuevo en un momento.",
        "The database is unavailable; please try again in a moment.";

    // Filters.
    Filters: "Filtros", "Filters";
    MerchantOrPerson: "Comercio o persona", "Merchant or person";
    Mailbox: "Buzón", "Mailbox";
    AllMailboxes: "Todos los buzones", "All mailboxes";
    Period: "Período", "Period";
    Category: "Categoría", "Category";
    AllCategories: "Todas las categorías", "All categories";
    Kind: "Tipo", "Kind";
    AllKinds: "Todos los tipos", "All kinds";
    Card: "Tarjeta", "Card";
    AllCards: "Todas las tarjetas", "All cards";
    Bank: "Banco", "Bank";
    AllBanks: "Todos los bancos", "All banks";
    Days: "Días: ", "Days: ";
    ShowWholePeriod: "Mostrar todo el período", "Show the whole period";
    Apply: "Aplicar", "Apply";
    Last7Days: "Últimos 7 días", "Last 7 days";
    Last30Days: "Últimos 30 días", "Last 30 days";
    Last90Days: "Últimos 90 días", "Last 90 days";
    AllTime: "Todo", "All time";

    // Charts.
    SpendingCharts: "Gráficos de gastos", "Spending charts";
    TheNumbers: "Las cifras", "The numbers";
    SpentColumn: "Gastado", "Spent";
    PreviousPeriod: "Período anterior", "Previous period";
    Share: "Proporción", "Share";
    StepDay: "día", "day";
    StepWeek: "semana", "week";
    StepMonth: "mes", "month";

    // Categories and kinds.
    Supermarkets: "Supermercados", "Supermarkets";
    Dining: "Restaurantes y comida a domicilio", "Restaurants and delivery";
    Transport: "Transporte y combustible", "Transport and fuel";
    Utilities: "Servicios y teléfono", "Utilities and phone";
    Health: "Salud", "Health";
    Entertainment: "Entretenimiento y suscripciones", "Entertainment and subscriptions";
    Transfers: "Transferencias", "Transfers";
    Cash: "Efectivo", "Cash";
    OtherCategory: "Otros", "Other";
    KindPurchase: "Compra", "Purchase";
    KindRefund: "Devolución", "Refund";
    KindWithdrawal: "Retiro", "Withdrawal";
    KindServicePayment: "Pago de servicio", "Service payment";
    KindCardPayment: "Pago de tarjeta", "Card payment";
    KindTransferOut: "Transferencia enviada", "Transfer out";
    KindTransferIn: "Transferencia recibida", "Transfer in";
    KindOwnTransfer: "Transferencia entre cuentas propias", "Own transfer";
    KindDeclined: "Rechazada", "Declined";
    KindOther: "Otro", "Other";

    // Changing a category.
    LoadingTheTransaction: "Cargando la transacción…", "Loading the transaction…";
    BackToTransactions: "Volver a las transacciones", "Back to the transactions";
    ThisTransactionOnly: "No: solo esta transacción", "No: this transaction only";
    Save: "Guardar", "Save";
    Cancel: "Cancelar", "Cancel";
    Undo: "Deshacer", "Undo";
    NoMerchantToFile: "Esta transacción no indica un comercio, así que solo ella puede cambiar de categoría.",
        "This transaction names no merchant, so only it can change category.";
    ChooseACategory: "Elija una categoría.", "Choose a category.";

    // The account.
    YourAccount: "Su cuenta", "Your account";
    SignedInAs: "Sesión iniciada como ", "Signed in as ";
    TimeZone: "Zona horaria", "Time zone";
    ShowTimesIn: "Mostrar las horas en", "Show times in";
    SaveTimeZone: "Guardar zona horaria", "Save time zone";
    UnknownTimeZone: "Elija una zona horaria de la lista, como America/Costa_Rica.",
        "Choose a time zone from the list, such as America/Costa_Rica.";
    ChangeYourPassword: "Cambie su contraseña", "Change your password";
    ChangePassword: "Cambiar contraseña", "Change password";
    PasswordChanged: "Contraseña cambiada. Se cerraron todas sus otras sesiones.",
        "Password changed. Every other session was signed out.";
    CurrentPassword: "Contraseña actual", "Current password";
    NewPassword: "Contraseña nueva", "New password";
    WrongPassword: "Esa contraseña no es correcta.", "That password is not right.";
    DeleteYourAccount: "Elimine su cuenta", "Delete your account";
    DeleteMyAccount: "Eliminar mi cuenta", "Delete my account";
    WhatWillBeRemoved: "Lo que se eliminará", "What will be removed";
    DeletionIsFinal: "Esto elimina su cuenta de mailconnect y cierra su sesión en todas partes. No se puede deshacer.",
        "This deletes your mailconnect account and signs you out everywhere. It cannot be undone.";
    TheseMailboxesAreDisconnected: "Estos buzones se desconectan:", "These mailboxes are disconnected:";
    NoTransactionsStored: "No hay transacciones guardadas suyas.", "No transactions are stored for you.";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that are the same words in both languages.
    const SAME_IN_BOTH: &[Text] = &[];

    #[test]
    fn every_text_is_written_in_both_languages() {
        for &text in Text::ALL {
            let (es, en) = (text.get(Lang::Es), text.get(Lang::En));
            assert!(
                !es.trim().is_empty() && !en.trim().is_empty(),
                "{text:?} is empty"
            );
            if !SAME_IN_BOTH.contains(&text) {
                assert_ne!(es, en, "{text:?} is written in one language only");
            }
            assert_eq!(
                es.matches("{}").count(),
                en.matches("{}").count(),
                "{text:?} has a different number of places for a value in each language"
            );
        }
    }
}
