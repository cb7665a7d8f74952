//! The reference-data layer end to end: a directory of every kind of intel file, built by the generator's
//! writers, loaded by name; the demo's bundled intel; and garbage fed to every parser without a panic.

use std::net::IpAddr;
use std::path::Path;

use kvtrail::event::{ObjectKind, Ticks};
use kvtrail::generate::intel as gen_intel;
use kvtrail::generate::mmdb;
use kvtrail::generate::scenarios;
use kvtrail::generate::time::{TICKS_PER_HOUR, parse_iso};
use kvtrail::intel::egress::{parse_asns, parse_vps_csv};
use kvtrail::intel::{
    AllowList, Geo, Intel, IpSet, Origin, Prefix, ServiceTags, ThreatList, TorExits, Watchlist, recognize,
};

fn a(t: &str) -> IpAddr {
    t.parse().unwrap()
}

fn gt(s: &str) -> i64 {
    parse_iso(s).unwrap()
}

fn t(s: &str) -> Ticks {
    Ticks::parse_iso(s).unwrap()
}

/// Every kind of file, as an analyst would drop them in one directory.
fn intel_files() -> Vec<(&'static str, Vec<u8>)> {
    let exit_addresses = gen_intel::exit_addresses(
        gt("2026-10-05T12:00:00Z"),
        &[gen_intel::ExitNode {
            fingerprint: gen_intel::fingerprint(1),
            published: gt("2026-10-04T18:00:00Z"),
            last_status: gt("2026-10-05T11:00:00Z"),
            addresses: vec![
                (a("198.51.100.7"), gt("2026-10-03T10:00:00Z")),
                (a("198.51.100.7"), gt("2026-10-05T11:00:00Z")),
            ],
        }],
    );
    let threat = gen_intel::threat_list(&[
        gen_intel::ThreatEntry {
            network: "203.0.113.0/24",
            valid_from: Some(gt("2026-10-01T00:00:00Z")),
            valid_until: Some(gt("2026-10-02T00:00:00Z")),
            description: "C2, wave \"1\"",
        },
        gen_intel::ThreatEntry { network: "2001:db8:bad::/48", valid_from: None, valid_until: None, description: "" },
    ]);
    let allow = gen_intel::allow_list(&[
        gen_intel::AllowEntry {
            identity: &["svc-backup@contoso.com"],
            rule: &["KV-20", "KV-24"],
            reason: Some("nightly backup"),
            ..Default::default()
        },
        gen_intel::AllowEntry { ip: &["145.131.64.0/20"], rule: &["KV-19"], ..Default::default() },
    ]);
    let watchlist = gen_intel::watchlist(&["sensitive"], &["secrets/breakglass-*", "kv-hr/certificates/sso-*"]);
    let country = mmdb::country_db(&[("198.51.100.0/24", "NL", "Netherlands"), ("2001:db8::/32", "DE", "Germany")]);
    let asn = mmdb::asn_db(&[("198.51.100.0/24", 64500, "Example Hosting")]);
    vec![
        (gen_intel::SERVICE_TAGS_FILE, gen_intel::service_tags().to_json_text().into_bytes()),
        (gen_intel::TOR_FILE, gen_intel::tor_list(&[0xC000_0242]).into_bytes()), // 192.0.2.66
        ("exit-addresses", exit_addresses.into_bytes()),
        ("GeoLite2-Country.mmdb", country.unwrap()),
        ("GeoLite2-ASN.mmdb", asn.unwrap()),
        ("threat-partner.csv", threat.into_bytes()),
        ("watchlist.txt", watchlist.into_bytes()),
        ("allowlist.toml", allow.into_bytes()),
        ("egress.txt", b"# offices\n145.131.64.0/20\nnot-a-prefix\n".to_vec()),
        ("vps-networks.csv", b"network\n203.0.113.0/25\n".to_vec()),
        ("hosting-asns.txt", b"AS64500 # Example Hosting\n".to_vec()),
        ("README.md", b"# notes\n".to_vec()),
    ]
}

fn write_dir(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::create_dir(dir.path().join("old")).unwrap();
    dir
}

fn check_loaded(intel: &Intel) {
    let kinds: Vec<&str> = intel.files.iter().map(|f| f.kind).collect();
    assert_eq!(kinds.len(), 11, "{kinds:?}");
    for kind in [
        "geo-asn",
        "geo-country",
        "service-tags",
        "allow",
        "egress",
        "tor",
        "hosting-asns",
        "threat",
        "vps",
        "watchlist",
    ] {
        assert!(kinds.contains(&kind), "{kind} not loaded: {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|&&k| k == "tor").count(), 2, "both Tor lists");

    // Service tags: every generated Azure workload range, with the per-service IPv6.
    let tags = intel.service_tags.as_ref().unwrap();
    assert_eq!(tags.azure_tag(a("20.61.1.1")), Some("AzureCloud.westeurope"));
    assert_eq!(tags.azure_tag(a("2603:1020:206::1")), Some("AzureKeyVault"));
    assert_eq!(tags.azure_tag(a("20.190.130.1")), Some("AzureActiveDirectory"));
    assert_eq!(intel.origin(a("20.61.1.1")), Origin::Azure("AzureCloud.westeurope"));
    assert_eq!(intel.origin(a("10.20.0.5")), Origin::Internal);
    assert_eq!(intel.origin(a("145.131.70.1")), Origin::Egress);
    assert_eq!(intel.origin(a("8.8.8.8")), Origin::Public);

    // Tor: the bulk list at any time, exit-addresses within a day of a sighting.
    let tor = intel.tor.as_ref().unwrap();
    assert!(tor.is_exit(a("192.0.2.66"), Ticks(0)));
    assert!(tor.is_exit(a("198.51.100.7"), t("2026-10-06T10:59:59Z")));
    assert!(!tor.is_exit(a("198.51.100.7"), t("2026-10-06T11:00:01Z")));

    // GeoIP and ASN.
    assert_eq!(intel.geo.country(a("198.51.100.7")).as_deref(), Some("NL"));
    assert_eq!(intel.geo.asn(a("198.51.100.7")).map(|x| x.number), Some(64500));
    assert!(intel.hosting_asns.as_ref().unwrap().contains(&64500));
    assert!(intel.vps.as_ref().unwrap().contains(a("203.0.113.1")));

    // Threat intel with validity.
    let ti = intel.threat.as_ref().unwrap();
    assert_eq!(ti.lookup(a("203.0.113.9"), t("2026-10-01T12:00:00Z")).map(|i| &*i.description), Some("C2, wave \"1\""));
    assert!(ti.lookup(a("203.0.113.9"), t("2026-10-03T00:00:00Z")).is_none());
    assert!(ti.lookup(a("2001:db8:bad::1"), t("2026-10-03T00:00:00Z")).is_some());

    // Watchlist and allow-list.
    let w = intel.watchlist.as_ref().unwrap();
    assert!(w.matches("kv-devops-prod", ObjectKind::Secret, scenarios::BREAK_GLASS_SECRET).is_some());
    assert!(w.matches("kv-hr", ObjectKind::Certificate, "sso-signing").is_some());
    assert!(w.matches("kv-ops", ObjectKind::Certificate, "sso-signing").is_none());
    let allow = intel.allow.as_ref().unwrap();
    let hit = allow.silences("KV-24", &["SVC-BACKUP@contoso.com"], &[], &[]).unwrap();
    assert_eq!(hit.reason.as_deref(), Some("nightly backup"));
    assert!(allow.silences("KV-19", &["anyone"], &[], &[a("145.131.64.9")]).is_some());
    assert!(allow.silences("KV-19", &["anyone"], &[], &[a("8.8.8.8")]).is_none());
}

#[test]
fn a_directory_of_every_kind() {
    let files = intel_files();
    let dir = write_dir(&files);
    let intel = Intel::load_dir(dir.path()).unwrap();
    check_loaded(&intel);

    // The unrecognized file and the subdirectory are reported, the bad egress line too.
    let warnings = intel.warnings.join("\n");
    assert!(warnings.contains("README.md: not loaded: the name matches no intel file kind"), "{warnings}");
    assert!(warnings.contains("old: directory skipped"), "{warnings}");
    assert!(warnings.contains("egress.txt:3: `not-a-prefix` is not an IP address or CIDR prefix"), "{warnings}");
    assert_eq!(intel.warnings.len(), 3, "{warnings}");

    let described = intel.describe();
    assert_eq!(described.len(), intel.files.len());
    let line = |kind: &str| described.iter().find(|l| l.starts_with(&format!("{kind}: "))).cloned().unwrap_or_default();
    assert!(line("egress").ends_with("egress.txt (1 prefix, 1 line skipped)"), "{described:?}");
    assert!(
        line("geo-country").contains("GeoLite2-Country.mmdb (") && line("geo-country").ends_with("GeoLite2-Country)")
    );
    assert!(line("watchlist").ends_with("watchlist.txt (2 patterns)"), "{described:?}");
    assert!(line("service-tags").contains(" tags)"), "{described:?}");
}

#[test]
fn embedded_files_and_one_by_one() {
    let files = intel_files();
    let embedded: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, &b[..])).collect();
    let intel = Intel::from_embedded(&embedded).unwrap();
    check_loaded(&intel);
    assert_eq!(intel.warnings.len(), 2, "{:?}", intel.warnings); // README.md, the bad egress line

    let dir = write_dir(&files);
    let mut one_by_one = Intel::default();
    assert!(one_by_one.is_empty());
    for (name, _) in files.iter().filter(|(n, _)| *n != "README.md") {
        one_by_one.load_file(&dir.path().join(name)).unwrap();
    }
    check_loaded(&one_by_one);

    let e = one_by_one.load_file(&dir.path().join("README.md")).unwrap_err().to_string();
    assert!(e.contains("README.md: cannot tell which kind of intel file this is from its name"), "{e}");
    let e = one_by_one.load_file(&dir.path().join("egress-gone.txt")).unwrap_err().to_string();
    assert!(e.contains("egress-gone.txt") && !e.contains("cannot tell"), "{e}");
}

#[test]
fn fatal_problems_name_the_file() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("GeoLite2-City.mmdb", b"not a database", "GeoLite2-City.mmdb: not a MaxMind database"),
        ("ServiceTags_Public_1.json", b"{\"values\": [", "ServiceTags_Public_1.json:1: not a service-tags document"),
        ("allow.toml", b"[[allow]]\nrules = \"KV-01\"\n", "allow.toml:2: unknown field `rules`"),
        ("allow.toml", b"[[allow]]\nreason = \"?\"\n", "allow.toml:1: an [[allow]] entry must name"),
    ];
    for (name, bytes, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let e = Intel::load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
        assert!(e.starts_with(&*dir.path().display().to_string()), "{e}");
        let e = Intel::from_embedded(&[(name, bytes)]).unwrap_err().to_string();
        assert!(e.starts_with(want), "{e}");
    }
    let e = Intel::load_dir(Path::new("/nonexistent/intel")).unwrap_err().to_string();
    assert!(e.starts_with("/nonexistent/intel: "), "{e}");
}

#[test]
fn a_second_database_of_a_kind_replaces_the_first_with_a_warning() {
    let first = mmdb::country_db(&[("198.51.100.0/24", "NL", "Netherlands")]).unwrap();
    let second = mmdb::country_db(&[("198.51.100.0/24", "BE", "Belgium")]).unwrap();
    let intel = Intel::from_embedded(&[("a-country.mmdb", &first), ("b-country.mmdb", &second)]).unwrap();
    assert_eq!(intel.geo.country(a("198.51.100.1")).as_deref(), Some("BE"));
    assert_eq!(intel.warnings, ["b-country.mmdb: replaces a-country.mmdb as the geo-country database"]);
}

fn demo_intel_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join("demo").join("intel")
}

#[test]
fn the_demo_intel_loads_and_covers_its_scenarios() {
    let intel = Intel::load_dir(&demo_intel_dir()).unwrap();
    assert!(intel.warnings.is_empty(), "{:?}", intel.warnings);
    let kinds: Vec<&str> = intel.files.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["service-tags", "tor", "watchlist"]);
    let w = intel.watchlist.as_ref().unwrap();
    assert!(w.matches("kv-any", ObjectKind::Secret, scenarios::BREAK_GLASS_SECRET).is_some());
    assert!(w.matches("kv-any", ObjectKind::Key, scenarios::BREAK_GLASS_SECRET).is_none());
    let tor = intel.tor.as_ref().unwrap();
    assert!(tor.is_exit(a(scenarios::TOR_EXIT_IP), t("2026-10-02T00:00:00Z")));
    for attacker in [scenarios::ENUMERATION_IP, scenarios::TOKEN_REPLAY_IP, scenarios::SELF_GRANT_IP] {
        assert_eq!(intel.origin(a(attacker)), Origin::Public, "{attacker}");
    }
}

/// `kvtrail gen --demo` writes the watchlist; the committed copy is what it writes.
#[test]
fn the_committed_watchlist_is_the_generated_one() {
    let committed = std::fs::read_to_string(demo_intel_dir().join(gen_intel::WATCHLIST_FILE)).unwrap();
    assert_eq!(committed, gen_intel::demo_watchlist(), "run `kvtrail gen --demo --out assets/demo`");
    let dir = tempfile::tempdir().unwrap();
    kvtrail::generate::demo::write(dir.path()).unwrap();
    let fresh = std::fs::read_to_string(dir.path().join("intel").join(gen_intel::WATCHLIST_FILE)).unwrap();
    assert_eq!(fresh, committed);
}

#[test]
fn generated_fixtures_parse_without_warnings() {
    let text = gen_intel::exit_addresses(
        gt("2026-10-05T12:00:00Z"),
        &(0..20)
            .map(|i| gen_intel::ExitNode {
                fingerprint: gen_intel::fingerprint(i),
                published: gt("2026-10-04T00:00:00Z"),
                last_status: gt("2026-10-05T00:00:00Z"),
                addresses: vec![(
                    IpAddr::from([192, 0, 2, i as u8]),
                    gt("2026-10-04T00:00:00Z") + i as i64 * TICKS_PER_HOUR,
                )],
            })
            .collect::<Vec<_>>(),
    );
    let (_, parsed) = TorExits::parse(&text, "exit-addresses");
    assert_eq!((parsed.entries, parsed.bad), (20, 0), "{:?}", parsed.skipped);
    assert!(parsed.value.is_exit(a("192.0.2.19"), t("2026-10-05T19:00:00Z")));
    assert!(parsed.value.is_exit(a("192.0.2.19"), t("2026-10-05T19:00:00Z")));
    assert!(!parsed.value.is_exit(a("192.0.2.0"), t("2026-10-05T00:00:01Z")));
    let distinct: std::collections::HashSet<String> = (0..1000).map(gen_intel::fingerprint).collect();
    assert_eq!(distinct.len(), 1000);
    assert!(distinct.iter().all(|f| f.len() == 40));
}

// ---- garbage in, no panic out ----

/// A small deterministic generator: the test must not depend on the clock or a crate's seed handling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `seed` with a few bytes flipped, inserted, deleted or truncated — or plain noise.
    fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        let mut v = seed.to_vec();
        match self.below(6) {
            0 => (0..self.below(300)).map(|_| self.next() as u8).collect(),
            1 => {
                v.truncate(self.below(v.len() + 1));
                v
            }
            _ => {
                for _ in 0..1 + self.below(8) {
                    let at = self.below(v.len() + 1);
                    let noise = [b',', b'/', b'#', b'"', b'*', b'\n', b'[', b']', b'=', 0xFF, 0, b':'];
                    match self.below(3) {
                        0 if at < v.len() => v[at] = self.next() as u8,
                        1 => v.insert(at, noise[self.below(noise.len())]),
                        _ if at < v.len() => {
                            v.remove(at);
                        }
                        _ => {}
                    }
                }
                v
            }
        }
    }
}

#[test]
fn garbage_never_panics_any_parser() {
    let files = intel_files();
    let seed_of = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, b)| b.clone()).unwrap();
    let seeds: Vec<Vec<u8>> = files.iter().map(|(_, b)| b.clone()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let text = |b: &[u8]| kvtrail::intel::text::decode(b).into_owned();
    for _ in 0..2000 {
        let pick = |rng: &mut Rng, name: &str| {
            // Mostly mutations of the right kind of file, sometimes of another kind.
            if rng.below(4) == 0 {
                let other = rng.below(seeds.len());
                rng.mutate(&seeds[other])
            } else {
                rng.mutate(&seed_of(name))
            }
        };
        let _ = ServiceTags::parse(&pick(&mut rng, gen_intel::SERVICE_TAGS_FILE), "f");
        let _ = TorExits::parse(&text(&pick(&mut rng, "exit-addresses")), "f");
        let _ = TorExits::parse(&text(&pick(&mut rng, gen_intel::TOR_FILE)), "f");
        let _ = ThreatList::parse(&text(&pick(&mut rng, "threat-partner.csv")), "f");
        let _ = Watchlist::parse(&text(&pick(&mut rng, "watchlist.txt")), "f");
        let _ = AllowList::parse(&text(&pick(&mut rng, "allowlist.toml")), "f");
        let _ = IpSet::from_lines(&text(&pick(&mut rng, "egress.txt")), "f");
        let _ = parse_vps_csv(&text(&pick(&mut rng, "vps-networks.csv")), "f");
        let _ = parse_asns(&text(&pick(&mut rng, "hosting-asns.txt")), "f");
        let _ = Prefix::parse(&text(&pick(&mut rng, "egress.txt")));
        let _ = recognize(&text(&rng.mutate(b"ServiceTags_Public_1.json")));
        for db in ["GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb"] {
            let mut geo = Geo::default();
            if geo.add(pick(&mut rng, db), db).is_ok() {
                for ip in ["198.51.100.7", "2001:db8::1", "0.0.0.0", "255.255.255.255", "::"] {
                    let _ = (geo.country(a(ip)), geo.asn(a(ip)), geo.location(a(ip)));
                }
            }
        }
        let _ = Intel::from_embedded(&[
            ("x.mmdb", &pick(&mut rng, "GeoLite2-ASN.mmdb")),
            ("egress.txt", &[0xFF, 0xFE, 0x00]),
        ]);
    }
}
