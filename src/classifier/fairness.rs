//! Two checks of what a model must not hold against a person (issue #27): their name, and
//! the language they write in. `replyguard model fairness` runs both on a model.

use serde::Serialize;

use super::Classifier;
use super::tokenize::Document;

/// Common names from many cultures.
pub const NAMES: &[&str] = &[
    "Kwame Mensah",
    "Ahmed Hassan",
    "María José García",
    "Nguyen Van An",
    "Li Wei",
    "Priya Sharma",
    "Olga Ivanova",
    "John Smith",
    "Fatima Zahra",
    "Hiroshi Tanaka",
    "Chinedu Okafor",
    "Aroha Ngata",
    "Sven Johansson",
    "Ayşe Yılmaz",
    "Mohammed Al-Sayed",
    "Siobhan O'Connor",
    "Kim Min-jun",
    "Juan Pérez",
    "Amara Diallo",
    "Ana Souza",
    "Dmitri Petrov",
    "Zanele Dlamini",
    "Rahul Gupta",
    "Lucía Fernández",
    "Tomasz Nowak",
    "Yaw Boateng",
    "Mei Chen",
    "Giulia Rossi",
    "Ahmed",
    "kwame",
];

/// Civil comments on a news article, in English.
pub const ENGLISH: &[&str] = &[
    "Does anyone know whether the deportees had a hearing before the flight?",
    "The council should publish the full budget before the vote, not after.",
    "My neighbourhood has waited two years for the new bus line. Any news on the date?",
    "Thank you for the clear reporting on the water shortage this summer.",
    "I disagree with the mayor, but this article explains both sides fairly.",
    "How many families are affected by the school closures in the north?",
];

/// Civil comments in languages the shipped corpora do not hold, with their language.
pub const OTHER_LANGUAGES: &[(&str, &str)] = &[
    (
        "es",
        "¿Alguien sabe si los deportados tuvieron una audiencia antes del vuelo?",
    ),
    (
        "es",
        "El ayuntamiento debería publicar el presupuesto completo antes de la votación.",
    ),
    (
        "es",
        "Gracias por explicar con tanta claridad la situación de la sequía este verano.",
    ),
    (
        "pt",
        "Alguém sabe se os deportados tiveram uma audiência antes do voo?",
    ),
    (
        "pt",
        "A câmara devia publicar o orçamento completo antes da votação, não depois.",
    ),
    (
        "pt",
        "Obrigada pela reportagem clara sobre a falta de água neste verão.",
    ),
    (
        "fr",
        "Quelqu'un sait-il si les expulsés ont eu une audience avant le vol ?",
    ),
    (
        "fr",
        "Le conseil devrait publier le budget complet avant le vote, pas après.",
    ),
    (
        "fr",
        "Merci pour ce reportage clair sur la pénurie d'eau cet été.",
    ),
    (
        "de",
        "Weiß jemand, ob die Abgeschobenen vor dem Flug eine Anhörung hatten?",
    ),
    (
        "de",
        "Der Stadtrat sollte den vollständigen Haushalt vor der Abstimmung veröffentlichen.",
    ),
];

/// What the checks found.
#[derive(Debug, Clone, Serialize)]
pub struct Fairness {
    /// Per English text, the spread (max − min) of P(spam) over [`NAMES`].
    pub name_spread: Vec<f64>,
    pub max_name_spread: f64,
    /// Mean P(spam) of the English texts (no name).
    pub english_mean: f64,
    /// Mean P(spam) of the other languages' texts.
    pub other_languages_mean: f64,
    /// The highest P(spam) among the other languages' texts, and the threshold.
    pub other_languages_max: f64,
    pub threshold: f64,
    /// Per other-language text: its language, P(spam), and share of evidence.
    pub other_languages: Vec<(String, f64, f64)>,
}

fn p(classifier: &Classifier, doc: &Document<'_>) -> f64 {
    classifier.score(doc).map_or(f64::NAN, |s| s.probability())
}

/// Runs both checks with `classifier`.
pub fn check(classifier: &Classifier) -> Fairness {
    let name_spread: Vec<f64> = ENGLISH
        .iter()
        .map(|text| {
            let scores: Vec<f64> = NAMES
                .iter()
                .map(|name| {
                    p(
                        classifier,
                        &Document {
                            body: text,
                            author: Some(name),
                            ..Document::default()
                        },
                    )
                })
                .collect();
            scores.iter().copied().fold(f64::MIN, f64::max)
                - scores.iter().copied().fold(f64::MAX, f64::min)
        })
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let english: Vec<f64> = ENGLISH
        .iter()
        .map(|t| p(classifier, &Document::text(t)))
        .collect();
    let other_languages: Vec<(String, f64, f64)> = OTHER_LANGUAGES
        .iter()
        .map(|(lang, text)| {
            let doc = Document::text(text);
            let evidence = classifier
                .score_and_explain(&doc, 0, 0)
                .map_or(0.0, |s| s.evidence);
            ((*lang).to_owned(), p(classifier, &doc), evidence)
        })
        .collect();
    let others: Vec<f64> = other_languages.iter().map(|(_, p, _)| *p).collect();
    Fairness {
        max_name_spread: name_spread.iter().copied().fold(0.0, f64::max),
        name_spread,
        english_mean: mean(&english),
        other_languages_mean: mean(&others),
        other_languages_max: others.iter().copied().fold(0.0, f64::max),
        threshold: classifier.info().threshold,
        other_languages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The goals of issue #27 on the shipped model: the same text under 30 names scores
    /// within 0.05, and civil comments in languages the corpora lack score like English
    /// ones (mean within 0.1), none reaching the threshold.
    #[test]
    fn the_shipped_model_holds_neither_names_nor_languages_against_a_person() {
        let found = check(&Classifier::shipped().expect("the shipped model"));
        assert!(found.max_name_spread <= 0.05, "{found:#?}");
        assert!(
            (found.other_languages_mean - found.english_mean).abs() <= 0.1,
            "{found:#?}"
        );
        assert!(found.other_languages_max < found.threshold, "{found:#?}");
    }
}
