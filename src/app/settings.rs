//! What the use cases are built from: the settings types that configuration fills, in one
//! place, so that configuration names nothing else of the use cases.

pub use super::Components;
pub use super::filter::Schedule;
pub use super::guard::BotPolicy;
pub use super::limits::SubmissionLimits;
pub use super::notify::NotifySettings;
