pub mod account;
pub mod connections;
mod forms;
mod gmail_popup;
pub mod header;
pub mod sign_in;
pub mod toasts;
pub mod transactions;
