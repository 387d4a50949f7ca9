//! Every sealed column, named once. A field's name, with its table and row, is the vault's
//! associated data: a ciphertext moved to another field or row does not open.

use sea_orm::entity::prelude::*;

use super::{email_accounts, oauth_flows};
use crate::vault::Binding;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter)]
pub enum SealedField {
    /// `email_accounts.access_token`, bound to the account id.
    AccessToken,
    /// `email_accounts.refresh_token`, bound to the account id.
    RefreshToken,
    /// `email_accounts.pending_revoke` (a grant still to be revoked), bound to the account id.
    PendingRevoke,
    /// `oauth_flows.pkce_verifier`, bound to the flow's state hash.
    PkceVerifier,
    /// `mailbox_push.client_state` (a Graph subscription's shared secret), bound to the
    /// account id.
    ClientState,
}

impl SealedField {
    /// The sealed fields of an account row.
    pub const ACCOUNT: [Self; 3] = [Self::AccessToken, Self::RefreshToken, Self::PendingRevoke];

    fn table_and_field(self) -> (&'static str, &'static str) {
        match self {
            Self::AccessToken => ("email_accounts", "access_token"),
            Self::RefreshToken => ("email_accounts", "refresh_token"),
            Self::PendingRevoke => ("email_accounts", "pending_revoke"),
            Self::PkceVerifier => ("oauth_flows", "pkce_verifier"),
            Self::ClientState => ("mailbox_push", "client_state"),
        }
    }

    /// The field's name, for logs.
    pub fn name(self) -> &'static str {
        self.table_and_field().1
    }

    /// Where a ciphertext of this field in row `row` belongs.
    pub fn binding(self, row: &str) -> Binding<'_> {
        let (table, field) = self.table_and_field();
        Binding { table, field, row }
    }

    /// The account column of an account field (`None` for the flow's verifier).
    pub fn account_column(self) -> Option<email_accounts::Column> {
        match self {
            Self::AccessToken => Some(email_accounts::Column::AccessToken),
            Self::RefreshToken => Some(email_accounts::Column::RefreshToken),
            Self::PendingRevoke => Some(email_accounts::Column::PendingRevoke),
            Self::PkceVerifier | Self::ClientState => None,
        }
    }

    /// This field's ciphertext in an account row.
    pub fn in_account(self, row: &email_accounts::Model) -> Option<&str> {
        match self {
            Self::AccessToken => row.access_token.as_deref(),
            Self::RefreshToken => row.refresh_token.as_deref(),
            Self::PendingRevoke => row.pending_revoke.as_deref(),
            Self::PkceVerifier | Self::ClientState => None,
        }
    }

    /// The flow column of the verifier.
    pub fn flow_column() -> oauth_flows::Column {
        oauth_flows::Column::PkceVerifier
    }
}
