pub mod account;
mod connect_popup;
pub mod connections;
pub mod disconnect;
mod forms;
pub mod header;
pub mod sign_in;
pub mod toasts;
pub mod transactions;
