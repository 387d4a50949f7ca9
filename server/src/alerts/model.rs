//! The classifier's vocabulary: what a mail turns into, the banks, kinds of transaction and money.

use std::fmt;

use rust_decimal::Decimal;
use time::OffsetDateTime;

pub use super::screen::Refusal;

/// What one raw message turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A genuine bank alert with one or more transactions (index 0, 1, … in mail order).
    Transactions(Vec<Transaction>),
    /// Not from a bank, and not pretending to be one.
    NotBank,
    /// From, or pretending to be from, a bank, and not to be trusted.
    Rejected(Rejection),
    /// A genuine bank mail that carries no transaction and must not be stored.
    Ignored(Ignored),
    /// A genuine alert in a known layout whose contents could not be read without guessing.
    Unparsed { bank: Bank, reason: String },
    /// A genuine mail from an address the bank sends alerts from, in a layout no row of the
    /// table knows: most likely a new layout, to be noticed and read once the table learns it.
    UnknownLayout { bank: Bank },
    /// Never parsed: its shape is far outside what a bank sends (or it could not be read in
    /// time). Mail built to hurt a parser ends here.
    Refused(Refusal),
}

impl Outcome {
    /// Whether this is bank mail that should have given transactions but could not be read:
    /// what users are told about, and what a new classifier version reads again.
    pub fn is_unread_alert(&self) -> bool {
        matches!(
            self,
            Outcome::Unparsed { .. } | Outcome::UnknownLayout { .. }
        )
    }

    /// Stable snake_case code of the outcome (not of its details), for metrics and storage.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Transactions(_) => "transactions",
            Outcome::NotBank => "not_bank",
            Outcome::Rejected(_) => "rejected",
            Outcome::Ignored(_) => "ignored",
            Outcome::Unparsed { .. } => "unparsed",
            Outcome::UnknownLayout { .. } => "unknown_layout",
            Outcome::Refused(_) => "refused",
        }
    }
}

/// Why a mail that names a bank was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The sender is a bank address, but the mail service's own verdict does not vouch for its
    /// domain.
    NotAuthenticated,
    /// The From header looks like a bank's but is not one of them.
    SpoofedSender,
    /// A genuine alert whose `To`/`Cc` name someone else: forwarded here, not addressed here.
    AddressedElsewhere,
    /// A genuine alert someone re-sent (`Resent-*` fields).
    Resent,
}

impl Rejection {
    /// Stable code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::NotAuthenticated => "not_authenticated",
            Rejection::SpoofedSender => "spoofed_sender",
            Rejection::AddressedElsewhere => "addressed_elsewhere",
            Rejection::Resent => "resent",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rejection::NotAuthenticated => {
                "not authenticated: the mail service reports no DMARC or DKIM pass for the sender's domain"
            }
            Rejection::SpoofedSender => {
                "spoofed sender: the From header imitates a bank but is not a bank address"
            }
            Rejection::AddressedElsewhere => {
                "addressed elsewhere: a genuine alert for another address, forwarded into this mailbox"
            }
            Rejection::Resent => "re-sent: a genuine alert someone else re-sent into this mailbox",
        })
    }
}

/// Genuine bank mail that is deliberately dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ignored {
    /// A one-time code; never stored.
    OneTimeCode,
    /// An account or card statement: bank mail without a transaction of its own.
    Statement,
    /// A zero amount: a merchant checking the card; no money moved.
    CardCheck,
    /// A notice of something that moves no money (yet), such as a cardless-withdrawal code.
    Notice,
    /// Anything else a bank sends: offers, newsletters, notices.
    Marketing,
}

impl Ignored {
    pub const ALL: [Ignored; 5] = [
        Ignored::OneTimeCode,
        Ignored::Statement,
        Ignored::CardCheck,
        Ignored::Notice,
        Ignored::Marketing,
    ];

    /// Stable code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Ignored::OneTimeCode => "one_time_code",
            Ignored::Statement => "statement",
            Ignored::CardCheck => "card_check",
            Ignored::Notice => "notice",
            Ignored::Marketing => "marketing",
        }
    }
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ignored::OneTimeCode => "one-time code",
            Ignored::Statement => "statement",
            Ignored::CardCheck => "zero-amount card check",
            Ignored::Notice => "notice without money moving",
            Ignored::Marketing => "bank mail without a transaction",
        })
    }
}

/// The banks whose alerts are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bank {
    BacCredomatic,
    Bcr,
    /// Davivienda (DAVIbank), which took over Scotiabank Costa Rica.
    Davibank,
    /// Banco Nacional de Costa Rica.
    Bncr,
    Promerica,
}

impl Bank {
    pub const ALL: [Bank; 5] = [
        Bank::BacCredomatic,
        Bank::Bcr,
        Bank::Davibank,
        Bank::Bncr,
        Bank::Promerica,
    ];

    /// Stable snake_case code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Bank::BacCredomatic => "bac_credomatic",
            Bank::Bcr => "bcr",
            Bank::Davibank => "davibank",
            Bank::Bncr => "bncr",
            Bank::Promerica => "promerica",
        }
    }

    /// The inverse of [`Bank::as_str`].
    pub fn from_code(code: &str) -> Option<Bank> {
        Bank::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// Name to show a person.
    pub fn display_name(self) -> &'static str {
        match self {
            Bank::BacCredomatic => "BAC Credomatic",
            Bank::Bcr => "Banco de Costa Rica",
            Bank::Davibank => "Davivienda (Scotiabank)",
            Bank::Bncr => "Banco Nacional",
            Bank::Promerica => "Promerica",
        }
    }
}

impl fmt::Display for Bank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What happened to the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A card purchase, automatic charges included.
    Purchase,
    /// Money a merchant gave back to the card (`DEVOLUCION`): counts against spending.
    Refund,
    /// Cash taken out: at an ATM, over the counter (quasi-cash) or without the card.
    Withdrawal,
    /// A bill paid to a service (electricity, water, phone) from an account or card.
    ServicePayment,
    /// A payment made to the card.
    Payment,
    TransferOut,
    TransferIn,
    /// Money moved between two accounts of the same customer: neither spent nor received.
    OwnTransfer,
    /// Refused by the bank: recorded, but no money moved.
    Declined,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Purchase,
        Kind::Refund,
        Kind::Withdrawal,
        Kind::ServicePayment,
        Kind::Payment,
        Kind::TransferOut,
        Kind::TransferIn,
        Kind::OwnTransfer,
        Kind::Declined,
    ];

    /// How this kind counts in spending: +1 money spent, −1 money given back, 0 neither.
    pub fn spending_sign(self) -> i64 {
        match self {
            Kind::Purchase | Kind::Withdrawal | Kind::ServicePayment | Kind::TransferOut => 1,
            Kind::Refund => -1,
            Kind::Payment | Kind::TransferIn | Kind::OwnTransfer | Kind::Declined => 0,
        }
    }

    /// Stable snake_case code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Purchase => "purchase",
            Kind::Refund => "refund",
            Kind::Withdrawal => "withdrawal",
            Kind::ServicePayment => "service_payment",
            Kind::Payment => "payment",
            Kind::TransferOut => "transfer_out",
            Kind::TransferIn => "transfer_in",
            Kind::OwnTransfer => "own_transfer",
            Kind::Declined => "declined",
        }
    }

    /// The inverse of [`Kind::as_str`].
    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ISO 4217 currencies the banks report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Crc,
    Usd,
    Nio,
}

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Crc, Currency::Usd, Currency::Nio];

    /// ISO 4217 alphabetic code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Crc => "CRC",
            Currency::Usd => "USD",
            Currency::Nio => "NIO",
        }
    }

    /// ISO 4217 minor-unit exponent (2 for all three).
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Crc | Currency::Usd | Currency::Nio => 2,
        }
    }

    /// Parses an ISO code, case-insensitively.
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An exact amount: integer minor units of a currency (CRC 22,000.00 is 2,200,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor_units: i64,
    pub currency: Currency,
}

impl Money {
    /// The amount as a decimal in major units.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor_units, self.currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.to_decimal())
    }
}

/// One transaction read from an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub bank: Bank,
    pub kind: Kind,
    pub amount: Money,
    /// The merchant, or the other party of a transfer.
    pub merchant: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// When it happened, converted from Costa Rica time (UTC−6) to UTC.
    pub occurred_at: OffsetDateTime,
    pub card_last4: Option<String>,
    pub authorization: Option<String>,
    pub reference: Option<String>,
    /// Free text the customer attached, such as a SINPE Móvil "Motivo".
    pub memo: Option<String>,
    /// 0-based position within its mail.
    pub index: u32,
}

impl Transaction {
    /// A transaction with only the required fields; extractors fill in the rest.
    pub(crate) fn new(bank: Bank, kind: Kind, amount: Money, occurred_at: OffsetDateTime) -> Self {
        Transaction {
            bank,
            kind,
            amount,
            merchant: None,
            city: None,
            country: None,
            occurred_at,
            card_last4: None,
            authorization: None,
            reference: None,
            memo: None,
            index: 0,
        }
    }
}
