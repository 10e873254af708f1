//! The relations counted per member and partner country (`Store::member_country_links`), which a map of many
//! relations draws as one weighted arc per pair.

use std::collections::{HashMap, HashSet};

use ldp_core::domain::partnership::*;
use ldp_core::domain::{CountryCode, Page};
use ldp_core::services::partnerships::NewPartnershipInput;
use ldp_testkit::{TestDb, both_backends};

use crate::partnerships::{service, staff};

both_backends!(seeded =>
    member_country_links_count_every_relation_once,
    member_country_links_follow_the_filter,
);

async fn member_country_links_count_every_relation_once(db: TestDb) {
    let s = service(&db);
    // A member partner (in Türkiye, a member's point) beside the seeded city partners.
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_municipality: Some("istanbul".into()),
        kind: Some("friendship".into()),
        ..Default::default()
    };
    s.create(&input, &staff()).await.expect("created");
    let f = PartnershipFilter { include_unpublished: true, ..Default::default() };
    let links = s.member_country_links(&f).await.unwrap();
    let relations = s.all(&f, 100_000).await.unwrap();
    assert_eq!(links.iter().map(|l| l.partnerships).sum::<u64>(), relations.len() as u64);
    let pairs: HashSet<(i64, &str)> = links.iter().map(|l| (l.member.id, l.country.as_str())).collect();
    assert_eq!(pairs.len(), links.len(), "one link per member and country");
    // Each link counts its member's relations with that country, and ends at the mean of their partners.
    let mut groups: HashMap<(i64, CountryCode), Vec<&Partnership>> = HashMap::new();
    for p in &relations {
        groups.entry((p.member.id, p.partner.country.clone())).or_default().push(p);
    }
    assert_eq!(groups.len(), links.len());
    for l in links.iter() {
        let group = &groups[&(l.member.id, l.country.clone())];
        assert_eq!(l.partnerships, group.len() as u64, "{} – {}", l.member.slug, l.country.as_str());
        assert_eq!(l.member, group[0].member);
        assert_eq!(l.country_name, group[0].partner.country_name);
        let n = group.len() as f64;
        let lat = group.iter().map(|p| p.partner.location.lat).sum::<f64>() / n;
        let lng = group.iter().map(|p| p.partner.location.lng).sum::<f64>() / n;
        assert!((l.partners_at.lat - lat).abs() < 1e-6 && (l.partners_at.lng - lng).abs() < 1e-6, "{l:?}");
    }
    let de = links.iter().find(|l| l.country.as_str() == "DE").expect("German partners");
    assert_eq!(de.numeric.as_deref(), Some("276"));
    assert_eq!(de.country_name.tr, "Almanya");
    let tr = links.iter().find(|l| l.member.slug == "bursa-nilufer" && l.country.as_str() == "TR").expect("in Türkiye");
    assert_eq!(tr.partnerships, 1);
    let ids: Vec<i64> = links.iter().map(|l| l.member.id).collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "by member");
}

async fn member_country_links_follow_the_filter(db: TestDb) {
    let s = service(&db);
    let public = s.member_country_links(&PartnershipFilter::default()).await.unwrap();
    let total = s.list(&PartnershipFilter::default(), Page::first(1)).await.unwrap().total;
    assert_eq!(public.iter().map(|l| l.partnerships).sum::<u64>(), total);
    for f in [
        PartnershipFilter { municipality: Some("istanbul".into()), ..Default::default() },
        PartnershipFilter { country: Some(CountryCode::parse("DE").unwrap()), ..Default::default() },
        PartnershipFilter { stage: Some(Stage::Proposed), ..Default::default() },
    ] {
        let links = s.member_country_links(&f).await.unwrap();
        let total = s.list(&f, Page::first(1)).await.unwrap().total;
        assert_eq!(links.iter().map(|l| l.partnerships).sum::<u64>(), total, "{f:?}");
        if let Some(slug) = &f.municipality {
            assert!(!links.is_empty() && links.iter().all(|l| &l.member.slug == slug));
        }
        if let Some(c) = &f.country {
            assert!(!links.is_empty() && links.iter().all(|l| &l.country == c));
        }
    }
}
