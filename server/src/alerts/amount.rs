//! Amounts, exact: `22,000.00` and `22.000,00` are both 22000.00, parsed with `rust_decimal`
//! into integer minor units. A value that reads two ways (`1,234`, `1.234`) is refused rather
//! than guessed, as is one with more decimals than the currency has.

use std::fmt;

use rust_decimal::Decimal;

use super::model::{Currency, Money};
use super::text::folded;

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AmountError {
    NotANumber(String),
    /// One separator followed by exactly three digits: thousands or decimals?
    Ambiguous(String),
    TooPrecise(String),
    TooLarge(String),
    NoCurrency(String),
}

/// Says what is wrong without quoting the mail: reasons are stored and logged.
impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AmountError::NotANumber(_) => "the amount is not a number",
            AmountError::Ambiguous(_) => "the amount is ambiguous (thousands or decimals)",
            AmountError::TooPrecise(_) => "the amount has too many decimals",
            AmountError::TooLarge(_) => "the amount is too large",
            AmountError::NoCurrency(_) => "the amount names no known currency",
        })
    }
}

/// Currency markers as written by the banks, folded (lower case, no accents), longest first.
const MARKERS: &[(&str, Currency)] = &[
    ("colon costa rica", Currency::Crc),
    ("dolares us", Currency::Usd),
    ("us dollars", Currency::Usd),
    ("us dollar", Currency::Usd),
    ("cordobas", Currency::Nio),
    ("cordoba", Currency::Nio),
    ("colones", Currency::Crc),
    ("dolares", Currency::Usd),
    ("colon", Currency::Crc),
    ("dolar", Currency::Usd),
    ("crc", Currency::Crc),
    ("usd", Currency::Usd),
    ("nio", Currency::Nio),
    ("nic", Currency::Nio),
    ("us$", Currency::Usd),
    ("c$", Currency::Nio),
    ("₡", Currency::Crc),
    ("$", Currency::Usd),
];

/// A currency written as a code or name (`CRC`, `COLON COSTA RICA`, `US DOLLAR`, `₡`).
pub(crate) fn currency_from_name(s: &str) -> Option<Currency> {
    let key = folded(s);
    MARKERS.iter().find(|(m, _)| *m == key).map(|&(_, c)| c)
}

/// An amount with its currency before or after it (`CRC 22,000.00`, `₡15.000,00`,
/// `10.00 USD`, `CRC: 20,000.00`, `20,000.00 Colones`). Without a marker, `default` applies;
/// without either it is an error.
pub(crate) fn parse_money(s: &str, default: Option<Currency>) -> Result<Money, AmountError> {
    let key = folded(s);
    let mut rest = key.as_str();
    let mut currency = None;
    if let Some((m, c)) = MARKERS.iter().find(|(m, _)| rest.starts_with(m)) {
        currency = Some(*c);
        rest = rest[m.len()..].trim_start();
        rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    }
    if let Some((m, c)) = MARKERS.iter().find(|(m, _)| rest.ends_with(m)) {
        if currency.is_some_and(|prev| prev != *c) {
            return Err(AmountError::NoCurrency(s.to_owned()));
        }
        currency = Some(*c);
        rest = rest[..rest.len() - m.len()].trim_end();
    }
    let currency = currency
        .or(default)
        .ok_or_else(|| AmountError::NoCurrency(s.to_owned()))?;
    to_money(parse_number(rest)?, currency)
}

/// Whole decimal to minor units, refusing fractions of a minor unit.
pub(crate) fn to_money(value: Decimal, currency: Currency) -> Result<Money, AmountError> {
    let scale = Decimal::from(10_i64.pow(currency.exponent()));
    let minor = value
        .checked_mul(scale)
        .ok_or_else(|| AmountError::TooLarge(value.to_string()))?;
    if !minor.fract().is_zero() {
        return Err(AmountError::TooPrecise(value.to_string()));
    }
    let minor_units =
        i64::try_from(minor.trunc()).map_err(|_| AmountError::TooLarge(value.to_string()))?;
    Ok(Money {
        minor_units,
        currency,
    })
}

/// A non-negative number with `,` or `.` as thousands or decimal separator; a fraction alone
/// (`.99`, as BAC writes amounts under one) is read too.
pub(crate) fn parse_number(s: &str) -> Result<Decimal, AmountError> {
    let s = s.trim();
    let bad = || AmountError::NotANumber(s.to_owned());
    if let Some(fraction) = s.strip_prefix(['.', ','])
        && (1..=2).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Decimal::from_str_exact(&format!("0.{fraction}")).map_err(|_| bad());
    }
    let starts_ok = s.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let ends_ok = s.as_bytes().last().is_some_and(u8::is_ascii_digit);
    if !starts_ok
        || !ends_ok
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return Err(bad());
    }
    let commas = s.bytes().filter(|&b| b == b',').count();
    let dots = s.bytes().filter(|&b| b == b'.').count();
    let (int, frac, group) = match (commas, dots) {
        (0, 0) => (s, "", None),
        (_, 0) | (0, _) => {
            let sep = if commas > 0 { ',' } else { '.' };
            match s.split_once(sep) {
                Some((int, frac)) if commas + dots == 1 => {
                    if frac.len() == 3 {
                        return Err(AmountError::Ambiguous(s.to_owned()));
                    }
                    (int, frac, None)
                }
                _ => (s, "", Some(sep)),
            }
        }
        _ => {
            // Both appear: the last one is the decimal separator and appears once.
            let (pos, dec) = s
                .char_indices()
                .rev()
                .find(|&(_, c)| c == ',' || c == '.')
                .ok_or_else(bad)?;
            let group = if dec == ',' { '.' } else { ',' };
            let (int, frac) = (&s[..pos], &s[pos + 1..]);
            if int.contains(dec) {
                return Err(bad());
            }
            (int, frac, Some(group))
        }
    };
    let digits: String = match group {
        Some(sep) => {
            let mut groups = int.split(sep);
            let first = groups.next().unwrap_or_default();
            if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
                return Err(bad());
            }
            int.chars().filter(char::is_ascii_digit).collect()
        }
        None => int.to_owned(),
    };
    let normal = if frac.is_empty() {
        digits
    } else {
        format!("{digits}.{frac}")
    };
    Decimal::from_str_exact(&normal).map_err(|_| AmountError::TooLarge(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Currency::*;

    #[test]
    fn numbers() {
        let ok: &[(&str, &str)] = &[
            ("22,000.00", "22000.00"),
            ("22.000,00", "22000.00"),
            ("10.00", "10.00"),
            ("10,5", "10.5"),
            ("0.99", "0.99"),
            ("1,234,567", "1234567"),
            ("1.234.567", "1234567"),
            ("1,234,567.89", "1234567.89"),
            ("1.234.567,89", "1234567.89"),
            ("1234567.89", "1234567.89"),
            ("950", "950"),
            ("12,50", "12.50"),
            ("20.1234", "20.1234"),
            (".99", "0.99"),
            (",50", "0.50"),
            (".00", "0.00"),
        ];
        for (input, want) in ok {
            let got = parse_number(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.to_string(), *want, "{input}");
        }
        let ambiguous = ["1,234", "1.234", "22,000", "0.500"];
        for input in ambiguous {
            assert_eq!(
                parse_number(input),
                Err(AmountError::Ambiguous(input.into())),
                "{input}"
            );
        }
        let bad = [
            "",
            " ",
            "abc",
            "-5.00",
            "1,23,456",
            "12345,678.00",
            "1.234.56",
            ".500",
            "5.",
            "1,,000",
            "1.000.000,00,00",
            "1.2.3,4.5",
            "1 000,00",
            "١٢٣",
        ];
        for input in bad {
            assert!(
                matches!(parse_number(input), Err(AmountError::NotANumber(_))),
                "{input}: {:?}",
                parse_number(input)
            );
        }
        assert!(matches!(
            parse_number("99999999999999999999999999999999"),
            Err(AmountError::TooLarge(_))
        ));
    }

    #[test]
    fn money() {
        let m = |minor_units, currency| Money {
            minor_units,
            currency,
        };
        let cases: &[(&str, Option<Currency>, Money)] = &[
            ("CRC 22,000.00", None, m(2_200_000, Crc)),
            ("USD 10.00", None, m(1_000, Usd)),
            ("NIO 350.00", None, m(35_000, Nio)),
            ("₡15.000,00", None, m(1_500_000, Crc)),
            ("10.00 USD", None, m(1_000, Usd)),
            ("US$ 7.5", None, m(750, Usd)),
            ("$ 1,050.25", None, m(105_025, Usd)),
            ("12,500.00", Some(Crc), m(1_250_000, Crc)),
            ("12 colones", None, m(1_200, Crc)),
            ("crc 1", None, m(100, Crc)),
            ("CRC 12,345.67", None, m(1_234_567, Crc)),
            ("₡12.345,67", None, m(1_234_567, Crc)),
            ("2.500,00 CRC", None, m(250_000, Crc)),
            ("USD .99", None, m(99, Usd)),
            ("$300,00", None, m(30_000, Usd)),
            ("CRC: 20,000.00", None, m(2_000_000, Crc)),
            ("20,000.00 Colones", None, m(2_000_000, Crc)),
            ("Dolares US 18.75", None, m(1_875, Usd)),
            ("NIC 500.00", None, m(50_000, Nio)),
        ];
        for (input, default, want) in cases {
            assert_eq!(parse_money(input, *default).as_ref(), Ok(want), "{input}");
        }
        assert!(matches!(
            parse_money("CRC 1,234", None),
            Err(AmountError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_money("12.00", None),
            Err(AmountError::NoCurrency(_))
        ));
        assert!(matches!(
            parse_money("CRC 12.00 USD", None),
            Err(AmountError::NoCurrency(_))
        ));
        assert!(matches!(
            parse_money("USD 20.1234", None),
            Err(AmountError::TooPrecise(_))
        ));
        assert_eq!(parse_money("USD 20.1000", None), Ok(m(2_010, Usd)));
        assert!(matches!(
            parse_money("CRC 99,999,999,999,999,999,999.00", None),
            Err(AmountError::TooLarge(_))
        ));
        assert_eq!(currency_from_name("COLON COSTA RICA"), Some(Crc));
        assert_eq!(currency_from_name(" US DOLLAR "), Some(Usd));
        assert_eq!(currency_from_name("EURO"), None);
    }
}
