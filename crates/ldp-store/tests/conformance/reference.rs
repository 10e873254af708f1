//! Reference data: counts, idempotent loads, Turkish ordering and search, the gazetteer.

use ldp_core::domain::*;
use ldp_core::reference::{EnsureOutcome, ReferenceData, ensure_reference};
use ldp_core::store::prelude::*;
use ldp_core::text::collation_key;
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    the_city_look_up_reads_the_name_index_by_prefix_without_counting,
    a_reference_reload_refreshes_what_relations_keep_of_their_member_and_partner,
    municipalities_are_read_by_id_in_one_call,
    reference_counts_match_the_real_registry,
    a_second_load_adds_nothing,
    a_restart_with_the_same_data_reads_nothing,
    union_is_marmara_municipalities_union,
    networks_carry_membership_years_and_dated_facts,
    network_by_unknown_slug_is_none,
    provinces_are_in_turkish_order_with_district_counts,
    municipalities_are_listed_in_turkish_collation,
    municipality_filters_combine,
    name_search_ignores_case_and_turkish_letters,
    like_wildcards_in_search_text_match_literally,
    pages_past_the_end_are_empty_with_the_total,
    municipality_by_slug_resolves_provinces,
    goals_have_official_colours_and_ordered_targets,
    countries_have_both_names_and_codes,
    gazetteer_finds_cities_by_alternate_names,
);

mod empty_store {
    use super::*;
    both_backends!(empty =>
        migrations_are_idempotent,
        an_empty_store_reports_zero_and_no_version,
    );
}

async fn reference_counts_match_the_real_registry(db: TestDb) {
    let c = db.store.reference_counts().await.unwrap();
    assert_eq!(c.networks, 8);
    assert_eq!(c.memberships, 8);
    assert_eq!(c.provinces, 11);
    assert_eq!(c.metropolitan, 6);
    assert_eq!(c.provincial, 5);
    assert_eq!(c.districts, 153, "158 districts of the state administration, less the five central ones");
    assert_eq!(c.goals, 17);
    assert_eq!(c.targets, 169);
    assert!(c.countries >= 249, "countries: {}", c.countries);
    assert!(c.cities >= 34_000, "cities15000 alone has 34,006: {}", c.cities);
}

async fn a_second_load_adds_nothing(db: TestDb) {
    let before = db.store.reference_counts().await.unwrap();
    let data = ReferenceData::embedded().unwrap();
    let report = db.store.load_reference(&data, ReferenceData::embedded_version()).await.unwrap();
    assert_eq!(report.total_added(), 0, "{report:?}");
    assert_eq!(db.store.reference_counts().await.unwrap(), before);
}

async fn a_restart_with_the_same_data_reads_nothing(db: TestDb) {
    assert_eq!(db.store.reference_version().await.unwrap().as_deref(), Some(ReferenceData::embedded_version()));
    assert_eq!(
        ensure_reference(db.store.as_ref(), false, ldp_testkit::clock().as_ref()).await.unwrap(),
        EnsureOutcome::UpToDate
    );
    match ensure_reference(db.store.as_ref(), true, ldp_testkit::clock().as_ref()).await.unwrap() {
        EnsureOutcome::Loaded(r) => assert_eq!(r.total_added(), 0),
        other => panic!("forced load must load: {other:?}"),
    }
}

async fn union_is_marmara_municipalities_union(db: TestDb) {
    let u = db.store.union_info().await.unwrap().expect("union loaded");
    assert_eq!(u.name.en, "Marmara Municipalities Union");
    assert_eq!(u.name.tr, "Marmara Belediyeler Birliği");
    assert_eq!(u.founded.to_string(), "1975-04-25");
    assert_eq!(u.seat, "İstanbul");
}

async fn networks_carry_membership_years_and_dated_facts(db: TestDb) {
    let networks = db.store.list_networks().await.unwrap();
    let since: Vec<(&str, i32)> =
        networks.iter().map(|n| (n.acronym.as_str(), n.membership.as_ref().expect("member").since)).collect();
    assert_eq!(
        since,
        [
            ("AEBR", 2023),
            ("ALDA", 2017),
            ("Energy Cities", 2023),
            ("GWOPA", 2023),
            ("ICLEI", 2023),
            ("NALAS", 2008),
            ("TDBB", 2010),
            ("UCLG-MEWA", 2014)
        ]
    );
    for n in &networks {
        assert!(n.founded > 1900 && n.founded < 2026, "{}", n.acronym);
        assert!(!n.aims.tr.is_empty() && !n.aims.en.is_empty(), "{}", n.acronym);
        assert!(n.website.starts_with("https://"), "{}", n.acronym);
    }
    let alda = db.store.network_by_slug("alda").await.unwrap().unwrap();
    assert_eq!(alda.founded, 1999);
    assert!(!alda.facts.is_empty());
    assert!(alda.facts.iter().all(|f| f.as_of.year() >= 2024));
    let uclg = db.store.network_by_slug("uclg-mewa").await.unwrap().unwrap();
    assert!(uclg.membership.unwrap().note.is_some(), "UCLG-MEWA membership carries its status note");
}

async fn network_by_unknown_slug_is_none(db: TestDb) {
    assert!(db.store.network_by_slug("no-such-network").await.unwrap().is_none());
}

async fn provinces_are_in_turkish_order_with_district_counts(db: TestDb) {
    let provinces = db.store.list_provinces().await.unwrap();
    let names: Vec<&str> = provinces.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Balıkesir",
            "Bilecik",
            "Bursa",
            "Çanakkale",
            "Edirne",
            "İstanbul",
            "Kırklareli",
            "Kocaeli",
            "Sakarya",
            "Tekirdağ",
            "Yalova"
        ]
    );
    let counts: u32 = provinces.iter().map(|p| p.district_count).sum();
    assert_eq!(counts, 153);
    let istanbul = provinces.iter().find(|p| p.plate.get() == 34).unwrap();
    assert_eq!((istanbul.kind, istanbul.district_count), (MunicipalityKind::Metropolitan, 39));
    let yalova = provinces.iter().find(|p| p.plate.get() == 77).unwrap();
    // Six districts, of which the central one is served by the provincial municipality itself.
    assert_eq!((yalova.kind, yalova.district_count), (MunicipalityKind::Provincial, 5));
}

async fn all_municipalities(store: &dyn Store, filter: &MunicipalityFilter) -> Vec<Municipality> {
    let mut out = Vec::new();
    for n in 1.. {
        let page = store.list_municipalities(filter, Page::parse(Some(n), Some(100)).unwrap()).await.unwrap();
        if page.items.is_empty() {
            break;
        }
        out.extend(page.items);
    }
    out
}

async fn municipalities_are_listed_in_turkish_collation(db: TestDb) {
    let all = all_municipalities(db.store.as_ref(), &MunicipalityFilter::default()).await;
    assert_eq!(all.len(), 164);
    let keys: Vec<Vec<u8>> = all.iter().map(|m| collation_key(&m.place_name())).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "list follows the Turkish alphabet");
    let position = |name: &str| all.iter().position(|m| m.name == name && m.kind != MunicipalityKind::District);
    let (bursa, canakkale, edirne) = (position("Bursa"), position("Çanakkale"), position("Edirne"));
    assert!(bursa < canakkale && canakkale < edirne, "Çanakkale sorts after Bursa and before Edirne");
    // Şile comes after Sultangazi and Süleymanpaşa (Ş after S); Ümraniye after Uzunköprü (Ü after U).
    let district = |name: &str| all.iter().position(|m| m.name == name).unwrap_or_else(|| panic!("{name}"));
    assert!(district("Sultangazi") < district("Şile"));
    assert!(district("Süleymanpaşa") < district("Şile"));
    assert!(district("Uzunköprü") < district("Ümraniye"));
}

async fn municipality_filters_combine(db: TestDb) {
    let store = db.store.as_ref();
    let istanbul = MunicipalityFilter::parse(Some("34"), None, None).unwrap();
    assert_eq!(all_municipalities(store, &istanbul).await.len(), 40);
    let districts = MunicipalityFilter::parse(None, Some("district"), None).unwrap();
    assert_eq!(all_municipalities(store, &districts).await.len(), 153);
    let metro = MunicipalityFilter::parse(None, Some("metropolitan"), None).unwrap();
    let metro_names: Vec<String> = all_municipalities(store, &metro).await.into_iter().map(|m| m.name).collect();
    assert_eq!(metro_names, ["Balıkesir", "Bursa", "İstanbul", "Kocaeli", "Sakarya", "Tekirdağ"]);
    let bursa_districts = MunicipalityFilter::parse(Some("16"), Some("district"), None).unwrap();
    let page = store.list_municipalities(&bursa_districts, Page::default()).await.unwrap();
    assert_eq!(page.total, 17);
    assert!(page.items.iter().all(|m| m.province.name == "Bursa" && m.kind == MunicipalityKind::District));
}

async fn name_search_ignores_case_and_turkish_letters(db: TestDb) {
    for q in ["İstanbul", "ISTANBUL", "istanbul", "Istanbul"] {
        let f = MunicipalityFilter::parse(None, None, Some(q)).unwrap();
        let page = db.store.list_municipalities(&f, Page::default()).await.unwrap();
        assert_eq!(page.total, 1, "{q}");
        assert_eq!(page.items[0].slug, "istanbul");
    }
    let f = MunicipalityFilter::parse(None, None, Some("KADIKÖY")).unwrap();
    let page = db.store.list_municipalities(&f, Page::default()).await.unwrap();
    assert_eq!(page.items.iter().map(|m| m.slug.as_str()).collect::<Vec<_>>(), ["istanbul-kadikoy"]);
    let f = MunicipalityFilter::parse(None, None, Some("cekmece")).unwrap();
    let found: Vec<String> = all_municipalities(db.store.as_ref(), &f).await.into_iter().map(|m| m.name).collect();
    assert_eq!(found, ["Büyükçekmece", "Küçükçekmece"]);
}

async fn like_wildcards_in_search_text_match_literally(db: TestDb) {
    for q in ["%", "_", "\\"] {
        let f = MunicipalityFilter::parse(None, None, Some(q)).unwrap();
        let page = db.store.list_municipalities(&f, Page::default()).await.unwrap();
        assert_eq!(page.total, 0, "{q:?} is text, not a wildcard");
    }
}

async fn pages_past_the_end_are_empty_with_the_total(db: TestDb) {
    let page = Page::parse(Some(8), Some(25)).unwrap();
    let result = db.store.list_municipalities(&MunicipalityFilter::default(), page).await.unwrap();
    assert!(result.items.is_empty());
    assert_eq!(result.total, 164);
    assert_eq!(result.last_page(), 7);
    let all = MunicipalityFilter::default();
    let last = db.store.list_municipalities(&all, Page::parse(Some(7), Some(25)).unwrap()).await.unwrap();
    assert_eq!(last.items.len(), 14);
}

async fn municipality_by_slug_resolves_provinces(db: TestDb) {
    let m = db.store.municipality_by_slug("istanbul-kadikoy").await.unwrap().unwrap();
    assert_eq!((m.name.as_str(), m.kind, m.province.plate.get()), ("Kadıköy", MunicipalityKind::District, 34));
    assert!(m.population.unwrap() > 400_000);
    assert!((40.9..41.1).contains(&m.location.lat) && (28.9..29.2).contains(&m.location.lng));
    // The central district is served by the provincial municipality; it is no municipality of its own.
    assert!(db.store.municipality_by_slug("canakkale-merkez").await.unwrap().is_none());
    let bursa = db.store.municipality_by_slug("bursa").await.unwrap().unwrap();
    assert_eq!(bursa.official_name().tr, "Bursa Büyükşehir Belediyesi");
    assert!(db.store.municipality_by_slug("ankara").await.unwrap().is_none());
}

async fn goals_have_official_colours_and_ordered_targets(db: TestDb) {
    let goals = db.store.list_goals().await.unwrap();
    assert_eq!(goals.len(), 17);
    assert_eq!(goals[0].color, "#E5243B");
    assert_eq!(goals[10].short_name.tr, "Sürdürülebilir Şehirler ve Topluluklar");
    assert_eq!(goals[16].color, "#19486A");
    let eleven = db.store.goal(GoalNumber::parse(11).unwrap()).await.unwrap().unwrap();
    let codes: Vec<&str> = eleven.targets.iter().map(|t| t.code.as_str()).collect();
    assert_eq!(codes, ["11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.a", "11.b", "11.c"]);
    assert!(eleven.targets.iter().all(|t| !t.text.tr.is_empty() && !t.text.en.is_empty()));
    let seventeen = db.store.goal(GoalNumber::parse(17).unwrap()).await.unwrap().unwrap();
    assert_eq!(seventeen.targets.len(), 19);
    assert_eq!(seventeen.targets.last().unwrap().code, "17.19");
}

async fn countries_have_both_names_and_codes(db: TestDb) {
    let tr = db.store.country(&CountryCode::parse("tr").unwrap()).await.unwrap().unwrap();
    assert_eq!((tr.iso3.as_str(), tr.numeric.as_str()), ("TUR", "792"));
    assert_eq!(tr.name.tr, "Türkiye");
    let de = db.store.country(&CountryCode::parse("DE").unwrap()).await.unwrap().unwrap();
    assert_eq!((de.name.tr.as_str(), de.name.en.as_str()), ("Almanya", "Germany"));
    assert!(db.store.country(&CountryCode::parse("QQ").unwrap()).await.unwrap().is_none());
    let first = db.store.list_countries(Page::parse(Some(1), Some(100)).unwrap()).await.unwrap();
    assert!(first.total >= 249);
    let keys: Vec<Vec<u8>> = first.items.iter().map(|c| collation_key(&c.name.tr)).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "countries follow Turkish order of their Turkish names");
}

async fn gazetteer_finds_cities_by_alternate_names(db: TestDb) {
    let find = |q: &'static str| {
        let store = db.store.clone();
        async move {
            let f = CityFilter::parse(Some(q), None).unwrap();
            store.search_cities(&f, Page::default()).await.unwrap()
        }
    };
    let munich = find("Münih").await;
    assert_eq!(munich.items.first().map(|c| c.id), Some(2_867_714), "Münih finds München");
    let athens = find("atina").await;
    assert_eq!(athens.items.first().map(|c| c.country.as_str()), Some("GR"));
    let vienna = find("Viyana").await;
    assert_eq!(vienna.items.first().map(|c| c.country.as_str()), Some("AT"));
    let istanbul = find("ISTANBUL").await;
    assert_eq!(istanbul.items.first().map(|c| c.country.as_str()), Some("TR"));
    let in_germany = CityFilter::parse(Some("frank"), Some("de")).unwrap();
    let page = db.store.search_cities(&in_germany, Page::default()).await.unwrap();
    assert!(page.items.iter().all(|c| c.country.as_str() == "DE"));
    assert!(page.items.iter().any(|c| c.name.starts_with("Frankfurt")));
    assert!(db.store.city(2_867_714).await.unwrap().is_some());
    assert!(db.store.city(999_999_999).await.unwrap().is_none());
}

async fn the_city_look_up_reads_the_name_index_by_prefix_without_counting(db: TestDb) {
    // The plan: a range over city_name's key, never a scan of every city's names.
    let plan = db.store.explain_city_search("münih").await.unwrap();
    let on_index = plan.contains("SEARCH city_name USING") || plan.contains("city_name_pkey");
    assert!(on_index, "the look-up uses the name index:\n{plan}");
    assert!(!plan.contains("SCAN city_name") && !plan.contains("Seq Scan on city_name"), "{plan}");
    assert!(!plan.contains("names_folded"), "{plan}");
    let find = |q: &'static str, country: Option<&'static str>, page: Page| {
        let store = db.store.clone();
        async move { store.search_cities(&CityFilter::parse(Some(q), country).unwrap(), page).await.unwrap() }
    };
    // Pages are read one row long: the extra row says another page follows.
    let first = find("frank", Some("DE"), Page::parse(Some(1), Some(2)).unwrap()).await;
    assert_eq!((first.items.len(), first.has_next), (2, true));
    let far = find("frank", Some("DE"), Page::parse(Some(500), Some(2)).unwrap()).await;
    assert!(far.items.is_empty() && !far.has_next);
    // A name that is exactly the query comes first: Şam (the Turkish exonym) is Damascus.
    let sham = find("Şam", None, Page::first(5)).await;
    assert_eq!(sham.items.first().map(|c| c.country.as_str()), Some("SY"), "{:?}", sham.items);
    // A prefix only: "nih" does not find München.
    assert!(find("nih", None, Page::first(100)).await.items.iter().all(|c| c.id != 2_867_714));
    // Places made from an import's rows are found too (the seed made Oberon, Australia, from its list).
    let oberon = find("oberon", Some("AU"), Page::first(5)).await;
    assert!(oberon.items.iter().any(|c| c.id < 0), "{:?}", oberon.items);
}

async fn migrations_are_idempotent(db: TestDb) {
    db.store.migrate().await.unwrap();
    db.store.migrate().await.unwrap();
    db.store.ping().await.unwrap();
}

async fn an_empty_store_reports_zero_and_no_version(db: TestDb) {
    assert_eq!(db.store.reference_version().await.unwrap(), None);
    assert_eq!(db.store.reference_counts().await.unwrap().networks, 0);
    assert!(db.store.union_info().await.unwrap().is_none());
    assert!(db.store.list_networks().await.unwrap().is_empty());
}

/// Two nodes starting at once on one PostgreSQL: both migrate and load, neither fails, nothing is doubled.
#[tokio::test]
async fn two_postgres_nodes_starting_at_once_both_come_up() {
    let Some(db) = TestDb::empty(ldp_testkit::Engine::Postgres).await else { return };
    let settings = ldp_store::PoolSettings::default();
    let a = ldp_store::connect_shared(&db.url, settings).await.unwrap();
    let b = ldp_store::connect_shared(&db.url, settings).await.unwrap();
    let start = |store: std::sync::Arc<dyn Store>| async move {
        store.migrate().await?;
        ensure_reference(store.as_ref(), false, ldp_testkit::clock().as_ref())
            .await
            .map_err(|e| ldp_core::store::StoreError::Corrupt(e.to_string()))?;
        Ok::<_, ldp_core::store::StoreError>(())
    };
    let (ra, rb) = tokio::join!(start(a.clone()), start(b.clone()));
    ra.unwrap();
    rb.unwrap();
    let (ca, cb) = (a.reference_counts().await.unwrap(), b.reference_counts().await.unwrap());
    assert_eq!(ca, cb);
    assert_eq!((ca.networks, ca.districts, ca.targets), (8, 153, 169));
    let page = b.list_municipalities(&MunicipalityFilter::default(), Page::default()).await.unwrap();
    assert_eq!(page.total, 164);
}

async fn municipalities_are_read_by_id_in_one_call(db: TestDb) {
    let mut ids = Vec::new();
    for slug in ["yalova", "bursa-nilufer", "bursa"] {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().unwrap().id);
    }
    let (yalova, nilufer, bursa) = (ids[0], ids[1], ids[2]);
    let found = db.store.municipalities_by_id(&[yalova, MunicipalityId(999_999), nilufer, bursa]).await.unwrap();
    let slugs: Vec<&str> = found.iter().map(|m| m.slug.as_str()).collect();
    assert_eq!(slugs, ["bursa", "bursa-nilufer", "yalova"], "Turkish order, unknown ids skipped");
    assert!(db.store.municipalities_by_id(&[]).await.unwrap().is_empty());
}

/// Relations keep their member's sort key and province and their partner's sort key and country (for one-index
/// lists); a reference load that renames a member, moves it to another province, or renames a partner city
/// and files it under another country updates them in the same load.
async fn a_reference_reload_refreshes_what_relations_keep_of_their_member_and_partner(db: TestDb) {
    use ldp_core::domain::partnership::PartnershipFilter;
    let before = date_of_today();
    let own = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..PartnershipFilter::default() };
    let relations = db.store.list_partnerships(&own, before, Page::first(100)).await.unwrap();
    assert!(relations.items.len() >= 2, "Nilüfer has relations in the seed");
    let last = relations.items.last().unwrap().clone();
    assert_ne!(last.partner.name, "Aaa Test", "the partner is a real city");
    let everyone = PartnershipFilter::default();
    assert_ne!(
        db.store.list_partnerships(&everyone, before, Page::first(1)).await.unwrap().items[0].member.slug,
        "bursa-nilufer"
    );

    let mut data = ReferenceData::embedded().unwrap();
    let member = data.municipalities.iter_mut().find(|m| m.slug == "bursa-nilufer").unwrap();
    member.sort_key = collation_key("Aaa Nilüfer");
    member.plate = 77;
    let city = data.cities.iter_mut().find(|c| c.id == last.partner.id).unwrap();
    city.name = "Aaa Test".into();
    let moved_to = if city.country == "JP" { "KR" } else { "JP" };
    city.country = moved_to.into();
    db.store.load_reference(&data, "renamed").await.unwrap();

    let relations = db.store.list_partnerships(&own, before, Page::first(100)).await.unwrap();
    assert_eq!(relations.items[0].id, last.id, "the renamed partner sorts first among Nilüfer's relations");
    let first = db.store.list_partnerships(&everyone, before, Page::first(1)).await.unwrap();
    assert_eq!(first.items[0].member.slug, "bursa-nilufer", "the renamed member sorts first in the union's list");
    let yalova = PartnershipFilter { province: Some(PlateCode::parse(77).unwrap()), ..PartnershipFilter::default() };
    let in_yalova = db.store.list_partnerships(&yalova, before, Page::first(500)).await.unwrap();
    assert!(in_yalova.items.iter().any(|p| p.id == last.id), "the province filter follows the member's move");
    let country =
        PartnershipFilter { country: Some(CountryCode::parse(moved_to).unwrap()), ..PartnershipFilter::default() };
    let there = db.store.list_partnerships(&country, before, Page::first(500)).await.unwrap();
    assert!(there.items.iter().any(|p| p.id == last.id), "the country filter follows the city");
}

fn date_of_today() -> time::Date {
    ldp_testkit::NOW.date()
}
