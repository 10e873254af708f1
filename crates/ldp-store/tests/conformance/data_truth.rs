//! The reference data tells the truth: Northern Cyprus is its own country, the central districts of the
//! provincial-municipality provinces are not municipalities, partners missing from the gazetteer are kept as
//! places from the source list, and Turkish pages get Turkish place names. Each also for databases loaded
//! before the fix.

use ldp_core::domain::partnership::{NewPartner, NewPartnership, PartnershipFilter, PartnershipKind};
use ldp_core::domain::{
    Actor, AuditFilter, Change, CityFilter, CountryCode, Lang, Localized, LocationBasis, MunicipalityKind, Page,
};
use ldp_core::reference::{ReferenceData, ensure_reference};
use ldp_core::services::import::{SkipReason, import_partnerships, merge_source_place};
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};
use time::macros::date;

both_backends!(seeded =>
    northern_cyprus_is_its_own_country,
    country_labels_follow_turkiyes_official_usage,
    a_reload_moves_trnc_relations_out_of_cyprus,
    central_districts_are_not_municipalities,
    a_reload_folds_a_central_district_into_its_provincial_municipality,
    nearly_every_member_pair_of_the_shipped_list_is_loaded,
    a_partner_missing_from_the_gazetteer_becomes_a_place_from_the_list,
    staff_merge_a_list_place_into_a_gazetteer_city,
    cities_carry_their_turkish_names,
    an_exact_name_or_exonym_comes_first_in_search,
);

fn staff() -> Actor {
    Actor::system("test-staff")
}

fn xn() -> CountryCode {
    CountryCode::parse("XN").unwrap()
}

async fn northern_cyprus_is_its_own_country(db: TestDb) {
    let trnc = db.store.country(&xn()).await.unwrap().expect("the TRNC is a country");
    assert_eq!(trnc.name.tr, "Kuzey Kıbrıs Türk Cumhuriyeti");
    assert_eq!(trnc.name.en, "Turkish Republic of Northern Cyprus");
    assert_eq!(trnc.numeric, "", "no ISO numeric code; the map finds it by name");
    for (id, name) in [(146412, "Kyrenia"), (146617, "Famagusta"), (146286, "Mórfou"), (146392, "Léfka")] {
        let city = db.store.city(id).await.unwrap().unwrap();
        assert_eq!((city.name.as_str(), city.country.as_str()), (name, "XN"));
    }
    for id in [146268, 146384, 146400, 146214] {
        // Nicosia (its GeoNames point is south of the line), Limassol, Larnaca, Paphos.
        assert_eq!(db.store.city(id).await.unwrap().unwrap().country.as_str(), "CY", "{id}");
    }
    // The seeded relations with towns in the north are filed under the TRNC.
    let filter = PartnershipFilter { country: Some(xn()), ..PartnershipFilter::default() };
    let north = db.store.list_partnerships(&filter, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    assert!(north.total >= 20, "{}", north.total);
    assert!(north.items.iter().any(|p| p.partner.name == "Kyrenia" && p.partner.name_tr == "Girne"));
    let summary = db.store.partnership_countries(date!(2020 - 01 - 01)).await.unwrap();
    let row = summary.iter().find(|c| c.country.as_str() == "XN").expect("the TRNC in the country summary");
    assert_eq!(row.name.tr, "Kuzey Kıbrıs Türk Cumhuriyeti");
}

async fn country_labels_follow_turkiyes_official_usage(db: TestDb) {
    let name = |code: &'static str| {
        let store = db.store.clone();
        async move { store.country(&CountryCode::parse(code).unwrap()).await.unwrap().unwrap().name }
    };
    assert_eq!(name("PS").await.tr, "Filistin");
    assert_eq!(name("CY").await.tr, "Güney Kıbrıs Rum Yönetimi");
    assert_eq!(name("CY").await.en, "Cyprus");
}

async fn a_reload_moves_trnc_relations_out_of_cyprus(db: TestDb) {
    // A database loaded before the fix: Kyrenia filed under CY, and a relation with it.
    let mut old = ReferenceData::embedded().unwrap();
    old.cities.iter_mut().filter(|c| c.country == "XN").for_each(|c| c.country = "CY".into());
    db.store.load_reference(&old, "old").await.unwrap();
    let cy = PartnershipFilter { country: CountryCode::parse("CY").ok(), ..PartnershipFilter::default() };
    let before = db.store.list_partnerships(&cy, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    assert!(before.items.iter().any(|p| p.partner.name == "Kyrenia"), "the old data put Girne in Cyprus");

    ensure_reference(db.store.as_ref(), false, ldp_testkit::clock().as_ref()).await.unwrap();
    let after = db.store.list_partnerships(&cy, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    assert!(after.items.iter().all(|p| p.partner.country.as_str() == "CY"));
    assert!(!after.items.iter().any(|p| p.partner.name == "Kyrenia"), "the relation followed its city");
    assert!(after.total < before.total);
    assert_eq!(db.store.city(146412).await.unwrap().unwrap().country.as_str(), "XN");
}

async fn central_districts_are_not_municipalities(db: TestDb) {
    let c = db.store.reference_counts().await.unwrap();
    assert_eq!((c.provincial, c.districts), (5, 153));
    for slug in ["bilecik-merkez", "canakkale-merkez", "edirne-merkez", "kirklareli-merkez", "yalova-merkez"] {
        assert!(db.store.municipality_by_slug(slug).await.unwrap().is_none(), "{slug}");
    }
    let yalova = db.store.municipality_by_slug("yalova").await.unwrap().unwrap();
    assert_eq!(yalova.kind, MunicipalityKind::Provincial);
}

async fn a_reload_folds_a_central_district_into_its_provincial_municipality(db: TestDb) {
    // A database loaded before the fix still has "Çanakkale Merkez", with relations of its own.
    let mut old = ReferenceData::embedded().unwrap();
    let mut merkez = old.municipalities.iter().find(|m| m.slug == "canakkale-eceabat").unwrap().clone();
    merkez.slug = "canakkale-merkez".into();
    merkez.name = "Merkez".into();
    merkez.location_basis = LocationBasis::Seat;
    old.municipalities.push(merkez);
    db.store.load_reference(&old, "old").await.unwrap();
    let district = db.store.municipality_by_slug("canakkale-merkez").await.unwrap().unwrap();
    let province = db.store.municipality_by_slug("canakkale").await.unwrap().unwrap();
    let change = Change::new(&staff(), ldp_testkit::NOW, "create", "partnership");
    let new = |member: i64, city: i64| NewPartnership {
        municipality_id: member,
        partner: NewPartner::City(city),
        kind: PartnershipKind::Friendship,
        foreign_missions: false,
        themes: Vec::new(),
        sdgs: Vec::new(),
        notes: Localized::new("Merkez ilçenin notu", "A note"),
        imported_from: None,
        proposed_on: date!(2026 - 01 - 10),
    };
    let moved = db.store.create_partnership(&new(district.id.0, 2867714), &change).await.unwrap().unwrap();
    let duplicate = db.store.create_partnership(&new(district.id.0, 264371), &change).await.unwrap().unwrap();
    db.store.create_partnership(&new(province.id.0, 264371), &change).await.unwrap().unwrap();

    ensure_reference(db.store.as_ref(), false, ldp_testkit::clock().as_ref()).await.unwrap();
    assert!(db.store.municipality_by_slug("canakkale-merkez").await.unwrap().is_none());
    let detail = db.store.partnership(moved, date!(2020 - 01 - 01)).await.unwrap().unwrap();
    assert_eq!(detail.partnership.member.slug, "canakkale", "the relation moved to the provincial municipality");
    assert_eq!(detail.partnership.notes.tr, "Merkez ilçenin notu");
    assert!(db.store.partnership(duplicate, date!(2020 - 01 - 01)).await.unwrap().is_none());
    // The relation that duplicated the province's own is in the audit log, whole.
    let filter = AuditFilter { record_type: Some("partnership".into()), ..AuditFilter::default() };
    let log = db.store.list_audit(&filter, Page::first(100)).await.unwrap();
    let dropped = log.items.iter().find(|e| e.record_id == duplicate.0.to_string() && e.action == "delete_duplicate");
    let dropped = dropped.expect("the dropped duplicate is in the audit log");
    assert_eq!(dropped.before.as_ref().unwrap()["notes"]["tr"], "Merkez ilçenin notu");
    let filter = AuditFilter { record_type: Some("municipality".into()), ..AuditFilter::default() };
    let log = db.store.list_audit(&filter, Page::first(100)).await.unwrap();
    assert!(log.items.iter().any(|e| e.action == "merge" && e.record_id == "canakkale-merkez"));
    assert_eq!(db.store.reference_counts().await.unwrap().districts, 153);
}

async fn nearly_every_member_pair_of_the_shipped_list_is_loaded(db: TestDb) {
    let all = db.store.list_partnerships(&PartnershipFilter::default(), date!(2020 - 01 - 01), Page::first(1)).await;
    assert_eq!(all.unwrap().total, 429, "relations from the shipped list");
    let list = include_bytes!("../../../../data/twin-cities/turkey.csv");
    let report = import_partnerships(db.shared(), &list[..], "again", &staff(), ldp_testkit::clock().as_ref(), |_| {})
        .await
        .unwrap();
    let count = |reason| report.skipped.iter().filter(|s| s.reason == reason).count() as u64;
    assert_eq!(report.created, 0);
    assert_eq!(report.places_created, 0, "the places made from the list on the first load are found again");
    assert_eq!(report.existing, 446, "member rows loaded (some pairs appear twice in the list)");
    assert_eq!(
        count(SkipReason::MemberNameFarAway),
        6,
        "Tuzla's five rows point at Tuzla in Bosnia, Yenice's at Anatolia"
    );
    assert_eq!(count(SkipReason::PartnerNotFound), 0);
    let member_rows = report.existing + count(SkipReason::MemberNameFarAway);
    assert!(report.existing * 100 >= member_rows * 98, "{} of {member_rows}", report.existing);
}

async fn a_partner_missing_from_the_gazetteer_becomes_a_place_from_the_list(db: TestDb) {
    let csv = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n\
        Nowhere Springs,Australia,-33.5,149.1,Nilüfer,Turkey,40.2167,28.9833\n\
        Gazimağusa Limanı,Cyprus,35.12,33.93,Nilüfer,Turkey,40.2167,28.9833\n\
        Lost Town,,1.0,2.0,Nilüfer,Turkey,40.2167,28.9833\n";
    let report =
        import_partnerships(db.shared(), csv.as_bytes(), "test list", &staff(), ldp_testkit::clock().as_ref(), |_| {})
            .await
            .unwrap();
    assert_eq!((report.created, report.created_with_source_place, report.places_created), (2, 2, 2));
    assert_eq!(report.skipped.len(), 1, "a row without a country cannot make a place");
    assert_eq!(report.skipped[0].reason, SkipReason::PartnerNotFound);
    let filter = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..PartnershipFilter::default() };
    let list = db.store.list_partnerships(&filter, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    let springs = list.items.iter().find(|p| p.partner.name == "Nowhere Springs").expect("made from the row");
    assert_eq!(springs.partner.source_list.as_deref(), Some("test list"));
    assert!(springs.partner.id < 0, "never a GeoNames id");
    assert_eq!(springs.partner.country.as_str(), "AU");
    let port = list.items.iter().find(|p| p.partner.name == "Gazimağusa Limanı").unwrap();
    assert_eq!(port.partner.country.as_str(), "XN", "a point in the north is in the TRNC whatever the list says");
    // A second import finds the same places.
    let again =
        import_partnerships(db.shared(), csv.as_bytes(), "test list", &staff(), ldp_testkit::clock().as_ref(), |_| {})
            .await
            .unwrap();
    assert_eq!((again.created, again.places_created, again.existing), (0, 0, 2));
}

async fn staff_merge_a_list_place_into_a_gazetteer_city(db: TestDb) {
    let filter = PartnershipFilter { municipality: Some("istanbul-beyoglu".into()), ..PartnershipFilter::default() };
    let list = db.store.list_partnerships(&filter, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    let mitte = list.items.iter().find(|p| p.partner.name == "Berlin – Mitte").expect("a place from the list");
    assert!(mitte.partner.source_list.is_some());
    let place = mitte.partner.id;
    let clock = ldp_testkit::clock();
    assert!(matches!(
        merge_source_place(db.store.as_ref(), place, 2950159, &Actor::visitor(None), clock.as_ref()).await,
        Err(ldp_core::services::ServiceError::Forbidden)
    ));
    let moved = merge_source_place(db.store.as_ref(), place, 2950159, &staff(), clock.as_ref()).await.unwrap();
    assert_eq!(moved, 1);
    let detail = db.store.partnership(mitte.id, date!(2020 - 01 - 01)).await.unwrap().unwrap();
    assert_eq!((detail.partnership.partner.id, detail.partnership.partner.name.as_str()), (2950159, "Berlin"));
    assert_eq!(detail.partnership.partner.source_list, None);
    assert!(db.store.city(place).await.unwrap().is_none(), "the list's place is gone");
    let filter = AuditFilter { record_type: Some("city".into()), ..AuditFilter::default() };
    let log = db.store.list_audit(&filter, Page::first(10)).await.unwrap();
    let entry = log.items.iter().find(|e| e.action == "merge").expect("the merge is audited");
    assert_eq!(entry.record_id, place.to_string());
    assert_eq!(entry.after.as_ref().unwrap()["merged_into"], 2950159);
    // A GeoNames city is not a list place; a place is not merged into itself or into nothing.
    assert!(merge_source_place(db.store.as_ref(), 2950159, 2867714, &staff(), clock.as_ref()).await.is_err());
    assert!(merge_source_place(db.store.as_ref(), place - 1, place - 1, &staff(), clock.as_ref()).await.is_err());
    assert!(merge_source_place(db.store.as_ref(), place - 1, 999_999_999, &staff(), clock.as_ref()).await.is_err());
    // Two rows that named one place twice: the list places merge into one another.
    let sariyer = PartnershipFilter { municipality: Some("istanbul-sariyer".into()), ..PartnershipFilter::default() };
    let list = db.store.list_partnerships(&sariyer, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    let id_of = |name: &str| list.items.iter().find(|p| p.partner.name == name).map(|p| p.partner.id).unwrap();
    let (kioneli, gonyeli) = (id_of("Kioneli"), id_of("Gönyeli"));
    merge_source_place(db.store.as_ref(), kioneli, gonyeli, &staff(), clock.as_ref()).await.unwrap();
    let list = db.store.list_partnerships(&sariyer, date!(2020 - 01 - 01), Page::first(100)).await.unwrap();
    let names: Vec<&str> = list.items.iter().map(|p| p.partner.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "Gönyeli").count(), 1, "the duplicate went to the audit log: {names:?}");
    assert!(!names.contains(&"Kioneli"));
}

async fn cities_carry_their_turkish_names(db: TestDb) {
    for (id, tr, en) in [
        (360630, "Kahire", "Cairo"),
        (264371, "Atina", "Athens"),
        (2867714, "Münih", "Munich"),
        (170654, "Şam", "Damascus"),
        (524901, "Moskova", "Moscow"),
        (146268, "Lefkoşa", "Nicosia"),
        (734077, "Selanik", "Thessaloníki"),
        (2761369, "Viyana", "Vienna"),
    ] {
        let city = db.store.city(id).await.unwrap().unwrap();
        assert_eq!((city.display_name(Lang::Tr), city.display_name(Lang::En)), (tr, en));
    }
    // No Turkish name in the source: the GeoNames name.
    assert_eq!(db.store.city(3188582).await.unwrap().unwrap().name_tr, "Tuzla");
}

async fn an_exact_name_or_exonym_comes_first_in_search(db: TestDb) {
    let first = |q: &'static str| {
        let store = db.store.clone();
        async move {
            let f = CityFilter::parse(Some(q), None).unwrap();
            store.search_cities(&f, Page::first(5)).await.unwrap().items[0].id
        }
    };
    assert_eq!(first("Şam").await, 170654, "Damascus before the more populous cities whose names start with sam");
    assert_eq!(first("Kahire").await, 360630);
    assert_eq!(first("Münih").await, 2867714);
    assert_eq!(first("Selanik").await, 734077);
}
