//! Time as the database stores it: Unix seconds, UTC.

use time::OffsetDateTime;
use time::macros::format_description;

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// "25 Nov 2026"
pub fn format_date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "25 Nov 2026, 13:05 UTC"
pub fn format_date_time(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        // 2026-11-25T13:05:00Z
        assert_eq!(format_date(1_795_611_900), "25 Nov 2026");
        assert_eq!(format_date_time(1_795_611_900), "25 Nov 2026, 13:05 UTC");
    }
}
