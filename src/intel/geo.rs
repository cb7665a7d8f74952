//! MaxMind GeoLite2 / GeoIP2 databases (Country, City, ASN; DETECTIONS.md §6.3), read with the `maxminddb`
//! crate. What a file is comes from its own metadata (`database_type`), not its name, so DB-IP's compatible
//! `dbip-country-lite.mmdb` works too. A file that is not a valid database is an error naming it; a record that
//! fails to decode later is treated as "unknown", never a panic.

use std::fmt;
use std::net::IpAddr;

use maxminddb::{Reader, geoip2};

use super::error::IntelError;
use crate::event::ip;

/// Which lookups a database serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeoKind {
    Country,
    City,
    Asn,
}

impl GeoKind {
    /// The database types that name each kind: `GeoLite2-ASN`, `GeoIP2-ISP`, `GeoLite2-City`,
    /// `GeoIP2-Enterprise`, `DBIP-Country-Lite`, …
    pub fn of_database_type(database_type: &str) -> Option<GeoKind> {
        let t = database_type.to_ascii_lowercase();
        if t.contains("asn") || t.contains("isp") {
            Some(GeoKind::Asn)
        } else if t.contains("city") || t.contains("enterprise") {
            Some(GeoKind::City)
        } else if t.contains("country") {
            Some(GeoKind::Country)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GeoKind::Country => "geo-country",
            GeoKind::City => "geo-city",
            GeoKind::Asn => "geo-asn",
        }
    }
}

/// An autonomous system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Asn {
    pub number: u32,
    /// Empty when the database has no organisation name.
    pub org: Box<str>,
}

/// Where a City database places an address: enough for an impossible-travel speed.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    /// The database's accuracy radius, in kilometres.
    pub accuracy_km: Option<u16>,
    /// English city name.
    pub city: Option<Box<str>>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<Box<str>>,
}

/// One opened database.
pub struct Database {
    pub file: Box<str>,
    pub kind: GeoKind,
    reader: Reader<Vec<u8>>,
}

impl Database {
    /// Opens a database from its bytes.
    pub fn open(bytes: Vec<u8>, file: &str) -> Result<Database, IntelError> {
        let reader = Reader::from_source(bytes)
            .map_err(|e| IntelError::file(file, format_args!("not a MaxMind database: {e}")))?;
        let database_type = reader.metadata().database_type.clone();
        let kind = GeoKind::of_database_type(&database_type).ok_or_else(|| {
            IntelError::file(
                file,
                format_args!("unsupported database_type `{database_type}` (expected a Country, City or ASN database)"),
            )
        })?;
        Ok(Database { file: file.into(), kind, reader })
    }

    /// The metadata `database_type`, e.g. `GeoLite2-City`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The metadata `build_epoch`, seconds since 1970.
    pub fn build_epoch(&self) -> u64 {
        self.reader.metadata().build_epoch
    }

    /// Nodes of the search tree: a size for the load summary.
    pub fn node_count(&self) -> u32 {
        self.reader.metadata().node_count
    }

    /// Decodes the record of `ip` as `T`; `None` when there is none or it does not decode (an IPv6 address in
    /// an IPv4 database is simply not found).
    fn record<'a, T: serde::Deserialize<'a>>(&'a self, ip: IpAddr) -> Option<T> {
        self.reader.lookup(ip::canonical(ip)).ok()?.decode::<T>().ok()?
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("file", &self.file)
            .field("kind", &self.kind)
            .field("database_type", &self.database_type())
            .finish()
    }
}

/// The databases given; each is optional and every lookup says `None` without its database.
#[derive(Debug, Default)]
pub struct Geo {
    pub country_db: Option<Database>,
    pub city_db: Option<Database>,
    pub asn_db: Option<Database>,
}

impl Geo {
    /// Opens a database and puts it in its slot by kind. Returns the database it replaced, if any.
    pub fn add(&mut self, bytes: Vec<u8>, file: &str) -> Result<(GeoKind, Option<Database>), IntelError> {
        let db = Database::open(bytes, file)?;
        let kind = db.kind;
        let slot = match kind {
            GeoKind::Country => &mut self.country_db,
            GeoKind::City => &mut self.city_db,
            GeoKind::Asn => &mut self.asn_db,
        };
        Ok((kind, slot.replace(db)))
    }

    /// ISO 3166-1 alpha-2 country of `ip`: from the Country database, else the City one; the registered country
    /// when the database has no physical one (anycast, satellite).
    pub fn country(&self, ip: IpAddr) -> Option<Box<str>> {
        let from = |db: &Database| {
            let c = db.record::<geoip2::Country>(ip)?;
            c.country.iso_code.or(c.registered_country.iso_code).map(Into::into)
        };
        self.country_db.as_ref().and_then(from).or_else(|| self.city_db.as_ref().and_then(from))
    }

    /// The autonomous system of `ip`.
    pub fn asn(&self, ip: IpAddr) -> Option<Asn> {
        let a = self.asn_db.as_ref()?.record::<geoip2::Asn>(ip)?;
        Some(Asn { number: a.autonomous_system_number?, org: a.autonomous_system_organization.unwrap_or("").into() })
    }

    /// Coordinates of `ip`, when a City database is given and has them.
    pub fn location(&self, ip: IpAddr) -> Option<Location> {
        let c = self.city_db.as_ref()?.record::<geoip2::City>(ip)?;
        Some(Location {
            latitude: c.location.latitude.filter(|v| v.is_finite())?,
            longitude: c.location.longitude.filter(|v| v.is_finite())?,
            accuracy_km: c.location.accuracy_radius,
            city: c.city.names.english.map(Into::into),
            country: c.country.iso_code.or(c.registered_country.iso_code).map(Into::into),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.country_db.is_none() && self.city_db.is_none() && self.asn_db.is_none()
    }

    /// The databases loaded.
    pub fn databases(&self) -> impl Iterator<Item = &Database> {
        [&self.country_db, &self.city_db, &self.asn_db].into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_database_type() {
        assert_eq!(GeoKind::of_database_type("GeoLite2-Country"), Some(GeoKind::Country));
        assert_eq!(GeoKind::of_database_type("GeoLite2-City"), Some(GeoKind::City));
        assert_eq!(GeoKind::of_database_type("GeoLite2-ASN"), Some(GeoKind::Asn));
        assert_eq!(GeoKind::of_database_type("GeoIP2-ISP"), Some(GeoKind::Asn));
        assert_eq!(GeoKind::of_database_type("GeoIP2-Enterprise"), Some(GeoKind::City));
        assert_eq!(GeoKind::of_database_type("DBIP-Country-Lite"), Some(GeoKind::Country));
        assert_eq!(GeoKind::of_database_type("GeoIP2-Anonymous-IP"), None);
    }

    #[test]
    fn garbage_is_an_error_naming_the_file() {
        for bytes in [Vec::new(), b"hello".to_vec(), b"\xAB\xCD\xEFMaxMind.com".to_vec(), vec![0xAB; 4096]] {
            let e = Database::open(bytes, "GeoLite2-City.mmdb").unwrap_err();
            assert!(e.to_string().starts_with("GeoLite2-City.mmdb: not a MaxMind database"), "{e}");
        }
        let geo = Geo::default();
        assert!(geo.is_empty());
        assert_eq!(geo.country("1.1.1.1".parse().unwrap()), None);
        assert_eq!(geo.asn("1.1.1.1".parse().unwrap()), None);
        assert_eq!(geo.location("1.1.1.1".parse().unwrap()), None);
    }
}
