use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{TransactionPage, TransactionQuery};

#[server(prefix = "/api", endpoint = "list_transactions")]
pub async fn list_transactions(query: TransactionQuery) -> Result<TransactionPage, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.list_transactions(&req, query).await
    })
    .await
}
