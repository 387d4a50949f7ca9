//! The MIME side, through `mail-parser`: the From header as written, the subject, Gmail's
//! `Authentication-Results` headers in order, and the body as a [`Doc`] (HTML preferred, else
//! plain text; quoted-printable, base64 and the usual charsets are decoded by the parser).

use mail_parser::{Address, HeaderName, Message, MessageParser, PartType};

use super::doc::Doc;
use super::html;

/// A parsed message.
pub(crate) struct Mail<'a> {
    msg: Message<'a>,
}

/// Everything the From header(s) said.
#[derive(Debug, Default)]
pub(crate) struct FromField {
    /// How many From headers the message has.
    pub headers: usize,
    /// True when any From header used group syntax (`name: a@b;`).
    pub grouped: bool,
    pub mailboxes: Vec<Mailbox>,
    /// The raw header values, joined, for look-alike detection.
    pub raw: String,
}

/// One mailbox of a From header.
#[derive(Debug, Default)]
pub(crate) struct Mailbox {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl<'a> Mail<'a> {
    /// `None` when the bytes are not a message at all.
    pub(crate) fn parse(raw: &'a [u8]) -> Option<Mail<'a>> {
        MessageParser::default().parse(raw).map(|msg| Mail { msg })
    }

    fn raw_value(&self, start: u32, end: u32) -> Option<&[u8]> {
        self.msg.raw_message.get(start as usize..end as usize)
    }

    pub(crate) fn sender_field(&self) -> FromField {
        let mut field = FromField::default();
        for header in self.msg.headers() {
            if header.name != HeaderName::From {
                continue;
            }
            field.headers += 1;
            if let Some(raw) = self.raw_value(header.offset_start, header.offset_end) {
                field.raw.push_str(&String::from_utf8_lossy(raw));
                field.raw.push('\n');
            }
            let mut push = |a: &mail_parser::Addr<'_>| {
                field.mailboxes.push(Mailbox {
                    name: a.name.as_deref().map(str::to_owned),
                    address: a.address.as_deref().map(str::to_owned),
                })
            };
            match header.value.as_address() {
                Some(Address::List(list)) => list.iter().for_each(&mut push),
                Some(Address::Group(groups)) => {
                    groups.iter().flat_map(|g| &g.addresses).for_each(push);
                    field.grouped = true;
                }
                None => {}
            }
        }
        field
    }

    pub(crate) fn subject(&self) -> &str {
        self.msg.subject().unwrap_or_default()
    }

    /// The Date header, Unix seconds.
    pub(crate) fn sent_at(&self) -> Option<i64> {
        self.msg.date().map(mail_parser::DateTime::to_timestamp)
    }

    /// Raw `Authentication-Results` values, topmost first.
    pub(crate) fn authentication_results(&self) -> impl Iterator<Item = &str> + '_ {
        self.msg
            .headers()
            .iter()
            .filter(|h| h.name == HeaderName::AuthenticationResults)
            .filter_map(|h| self.raw_value(h.offset_start, h.offset_end))
            .filter_map(|raw| std::str::from_utf8(raw).ok())
    }

    /// The body as rows of cells: the first HTML body if it has text, else the first plain one.
    pub(crate) fn body(&self) -> Doc {
        let html_doc = self
            .msg
            .html_part(0)
            .and_then(|part| match &part.body {
                PartType::Html(h) => Some(html::to_doc(h)),
                _ => None,
            })
            .filter(|d| !d.rows().is_empty());
        if let Some(doc) = html_doc {
            return doc;
        }
        match self.msg.text_part(0).map(|p| &p.body) {
            Some(PartType::Text(t)) => Doc::from_plain(t),
            Some(PartType::Html(h)) => html::to_doc(h),
            _ => Doc::default(),
        }
    }
}
