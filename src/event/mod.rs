//! Domain values shared by every layer: what a Key Vault audit event *means*, independent of the format it
//! arrived in. Pure functions, no I/O; each file derives one kind of value from the raw text the logs carry.

pub mod access;
pub mod apps;
pub mod identity;
pub mod ip;
pub mod object;
pub mod operation;
pub mod settings;
pub mod status;
pub mod time;
pub mod vault;

pub use access::{AccessChange, ChangeKind};
pub use identity::{Claims, Identity, IdentityKind};
pub use object::{ObjectKind, ObjectRef};
pub use operation::{ObjectType, Operation, Plane};
pub use settings::VaultSettings;
pub use status::Outcome;
pub use time::Ticks;
pub use vault::Vault;
