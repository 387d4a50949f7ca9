//! The body of a mail as rows of cells: HTML table rows and cells, or plain-text lines split on
//! tabs. Extractors look values up by label or read whole rows; sentence layouts use
//! [`Doc::text`].

use super::text::{collapse_ws, folded_prefix_len, is_label, label_key};

/// A mail body reduced to rows of cells. Cells keep their text with whitespace collapsed;
/// rows with no visible text are dropped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Doc {
    rows: Vec<Vec<String>>,
}

impl Doc {
    pub(crate) fn from_rows(rows: Vec<Vec<String>>) -> Self {
        Doc {
            rows: rows
                .into_iter()
                .filter(|r| r.iter().any(|c| !c.is_empty()))
                .collect(),
        }
    }

    /// A plain-text body: one row per line, cells split on tabs.
    pub(crate) fn from_plain(text: &str) -> Self {
        Doc::from_rows(
            text.lines()
                .map(|line| line.split('\t').map(collapse_ws).collect())
                .collect(),
        )
    }

    pub(crate) fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// All the text, cells and rows joined by single spaces.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for cell in self.rows.iter().flatten().filter(|c| !c.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(cell);
        }
        out
    }

    /// The value for a label, which may be written as:
    /// - a cell equal to the label (a trailing colon is optional), the value being the next
    ///   non-empty cell of the row, or else the first non-empty cell of the next row unless that
    ///   is itself a label (ends with a colon): a blank value cell is no value;
    /// - a cell starting with `label:` followed by the value.
    ///
    /// `label` is compared folded (case and accents ignored). The first match wins.
    pub(crate) fn value(&self, label: &str) -> Option<&str> {
        let key = label_key(label);
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Some(inline) = inline_value(cell, &key) {
                    return Some(inline);
                }
                if !is_label(cell, &key) {
                    continue;
                }
                if let Some(next) = row[c + 1..].iter().find(|v| !v.is_empty()) {
                    return Some(next);
                }
                return self
                    .rows
                    .get(r + 1)
                    .and_then(|next| next.iter().find(|v| !v.is_empty()))
                    .filter(|v| !v.ends_with(':'))
                    .map(String::as_str);
            }
        }
        None
    }
}

/// `Label: value` in one cell.
fn inline_value<'a>(cell: &'a str, key: &str) -> Option<&'a str> {
    let len = folded_prefix_len(cell, key)?;
    let rest = cell[len..].trim_start();
    let value = rest.strip_prefix(':')?.trim();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rows: &[&[&str]]) -> Doc {
        Doc::from_rows(
            rows.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
        )
    }

    #[test]
    fn label_lookup() {
        let d = doc(&[
            &["Comercio:", "", "AUTO MERCADO"],
            &["Ciudad y país:"],
            &["SAN JOSE, Costa Rica"],
            &["Monto: CRC 1.00"],
            &["Tipo de Transacción", "COMPRA"],
            &["Referencia:", ""],
            &["Autorización:"],
            &["Monto:", "USD 1.00"],
        ]);
        assert_eq!(d.value("Referencia"), None, "a blank cell is no value");
        assert_eq!(d.value("Autorización"), None, "the next label is no value");
        assert_eq!(d.value("comercio"), Some("AUTO MERCADO"));
        assert_eq!(d.value("Ciudad y pais:"), Some("SAN JOSE, Costa Rica"));
        assert_eq!(d.value("MONTO"), Some("CRC 1.00"));
        assert_eq!(d.value("tipo de transaccion"), Some("COMPRA"));
        assert_eq!(d.value("Referencia"), None);
        let p = Doc::from_plain("Fecha:\tNov 30, 2025, 09:09\r\n\r\n  Motivo:  pago  ");
        assert_eq!(p.value("Fecha"), Some("Nov 30, 2025, 09:09"));
        assert_eq!(p.value("motivo"), Some("pago"));
        assert_eq!(p.text(), "Fecha: Nov 30, 2025, 09:09 Motivo: pago");
    }
}
