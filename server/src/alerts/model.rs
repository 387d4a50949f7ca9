//! The classifier's vocabulary: what a mail turns into, the banks, kinds of transaction and money.

use std::fmt;

use rust_decimal::Decimal;
use time::OffsetDateTime;

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
}

/// Why a mail that names a bank was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The sender is a bank address, but the mail service's own verdict does not vouch for its
    /// domain.
    NotAuthenticated,
    /// The From header looks like a bank's but is not one of them.
    SpoofedSender,
}

impl Rejection {
    /// Stable code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::NotAuthenticated => "not_authenticated",
            Rejection::SpoofedSender => "spoofed_sender",
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
        })
    }
}

/// Genuine bank mail that is deliberately dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ignored {
    /// A one-time code; never stored.
    OneTimeCode,
    /// Anything else a bank sends: offers, newsletters, statements.
    Marketing,
}

impl Ignored {
    /// Stable code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Ignored::OneTimeCode => "one_time_code",
            Ignored::Marketing => "marketing",
        }
    }
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ignored::OneTimeCode => "one-time code",
            Ignored::Marketing => "bank mail without a transaction",
        })
    }
}

/// The banks whose alerts are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bank {
    BacCredomatic,
    Bcr,
    /// Scotiabank Costa Rica, now DAVIbank.
    Davibank,
}

impl Bank {
    pub const ALL: [Bank; 3] = [Bank::BacCredomatic, Bank::Bcr, Bank::Davibank];

    /// Stable snake_case code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Bank::BacCredomatic => "bac_credomatic",
            Bank::Bcr => "bcr",
            Bank::Davibank => "davibank",
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
            Bank::Davibank => "DAVIbank (Scotiabank)",
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
    Purchase,
    /// A payment made to the card.
    Payment,
    TransferOut,
    TransferIn,
    /// Refused by the bank: recorded, but no money moved.
    Declined,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Purchase,
        Kind::Payment,
        Kind::TransferOut,
        Kind::TransferIn,
        Kind::Declined,
    ];

    /// Stable snake_case code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Purchase => "purchase",
            Kind::Payment => "payment",
            Kind::TransferOut => "transfer_out",
            Kind::TransferIn => "transfer_in",
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
