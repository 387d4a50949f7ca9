//! Dates and times as the banks write them, in Costa Rica time (UTC−6 all year, no daylight
//! saving), turned into UTC. Each parser reads from the start of a string and returns the rest.

use time::macros::offset;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::text::{fold, folded_prefix_len, leading_digits};

/// Costa Rica's offset from UTC.
pub(crate) const COSTA_RICA: UtcOffset = offset!(-6);

/// Local Costa Rica date and time as a UTC instant; `Err` past the end of year 9999.
pub(crate) fn costa_rica(date: Date, time: Time) -> Result<OffsetDateTime, String> {
    PrimitiveDateTime::new(date, time)
        .assume_offset(COSTA_RICA)
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| "a date out of range".to_owned())
}

/// A number of 1..=`max_len` ASCII digits at the start of `s`.
fn number(s: &str, max_len: usize) -> Option<(u32, &str)> {
    let digits = leading_digits(s);
    if digits.is_empty() || digits.len() > max_len {
        return None;
    }
    Some((digits.parse().ok()?, &s[digits.len()..]))
}

/// `sep` at the start of `s`, with optional spaces around it (`03 - 04 - 2026`).
fn separator(s: &str, sep: char) -> Option<&str> {
    s.trim_start_matches(' ')
        .strip_prefix(sep)
        .map(|r| r.trim_start_matches(' '))
}

/// `DD/MM/YYYY` (also with `-` or `.`, and `03 - 04 - 2026`): day and month may have one digit.
pub(crate) fn day_month_year(s: &str) -> Option<(Date, &str)> {
    let (day, rest) = number(s, 2)?;
    let sep = rest
        .trim_start_matches(' ')
        .chars()
        .next()
        .filter(|c| matches!(c, '/' | '-' | '.'))?;
    let (month, rest) = number(separator(rest, sep)?, 2)?;
    let rest = separator(rest, sep)?;
    let year_digits = leading_digits(rest);
    if year_digits.len() != 4 {
        return None;
    }
    let (year, rest) = number(rest, 4)?;
    Some((date(year, month, day)?, rest))
}

fn date(year: u32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// Month names and abbreviations in Spanish and English, folded.
const MONTHS: &[(&str, u32)] = &[
    ("enero", 1),
    ("ene", 1),
    ("january", 1),
    ("jan", 1),
    ("febrero", 2),
    ("february", 2),
    ("feb", 2),
    ("marzo", 3),
    ("march", 3),
    ("mar", 3),
    ("abril", 4),
    ("abr", 4),
    ("april", 4),
    ("apr", 4),
    ("mayo", 5),
    ("may", 5),
    ("junio", 6),
    ("june", 6),
    ("jun", 6),
    ("julio", 7),
    ("july", 7),
    ("jul", 7),
    ("agosto", 8),
    ("ago", 8),
    ("august", 8),
    ("aug", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("set", 9),
    ("octubre", 10),
    ("october", 10),
    ("oct", 10),
    ("noviembre", 11),
    ("november", 11),
    ("nov", 11),
    ("diciembre", 12),
    ("december", 12),
    ("dic", 12),
    ("dec", 12),
];

/// `Nov 30, 2025`, `Ago 3, 2025`, `Jul. 3, 2025`, `Septiembre 9 2025`.
pub(crate) fn month_day_year(s: &str) -> Option<(Date, &str)> {
    let word_len = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    let word = &s[..word_len];
    let &(_, month) = MONTHS
        .iter()
        .find(|(name, _)| folded_prefix_len(word, name) == Some(word.len()))?;
    let rest = s[word_len..].strip_prefix('.').unwrap_or(&s[word_len..]);
    let (day, rest) = number(rest.trim_start(), 2)?;
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    if leading_digits(rest).len() != 4 {
        return None;
    }
    let (year, rest) = number(rest, 4)?;
    Some((date(year, month, day)?, rest))
}

/// `YYYY/MM/DD` or `YYYY-MM-DD`.
pub(crate) fn year_month_day(s: &str) -> Option<(Date, &str)> {
    if leading_digits(s).len() != 4 {
        return None;
    }
    let (year, rest) = number(s, 4)?;
    let sep = rest.chars().next().filter(|c| matches!(c, '/' | '-'))?;
    let (month, rest) = number(&rest[1..], 2)?;
    let (day, rest) = number(rest.strip_prefix(sep)?, 2)?;
    Some((date(year, month, day)?, rest))
}

/// `16 sep 2026`, `15 de Septiembre de 2026`.
pub(crate) fn day_month_name_year(s: &str) -> Option<(Date, &str)> {
    let (day, rest) = number(s, 2)?;
    let rest = rest.trim_start();
    let rest = strip_word(rest, "de").unwrap_or(rest);
    let word_len = rest
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(rest.len(), |(i, _)| i);
    let word = &rest[..word_len];
    let &(_, month) = MONTHS
        .iter()
        .find(|(name, _)| !word.is_empty() && folded_prefix_len(word, name) == Some(word.len()))?;
    let rest = rest[word_len..]
        .strip_prefix('.')
        .unwrap_or(&rest[word_len..]);
    let rest = rest.trim_start();
    let rest = strip_word(rest, "de").unwrap_or(rest);
    if leading_digits(rest).len() != 4 {
        return None;
    }
    let (year, rest) = number(rest, 4)?;
    Some((date(year, month, day)?, rest))
}

/// `s` without a leading `word` (folded) and the spaces after it.
fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let len = folded_prefix_len(s, word)?;
    let rest = &s[len..];
    rest.starts_with(' ').then(|| rest.trim_start())
}

/// A date in any of the forms above, then a time after separators such as `, `, ` - `,
/// ` / ` or `a las`: `Sep 23, 2026 , 09:13`, `16 sep 2026 / 17:53`, `2025/11/28 08:18:46`,
/// `29-11-2025 a las 08:06:22 horas`, `12/09/2026 07:22:13 p.m.`. Returns the rest.
pub(crate) fn date_and_time(s: &str) -> Option<(Date, Time, &str)> {
    let s = s.trim_start();
    let (date, mut rest) = year_month_day(s)
        .or_else(|| day_month_year(s))
        .or_else(|| day_month_name_year(s))
        .or_else(|| month_day_year(s))?;
    loop {
        let trimmed = rest.trim_start_matches([' ', ',', '-', '/']);
        match strip_word(trimmed, "a las").or_else(|| strip_word(trimmed, "a la")) {
            Some(after) => rest = after,
            None if trimmed.len() == rest.len() => break,
            None => rest = trimmed,
        }
    }
    let (time, rest) = clock(rest)?;
    Some((date, time, rest))
}

/// [`date_and_time`] in Costa Rica time, as a UTC instant; `Err` names what was unreadable.
pub(crate) fn costa_rica_date_time(s: &str, what: &str) -> Result<OffsetDateTime, String> {
    let (date, time, _) = date_and_time(s).ok_or_else(|| format!("unreadable {what}"))?;
    costa_rica(date, time)
}

/// `H:MM`, `HH:MM:SS`, optionally followed by `AM`/`PM` (also `a.m.`, `p. m.`).
pub(crate) fn clock(s: &str) -> Option<(Time, &str)> {
    let (mut hour, rest) = number(s, 2)?;
    let rest = rest.strip_prefix(':')?;
    if leading_digits(rest).len() != 2 {
        return None;
    }
    let (minute, mut rest) = number(rest, 2)?;
    let mut second = 0;
    if let Some(r) = rest.strip_prefix(':') {
        if leading_digits(r).len() != 2 {
            return None;
        }
        (second, rest) = number(r, 2)?;
    }
    let after_space = rest.trim_start();
    for (marker, pm) in [
        ("a. m.", false),
        ("a.m.", false),
        ("am", false),
        ("p. m.", true),
        ("p.m.", true),
        ("pm", true),
    ] {
        let Some(len) = folded_prefix_len(after_space, marker) else {
            continue;
        };
        let tail = &after_space[len..];
        if tail
            .chars()
            .next()
            .is_some_and(|c| fold(c).is_alphanumeric())
        {
            continue;
        }
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
        rest = tail;
        break;
    }
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some((time, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn dates_and_times() {
        assert_eq!(
            day_month_year("05/12/2025 1"),
            Some((date!(2025 - 12 - 05), " 1"))
        );
        assert_eq!(
            day_month_year("5-1-2026"),
            Some((date!(2026 - 01 - 05), ""))
        );
        assert_eq!(day_month_year("31/02/2025"), None);
        assert_eq!(day_month_year("05/12/25"), None);
        assert_eq!(day_month_year("05/12-2025"), None);
        for (s, d) in [
            ("Nov 30, 2025, 09:09", date!(2025 - 11 - 30)),
            ("Ago 3, 2025, 14:05", date!(2025 - 08 - 03)),
            ("Jul. 3, 2025", date!(2025 - 07 - 03)),
            ("SET 9 2025", date!(2025 - 09 - 09)),
            ("diciembre 24, 2025", date!(2025 - 12 - 24)),
        ] {
            assert_eq!(month_day_year(s).map(|x| x.0), Some(d), "{s}");
        }
        assert_eq!(month_day_year("Foo 3, 2025"), None);
        assert_eq!(
            day_month_year("03 - 04 - 2026 12"),
            Some((date!(2026 - 04 - 03), " 12"))
        );
        assert_eq!(
            year_month_day("2025/11/28 08"),
            Some((date!(2025 - 11 - 28), " 08"))
        );
        assert_eq!(year_month_day("25/11/2028"), None);
        for (s, d) in [
            ("16 sep 2026", date!(2026 - 09 - 16)),
            ("15 de Septiembre de 2026", date!(2026 - 09 - 15)),
            ("1 Dic. 2025", date!(2025 - 12 - 01)),
        ] {
            assert_eq!(day_month_name_year(s).map(|x| x.0), Some(d), "{s}");
        }
        assert_eq!(day_month_name_year("16 de 2026"), None);
        let at = |s| date_and_time(s).map(|(d, t, _)| (d, t));
        assert_eq!(
            at("Sep 23, 2026 , 09:13"),
            Some((date!(2026 - 09 - 23), time!(09:13)))
        );
        assert_eq!(
            at("Sep 21,2026 , 00:00"),
            Some((date!(2026 - 09 - 21), time!(00:00)))
        );
        assert_eq!(
            at("16 sep 2026 / 17:53"),
            Some((date!(2026 - 09 - 16), time!(17:53)))
        );
        assert_eq!(
            at("2026-09-05 13:43:06.123"),
            Some((date!(2026 - 09 - 05), time!(13:43:06)))
        );
        assert_eq!(
            at("29-11-2025 a las 08:06:22 horas"),
            Some((date!(2025 - 11 - 29), time!(08:06:22)))
        );
        assert_eq!(
            at("12/09/2026 07:22:13 p.m."),
            Some((date!(2026 - 09 - 12), time!(19:22:13)))
        );
        assert_eq!(
            at("15 de Septiembre de 2026 a las 10:56 a.m."),
            Some((date!(2026 - 09 - 15), time!(10:56)))
        );
        assert_eq!(at("Sep 23, 2026"), None);
        assert_eq!(month_day_year("Nov 30, 25"), None);
        let t = |s| clock(s).map(|x| x.0);
        assert_eq!(t("09:09"), Some(time!(09:09)));
        assert_eq!(t("3:42 PM"), Some(time!(15:42)));
        assert_eq!(t("12:05 a. m."), Some(time!(00:05)));
        assert_eq!(t("12:30 p.m."), Some(time!(12:30)));
        assert_eq!(t("13:45:10"), Some(time!(13:45:10)));
        assert_eq!(t("13:45 PM"), None);
        assert_eq!(t("24:00"), None);
        assert_eq!(t("9:5"), None);
        assert_eq!(clock("9:05 pmx").map(|x| x.1), Some(" pmx"));
        assert_eq!(
            costa_rica(date!(2025 - 11 - 30), time!(21:09)),
            Ok(datetime!(2025-12-01 03:09 UTC))
        );
        assert!(costa_rica(date!(9999 - 12 - 31), time!(23:00)).is_err());
    }
}
