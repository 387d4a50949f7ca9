//! HTML body to [`Doc`]: a small tag scanner, not a browser. Table cells (`td`, `th`) become
//! cells; rows, tables, paragraphs, divs, list items, headings and `<br>` end a row. Scripts,
//! styles, titles and comments are dropped; character references are decoded.

use super::doc::Doc;
use super::text::collapse_ws;

/// Tags whose start or end closes the current row.
const ROW_TAGS: &[&str] = &[
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "center",
    "blockquote",
    "body",
];
/// Tags whose content is not text.
const SKIP_TAGS: &[&str] = &["script", "style", "title"];

struct Builder {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: String,
    cell_open: bool,
}

impl Builder {
    fn end_cell(&mut self) {
        let text = collapse_ws(&self.cell);
        if self.cell_open || !text.is_empty() {
            self.row.push(text);
        }
        self.cell.clear();
        self.cell_open = false;
    }

    fn end_row(&mut self) {
        self.end_cell();
        if !self.row.is_empty() {
            self.rows.push(std::mem::take(&mut self.row));
        }
    }

    fn text(&mut self, raw: &str) {
        if raw.contains('&') {
            self.cell.push_str(&html_escape::decode_html_entities(raw));
        } else {
            self.cell.push_str(raw);
        }
    }
}

/// Converts an HTML document into rows of cells.
pub(crate) fn to_doc(html: &str) -> Doc {
    let mut b = Builder {
        rows: Vec::new(),
        row: Vec::new(),
        cell: String::new(),
        cell_open: false,
    };
    let bytes = html.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(lt) = html[pos..].find('<').map(|i| pos + i) else {
            b.text(&html[pos..]);
            break;
        };
        if lt > pos {
            b.text(&html[pos..lt]);
        }
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            pos = rest.find("-->").map_or(html.len(), |i| lt + i + 3);
            continue;
        }
        let Some(tag) = parse_tag(rest) else {
            // A lone '<' is text.
            b.text("<");
            pos = lt + 1;
            continue;
        };
        pos = lt + tag.len;
        let is = |name: &str| tag.name.eq_ignore_ascii_case(name);
        if !tag.closing && SKIP_TAGS.iter().any(|name| is(name)) {
            pos = skip_past_close(html, pos, tag.name);
            continue;
        }
        if is("td") || is("th") {
            b.end_cell();
            // Text between `</td>` and the next cell belongs to no cell unless visible.
            b.cell_open = !tag.closing;
        } else if ROW_TAGS.iter().any(|name| is(name)) {
            b.end_row();
        }
    }
    b.end_row();
    Doc::from_rows(b.rows)
}

struct Tag<'a> {
    /// As written (compare it ignoring ASCII case).
    name: &'a str,
    closing: bool,
    /// Bytes from `<` to just past `>`.
    len: usize,
}

/// Reads `<name ...>` or `</name>` at the start of `s`; `None` when `s` is not a tag, including
/// `<!DOCTYPE>` and `<?xml?>` which are returned as nameless tags.
fn parse_tag(s: &str) -> Option<Tag<'_>> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let first = *bytes.get(i)?;
    if !(first.is_ascii_alphabetic() || first == b'!' || first == b'?') {
        return None;
    }
    let name_start = i;
    while bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric()) {
        i += 1;
    }
    let name = &s[name_start..i];
    // Skip attributes, honouring quotes, up to the closing '>'.
    let mut quote = None;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                return Some(Tag {
                    name,
                    closing,
                    len: i + 1,
                });
            }
            None => {}
        }
        i += 1;
    }
    Some(Tag {
        name,
        closing,
        len: s.len(),
    })
}

/// Position just past `</name ...>` at or after `from`, or the end of the document.
fn skip_past_close(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut pos = from;
    while let Some(i) = html.get(pos..).and_then(|r| r.find("</")) {
        let start = pos + i;
        let name_end = start + 2 + name.len();
        if bytes
            .get(start + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            return html[start..]
                .find('>')
                .map_or(html.len(), |j| start + j + 1);
        }
        pos = start + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_rows_and_cells() {
        let html = "<!DOCTYPE html><html><head><title>T</title><style>td{x:1}</style></head>\
            <body><!-- note --><table><tr><td>Comercio:</td><td>CAF&Eacute; &amp; PAN</td></tr>\
            <tr><td></td><td>a</td><td>  </td></tr><tr><td>x<br>y</td></tr></table>\
            <p>Hola&nbsp;mundo <b>bold</b></p>1 < 2</body></html>";
        let doc = to_doc(html);
        let rows: Vec<Vec<&str>> = doc
            .rows()
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["Comercio:", "CAFÉ & PAN"],
                vec!["", "a", ""],
                vec!["x"],
                vec!["y"],
                vec!["Hola mundo bold"],
                vec!["1 < 2"],
            ]
        );
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in [
            "<",
            "<td",
            "</",
            "<script>",
            "<!--",
            "<a href='>",
            "<é>",
            "<td>é<",
        ] {
            let _ = to_doc(s);
        }
    }
}
