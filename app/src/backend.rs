//! What the server functions need from the server, as a trait the `server` crate implements.
//!
//! Keeping the database, the token vault and the OAuth client behind this trait is what lets
//! `app` stay free of sea-orm, oauth2, reqwest and aes-siv. The server provides an
//! `Arc<dyn Backend>` as Leptos context to every render and server-function call.

use std::sync::Arc;

use http::HeaderValue;
use http::request::Parts;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::model::{
    AccountOverview, AccountView, CurrentUser, Disconnection, FilingForm, FilingUndo, MailService,
    TransactionPage, TransactionQuery,
};

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Creates the user and a session; returns the `Set-Cookie` value for it.
    async fn sign_up(
        &self,
        req: &Parts,
        email: String,
        password: String,
    ) -> Result<HeaderValue, AppError>;
    /// Checks the password and starts a fresh session (any previous one ends); returns the
    /// `Set-Cookie` values for it and for the user's own language, if they chose one.
    async fn sign_in(
        &self,
        req: &Parts,
        email: String,
        password: String,
    ) -> Result<Vec<HeaderValue>, AppError>;
    /// Ends the request's session; returns the `Set-Cookie` value that clears the cookie.
    async fn sign_out(&self, req: &Parts) -> Result<HeaderValue, AppError>;
    async fn current_user(&self, req: &Parts) -> Result<Option<CurrentUser>, AppError>;
    /// The user's address and what deleting the account would remove.
    async fn account_overview(&self, req: &Parts) -> Result<AccountOverview, AppError>;
    /// Sets the zone the user's times are shown in. With `from_browser`, the browser's own zone,
    /// reported once: it never replaces a zone already chosen. Answers whether the times shown
    /// change.
    async fn set_time_zone(
        &self,
        req: &Parts,
        time_zone: String,
        from_browser: bool,
    ) -> Result<bool, AppError>;
    /// Keeps the language pages are read in: for the browser (returns the `Set-Cookie` value)
    /// and, for a signed-in user, in their account.
    async fn set_language(&self, req: &Parts, lang: Lang) -> Result<HeaderValue, AppError>;
    /// Checks the current password, sets the new one and ends the user's other sessions.
    async fn change_password(
        &self,
        req: &Parts,
        current_password: String,
        new_password: String,
    ) -> Result<(), AppError>;
    /// Checks the password, revokes the user's grants at Google, deletes everything of theirs
    /// but a tombstone audit row; returns the `Set-Cookie` value that clears the cookie.
    async fn delete_account(&self, req: &Parts, password: String) -> Result<HeaderValue, AppError>;
    /// The signed-in user's own accounts (never anyone else's).
    async fn list_accounts(&self, req: &Parts) -> Result<Vec<AccountView>, AppError>;
    /// The mail services this server connects (Outlook only when it is configured).
    fn mail_services(&self) -> Vec<MailService>;
    /// Disconnects one of the user's accounts: revokes the grant at the provider (when it can
    /// and no other connection uses it), wipes the tokens and marks the account disconnected;
    /// answers what became of the access.
    async fn disconnect_account(
        &self,
        req: &Parts,
        account_id: i32,
    ) -> Result<Disconnection, AppError>;
    /// Queues a mail sync of one of the user's accounts now (nothing if one is pending).
    async fn sync_now(&self, req: &Parts, account_id: i32) -> Result<(), AppError>;
    /// One page of the user's transactions, filtered; with `filed`, the notice of the change
    /// of category just made.
    async fn list_transactions(
        &self,
        req: &Parts,
        query: TransactionQuery,
        filed: Option<FilingUndo>,
    ) -> Result<TransactionPage, AppError>;
    /// The form that changes the category of one of the user's transactions.
    async fn filing_form(&self, req: &Parts, id: i32) -> Result<FilingForm, AppError>;
    /// Files one of the user's transactions under `category`, for it alone or for every
    /// transaction of its merchant; answers the page to go to next.
    async fn file_transaction(
        &self,
        req: &Parts,
        id: i32,
        category: String,
        merchant_wide: bool,
        back: String,
    ) -> Result<String, AppError>;
    /// Undoes a change of category; answers the page to go to next.
    async fn undo_filing(&self, req: &Parts, undo: FilingUndo) -> Result<String, AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;
