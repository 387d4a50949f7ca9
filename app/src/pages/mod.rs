pub mod connections;
pub mod header;
pub mod sign_in;
