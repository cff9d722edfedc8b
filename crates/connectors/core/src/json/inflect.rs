//! DreamFactory's display names: `label` (`first_name` → `First Name`) and `plural`
//! (`Category` → `Categories`). Only the common English rules are covered; the words are
//! for display and nothing depends on them.

/// `_` and `-` become spaces and each word's first letter is upper-cased (PHP `ucwords`),
/// the rest of the word is kept as written.
pub fn label(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for c in name.chars() {
        let c = if c == '_' || c == '-' { ' ' } else { c };
        if word_start && c != ' ' {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        word_start = c == ' ';
    }
    out
}

/// English plural of the last word of `label`, keeping the word's capitalisation.
pub fn plural(label: &str) -> String {
    let split = label.rfind(' ').map_or(0, |space| space + 1);
    let (head, word) = label.split_at(split);
    if word.is_empty() {
        return label.to_owned();
    }
    let lower = word.to_lowercase();
    let pluralised = if UNCOUNTABLE.contains(&lower.as_str()) {
        word.to_owned()
    } else if let Some((_, plural)) = IRREGULAR.iter().find(|(singular, _)| *singular == lower) {
        match_case(word, plural)
    } else {
        regular_plural(word, &lower)
    };
    format!("{head}{pluralised}")
}

fn regular_plural(word: &str, lower: &str) -> String {
    let before_last = lower.chars().rev().nth(1);
    let is_vowel = |c: Option<char>| matches!(c, Some('a' | 'e' | 'i' | 'o' | 'u'));
    if ["ss", "us", "as", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| lower.ends_with(end))
    {
        format!("{word}{}", suffix(word, "es"))
    } else if lower.ends_with('s') {
        // Most table names are plural already (`employees`); like the inflectors
        // DreamFactory uses, leave a word ending in a single `s` alone.
        word.to_owned()
    } else if lower.ends_with('y') && !is_vowel(before_last) {
        format!("{}{}", &word[..word.len() - 1], suffix(word, "ies"))
    } else {
        format!("{word}{}", suffix(word, "s"))
    }
}

/// The suffix in upper case when the word is all upper case (`ID` → `IDS` would be odd, but
/// `STATUS` → `STATUSES` reads right).
fn suffix(word: &str, suffix: &str) -> String {
    let all_upper = word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase);
    if all_upper {
        suffix.to_uppercase()
    } else {
        suffix.to_owned()
    }
}

fn match_case(original: &str, replacement: &str) -> String {
    let mut chars = replacement.chars();
    match (original.chars().next(), chars.next()) {
        (Some(first), Some(r)) if first.is_uppercase() => r.to_uppercase().chain(chars).collect(),
        _ => replacement.to_owned(),
    }
}

const UNCOUNTABLE: &[&str] = &[
    "data",
    "equipment",
    "information",
    "metadata",
    "money",
    "news",
    "rice",
    "series",
    "sheep",
    "species",
    "fish",
    "deer",
    "feedback",
    "staff",
];

const IRREGULAR: &[(&str, &str)] = &[
    ("person", "people"),
    ("man", "men"),
    ("woman", "women"),
    ("child", "children"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("tooth", "teeth"),
    ("foot", "feet"),
    ("ox", "oxen"),
    ("leaf", "leaves"),
    ("life", "lives"),
    ("wife", "wives"),
    ("knife", "knives"),
    ("half", "halves"),
    ("index", "indices"),
    ("matrix", "matrices"),
    ("criterion", "criteria"),
    ("quiz", "quizzes"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_capitalise_words_from_underscores_and_dashes() {
        assert_eq!(label("first_name"), "First Name");
        assert_eq!(label("order-items"), "Order Items");
        assert_eq!(label("camelCase"), "CamelCase");
    }

    #[test]
    fn plurals_follow_common_english_rules() {
        assert_eq!(plural("Contact"), "Contacts");
        assert_eq!(plural("Category"), "Categories");
        assert_eq!(plural("Day"), "Days");
        assert_eq!(plural("Box"), "Boxes");
        assert_eq!(plural("Order Status"), "Order Statuses");
        assert_eq!(plural("Person"), "People");
        assert_eq!(plural("Sales Data"), "Sales Data");
        assert_eq!(plural("Branch"), "Branches");
        assert_eq!(plural("Employees"), "Employees");
        assert_eq!(plural("Class"), "Classes");
    }
}
