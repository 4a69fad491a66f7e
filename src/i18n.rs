//! The reader's language: message catalogues in `locales/` (Fluent, one file per language),
//! the language a request asks for, and the catalogue as the widget fetches it.
//!
//! A leaf module, like `render`: views and routes ask it for text; nothing below them
//! speaks a language. The domain's field messages are English; [`field_message`] gives a
//! known one in the reader's language and leaves any other as it is.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The catalogues, English first (the fallback for a missing message).
const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en.ftl")),
    ("es", include_str!("../locales/es.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("pt", include_str!("../locales/pt.ftl")),
];

/// The languages there is a catalogue for, English first.
pub fn languages() -> impl Iterator<Item = &'static str> {
    CATALOGUES.iter().map(|(lang, _)| *lang)
}

struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    /// Message ids in file order.
    ids: Vec<String>,
}

fn catalogues() -> &'static HashMap<&'static str, Catalogue> {
    static ALL: OnceLock<HashMap<&'static str, Catalogue>> = OnceLock::new();
    ALL.get_or_init(|| {
        CATALOGUES
            .iter()
            .map(|(lang, source)| {
                let resource = FluentResource::try_new((*source).to_owned())
                    .unwrap_or_else(|(_, errors)| panic!("locales/{lang}.ftl: {errors:?}"));
                let ids = resource
                    .entries()
                    .filter_map(|entry| match entry {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                        _ => None,
                    })
                    .collect();
                let id: LanguageIdentifier = lang.parse().expect("a language tag");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Plain text in HTML and JSON: no bidi isolation marks around placeables.
                bundle.set_use_isolating(false);
                bundle
                    .add_resource(resource)
                    .unwrap_or_else(|e| panic!("locales/{lang}.ftl: {e:?}"));
                (*lang, Catalogue { bundle, ids })
            })
            .collect()
    })
}

/// The supported language `tag` names (`es-MX` is `es`), if any.
pub fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    languages().find(|lang| *lang == primary)
}

/// The language an `Accept-Language` header asks for: the supported one with the highest
/// weight, else English.
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let Some(header) = accept_language else {
        return "en";
    };
    let mut best: Option<(f32, &'static str)> = None;
    for (i, part) in header.split(',').take(20).enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or_default();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        // Earlier tags win ties, as the header lists them in preference order.
        let weight = q - i as f32 * 1e-4;
        if let Some(lang) = supported(tag)
            && q > 0.0
            && best.is_none_or(|(w, _)| weight > w)
        {
            best = Some((weight, lang));
        }
    }
    best.map_or("en", |(_, lang)| lang)
}

/// Message `id` in `lang` (English when that catalogue lacks it), with `args`.
pub fn text(lang: &str, id: &str, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(*value));
    }
    formatted(lang, id, &fluent_args)
}

/// Message `id` in `lang` for a count `$n`, which picks the language's plural form
/// ("1 minute ago", "3 minutes ago"), with `args` besides.
pub fn count_text(lang: &str, id: &str, n: i64, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    fluent_args.set("n", FluentValue::from(n));
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(*value));
    }
    formatted(lang, id, &fluent_args)
}

fn formatted(lang: &str, id: &str, args: &FluentArgs<'_>) -> String {
    let all = catalogues();
    let format = |catalogue: &Catalogue| {
        let message = catalogue.bundle.get_message(id)?;
        let pattern = message.value()?;
        let mut errors = Vec::new();
        Some(
            catalogue
                .bundle
                .format_pattern(pattern, Some(args), &mut errors)
                .into_owned(),
        )
    };
    all.get(lang)
        .and_then(format)
        .or_else(|| all.get("en").and_then(format))
        .unwrap_or_else(|| id.to_owned())
}

/// Every message of `lang` the widget shows, as it fetches them (`/i18n/{lang}.json`):
/// id → text, each variable left as `{name}` for the widget to fill in. Emails (`mail-`),
/// the pages their links open (`page-`), the plain form's error pages (`form-`) and its
/// dates (`time-`; the widget has the browser's) are the server's alone.
pub fn catalogue_json(lang: &str) -> Option<String> {
    let catalogue = catalogues().get(lang)?;
    let mut out = serde_json::Map::new();
    let widget = |id: &&String| {
        !["mail-", "page-", "form-", "time-"]
            .iter()
            .any(|p| id.starts_with(p))
    };
    for id in catalogue.ids.iter().filter(widget) {
        let Some(message) = catalogue.bundle.get_message(id) else {
            continue;
        };
        let Some(pattern) = message.value() else {
            continue;
        };
        let mut args = FluentArgs::new();
        for name in ["count", "name", "day", "time"] {
            args.set(name, FluentValue::from(format!("{{{name}}}")));
        }
        let mut errors = Vec::new();
        let text = catalogue
            .bundle
            .format_pattern(pattern, Some(&args), &mut errors);
        out.insert(id.clone(), serde_json::Value::String(text.into_owned()));
    }
    serde_json::to_string(&out).ok()
}

/// A field message from the domain (English) in `lang`, when the catalogues know it.
pub fn field_message(lang: &str, english: &str) -> String {
    if lang == "en" {
        return english.to_owned();
    }
    static BY_TEXT: OnceLock<HashMap<String, String>> = OnceLock::new();
    let by_text = BY_TEXT.get_or_init(|| {
        let english = &catalogues()["en"];
        english
            .ids
            .iter()
            .filter(|id| id.starts_with("err-"))
            .map(|id| (text("en", id, &[]), id.clone()))
            .collect()
    });
    match by_text.get(english) {
        Some(id) => text(lang, id, &[]),
        None => english.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_has_every_message_english_has() {
        let all = catalogues();
        for lang in languages() {
            for id in &all["en"].ids {
                assert!(
                    all[lang].bundle.has_message(id),
                    "locales/{lang}.ftl lacks {id}"
                );
            }
        }
    }

    #[test]
    fn the_reader_gets_the_language_they_ask_for() {
        assert_eq!(negotiate(Some("es-MX,es;q=0.9,en;q=0.8")), "es");
        assert_eq!(negotiate(Some("ja, pt-BR;q=0.5")), "pt");
        assert_eq!(negotiate(Some("ja")), "en");
        assert_eq!(negotiate(None), "en");
        assert_eq!(text("fr", "reply-to", &[("name", "Ada")]), "Répondre à Ada");
        assert_eq!(
            field_message("de", "Please enter your name."),
            "Bitte gib deinen Namen ein."
        );
        assert_eq!(field_message("de", "something new"), "something new");
        let json: serde_json::Value = serde_json::from_str(&catalogue_json("es").unwrap()).unwrap();
        assert_eq!(json["comments-other"], "{count} comentarios");
    }
}
