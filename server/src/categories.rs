//! What a transaction was for: the categories, and the built-in table that files a transaction
//! under one from its kind and its merchant's name. Pure code, no I/O. A user's own choice (for
//! one transaction, or a rule for every transaction of a merchant) is stored by `sync` and wins
//! over this table.
//!
//! Merchants are compared by their [`merchant_key`]: the name in capitals, without accents,
//! punctuation or repeated spaces, so "Panadería  la Espiga" and "PANADERIA LA ESPIGA" are one
//! merchant, and the same key is what the Transactions search matches.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::alerts::Kind;

/// The categories a transaction can be filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Supermarkets,
    /// Restaurants, cafés, bakeries and food delivery.
    Dining,
    /// Rides, fuel, tolls and parking.
    Transport,
    /// Electricity, water, phone, internet and TV.
    Utilities,
    /// Pharmacies, clinics, laboratories, dentists and opticians.
    Health,
    /// Cinemas, streaming, games, gyms and other subscriptions.
    Entertainment,
    /// Money sent or received, card payments and moves between one's own accounts.
    Transfers,
    /// Cash withdrawals.
    Cash,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Supermarkets,
        Category::Dining,
        Category::Transport,
        Category::Utilities,
        Category::Health,
        Category::Entertainment,
        Category::Transfers,
        Category::Cash,
        Category::Other,
    ];

    /// Stable code for storage and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Supermarkets => "supermarkets",
            Category::Dining => "dining",
            Category::Transport => "transport",
            Category::Utilities => "utilities",
            Category::Health => "health",
            Category::Entertainment => "entertainment",
            Category::Transfers => "transfers",
            Category::Cash => "cash",
            Category::Other => "other",
        }
    }

    /// The inverse of [`Category::as_str`].
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// The built-in category of a transaction: by its kind where the kind says it all (cash,
/// transfers, bills), else by the first row of [`MERCHANTS`] whose words its merchant's name
/// contains, else [`Category::Other`].
pub fn built_in(kind: Kind, merchant: Option<&str>) -> Category {
    match kind {
        Kind::Withdrawal => return Category::Cash,
        Kind::TransferOut | Kind::TransferIn | Kind::OwnTransfer | Kind::Payment => {
            return Category::Transfers;
        }
        Kind::ServicePayment => return Category::Utilities,
        Kind::Purchase | Kind::Refund | Kind::Declined => {}
    }
    let Some(merchant) = merchant else {
        return Category::Other;
    };
    let key = merchant_key(merchant);
    let words: Vec<&str> = key.split(' ').collect();
    MERCHANTS
        .iter()
        .find(|(phrase, _)| contains_phrase(&words, phrase))
        .map_or(Category::Other, |(_, category)| *category)
}

/// A merchant's name as merchants are compared and searched: capitals, no accents, words of
/// letters and digits separated by one space ("Panadería  la Espiga." → "PANADERIA LA ESPIGA").
pub fn merchant_key(name: &str) -> String {
    let folded: String = name
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_uppercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `words` hold the words of `phrase` one after another.
fn contains_phrase(words: &[&str], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    words.windows(wanted.len()).any(|window| window == wanted)
}

/// Words in merchants' names, as [`merchant_key`] writes them, and the category they mean; the
/// first row that matches wins, so the more specific phrases come first ("UBER EATS" before
/// "UBER"). Costa Rican chains and the words the card networks' merchant names carry.
const MERCHANTS: &[(&str, Category)] = &[
    // Food delivery, before the ride apps that also deliver.
    ("UBER EATS", Category::Dining),
    ("DIDI FOOD", Category::Dining),
    ("RAPPI", Category::Dining),
    ("PEDIDOSYA", Category::Dining),
    // Supermarkets.
    ("AUTO MERCADO", Category::Supermarkets),
    ("AUTOMERCADO", Category::Supermarkets),
    ("MAS X MENOS", Category::Supermarkets),
    ("MASXMENOS", Category::Supermarkets),
    ("MAXI PALI", Category::Supermarkets),
    ("MAXIPALI", Category::Supermarkets),
    ("PALI", Category::Supermarkets),
    ("WALMART", Category::Supermarkets),
    ("PRICESMART", Category::Supermarkets),
    ("PERIMERCADOS", Category::Supermarkets),
    ("FRESH MARKET", Category::Supermarkets),
    ("MEGASUPER", Category::Supermarkets),
    ("SUPERMERCADO", Category::Supermarkets),
    ("MINISUPER", Category::Supermarkets),
    ("SUPER", Category::Supermarkets),
    ("PULPERIA", Category::Supermarkets),
    ("CARNICERIA", Category::Supermarkets),
    ("VERDULERIA", Category::Supermarkets),
    ("FERIA", Category::Supermarkets),
    // Restaurants, cafés and bakeries.
    ("RESTAURANTE", Category::Dining),
    ("RESTAURANT", Category::Dining),
    ("REST", Category::Dining),
    ("SODA", Category::Dining),
    ("CAFE", Category::Dining),
    ("CAFETERIA", Category::Dining),
    ("PANADERIA", Category::Dining),
    ("PASTELERIA", Category::Dining),
    ("PIZZA", Category::Dining),
    ("PIZZERIA", Category::Dining),
    ("MCDONALDS", Category::Dining),
    ("BURGER KING", Category::Dining),
    ("KFC", Category::Dining),
    ("TACO BELL", Category::Dining),
    ("SUBWAY", Category::Dining),
    ("STARBUCKS", Category::Dining),
    ("POPS", Category::Dining),
    ("ROSTI POLLOS", Category::Dining),
    ("SPOON", Category::Dining),
    // Rides, fuel, tolls and parking.
    ("UBER", Category::Transport),
    ("DIDI", Category::Transport),
    ("INDRIVER", Category::Transport),
    ("GASOLINERA", Category::Transport),
    ("SERVICENTRO", Category::Transport),
    ("ESTACION DE SERVICIO", Category::Transport),
    ("COMBUSTIBLE", Category::Transport),
    ("PEAJE", Category::Transport),
    ("GLOBALVIA", Category::Transport),
    ("PARQUEO", Category::Transport),
    ("PARKING", Category::Transport),
    ("TAXI", Category::Transport),
    ("AUTOBUSES", Category::Transport),
    // Electricity, water, phone, internet and TV.
    ("KOLBI", Category::Utilities),
    ("ICE", Category::Utilities),
    ("CNFL", Category::Utilities),
    ("AYA", Category::Utilities),
    ("ESPH", Category::Utilities),
    ("JASEC", Category::Utilities),
    ("CLARO", Category::Utilities),
    ("LIBERTY", Category::Utilities),
    ("CABLETICA", Category::Utilities),
    ("TELECABLE", Category::Utilities),
    ("INTERNET", Category::Utilities),
    ("FIBRA", Category::Utilities),
    // Health.
    ("FARMACIA", Category::Health),
    ("FISCHEL", Category::Health),
    ("LA BOMBA", Category::Health),
    ("CLINICA", Category::Health),
    ("HOSPITAL", Category::Health),
    ("LABORATORIO", Category::Health),
    ("DENTAL", Category::Health),
    ("ODONTOLOGIA", Category::Health),
    ("OPTICA", Category::Health),
    ("MEDICO", Category::Health),
    // Entertainment and subscriptions.
    ("CINE", Category::Entertainment),
    ("CINEPOLIS", Category::Entertainment),
    ("CINEMAS", Category::Entertainment),
    ("NETFLIX", Category::Entertainment),
    ("SPOTIFY", Category::Entertainment),
    ("DISNEY", Category::Entertainment),
    ("HBO", Category::Entertainment),
    ("STEAM", Category::Entertainment),
    ("PLAYSTATION", Category::Entertainment),
    ("XBOX", Category::Entertainment),
    ("NINTENDO", Category::Entertainment),
    ("GIMNASIO", Category::Entertainment),
    ("GYM", Category::Entertainment),
    ("SMART FIT", Category::Entertainment),
    ("TEATRO", Category::Entertainment),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merchant_key_folds_case_accents_and_punctuation() {
        assert_eq!(merchant_key("Panadería  la Espiga."), "PANADERIA LA ESPIGA");
        assert_eq!(merchant_key("marcela vargas ureña"), "MARCELA VARGAS URENA");
        assert_eq!(
            merchant_key("UBER *TRIP HELP.UBER.COM"),
            "UBER TRIP HELP UBER COM"
        );
        assert_eq!(merchant_key("  "), "");
    }

    #[test]
    fn the_kind_decides_where_it_says_it_all() {
        let shop = Some("AUTO MERCADO LOS YOSES");
        assert_eq!(built_in(Kind::Withdrawal, shop), Category::Cash);
        assert_eq!(built_in(Kind::TransferOut, shop), Category::Transfers);
        assert_eq!(built_in(Kind::OwnTransfer, None), Category::Transfers);
        assert_eq!(built_in(Kind::ServicePayment, None), Category::Utilities);
        assert_eq!(built_in(Kind::Purchase, shop), Category::Supermarkets);
        assert_eq!(built_in(Kind::Refund, shop), Category::Supermarkets);
        assert_eq!(built_in(Kind::Purchase, None), Category::Other);
    }

    #[test]
    fn merchants_are_filed_by_whole_words() {
        let file = |name| built_in(Kind::Purchase, Some(name));
        assert_eq!(file("MAS X MENOS CURRIDABAT"), Category::Supermarkets);
        assert_eq!(file("Super La Canasta Tibas CR"), Category::Supermarkets);
        assert_eq!(file("PANADERÍA LA ESPIGA DORADA"), Category::Dining);
        assert_eq!(file("SODA LA ESQUINA HEREDIA"), Category::Dining);
        assert_eq!(file("UBER EATS SAN JOSE"), Category::Dining);
        assert_eq!(file("UBER TRIP HELP.UBER.COM NL"), Category::Transport);
        assert_eq!(file("FARMACIA SANTA LUCIA CURRIDABAT CR"), Category::Health);
        assert_eq!(file("CINEPOLIS LINCOLN"), Category::Entertainment);
        assert_eq!(file("KOLBI PREPAGO"), Category::Utilities);
        // A word inside another is not that word: "SERVICE" holds "ICE", "SUPERIOR" "SUPER".
        assert_eq!(file("CUSTOMER SERVICE DESK"), Category::Other);
        assert_eq!(file("LIBRERIA SUPERIOR"), Category::Other);
        assert_eq!(file("FERRETERIA EL MARTILLO"), Category::Other);
    }

    #[test]
    fn every_phrase_is_written_as_a_merchant_key() {
        for (phrase, _) in MERCHANTS {
            assert_eq!(merchant_key(phrase), *phrase);
        }
        for category in Category::ALL {
            assert_eq!(Category::from_code(category.as_str()), Some(category));
        }
    }
}
