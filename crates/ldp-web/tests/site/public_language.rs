//! Public pages speak the reader's language: no English notes or repository paths on Turkish pages, names
//! said once, TDK spelling.

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    network_names_are_said_once,
    a_network_page_links_its_sources_without_the_maintainers_notes,
    the_data_sources_page_is_written_for_the_public,
    network_notes_state_facts_without_arguing_with_the_unions_page,
    sdg_target_11b_reads_as_turkish,
    the_unions_seat_is_written_in_the_readers_language,
);

async fn the_unions_seat_is_written_in_the_readers_language(db: TestDb) {
    let app = TestApp::new(db).await;
    let footer = text(&app.page("/tr/").await, ".site-footer");
    assert!(footer.contains("1975 · İstanbul"), "{footer}");
    for path in ["/en/", "/en/registration/privacy"] {
        let footer = text(&app.page(path).await, ".site-footer");
        assert!(footer.contains("1975 · Istanbul"), "{path}: {footer}");
    }
    // The privacy notice names the controller with its seat.
    let notice = text(&app.page("/en/registration/privacy").await, "main");
    assert!(notice.contains("Istanbul") && !notice.contains("İstanbul"), "{notice}");
}

async fn network_notes_state_facts_without_arguing_with_the_unions_page(db: TestDb) {
    let app = TestApp::new(db).await;
    for slug in ["energy-cities", "gwopa", "iclei"] {
        for (lang, union_page) in [("tr", "MBB"), ("en", "MMU's page")] {
            let html = app.page(&format!("/{lang}/networks/{slug}")).await;
            let notes = texts(&html, "p.note").join(" ");
            assert!(!notes.is_empty(), "{slug}: the founding note is shown");
            assert!(!notes.contains(union_page), "{slug} ({lang}): {notes}");
        }
    }
}

async fn sdg_target_11b_reads_as_turkish(db: TestDb) {
    let app = TestApp::new(db).await;
    let page = text(&app.page("/tr/sdgs/11").await, "main");
    assert!(page.contains("Afet Riskinin Azaltılması için Sendai Çerçevesi 2015-2030 doğrultusunda"), "{page}");
    assert!(!page.contains("uygulamak Azaltma 2015-2030"), "the garbled source text is gone");
}

async fn network_names_are_said_once(db: TestDb) {
    let app = TestApp::new(db).await;
    for lang in ["tr", "en"] {
        let html = app.page(&format!("/{lang}/networks")).await;
        for name in texts(&html, "main h2 a") {
            assert!(!name.contains("(ICLEI) (ICLEI)") && !name.contains("Energy Cities (Energy Cities)"), "{name}");
            assert!(!name.ends_with(") (ICLEI)"), "{name}");
        }
    }
}

async fn a_network_page_links_its_sources_without_the_maintainers_notes(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/networks/aebr").await;
    let source = text(&html, "p.source");
    assert!(!source.contains("founded") && !source.contains("aims") && !source.contains("member since"), "{source}");
    assert!(hrefs(&html, "p.source a").contains(&"https://www.marmara.gov.tr/en/local-diplomacy".to_owned()));
    assert!(texts(&html, "p.source a").contains(&"marmara.gov.tr".to_owned()));
}

async fn the_data_sources_page_is_written_for_the_public(db: TestDb) {
    let app = TestApp::new(db).await;
    let words = text(&app.page("/tr/data-sources").await, "main");
    for english in ["district boundaries", "Hekman", "data/README", "Başvuru verileri", "(code)"] {
        assert!(!words.contains(english), "{english:?} on the Turkish data-sources page");
    }
    assert!(text(&app.page("/tr/partnerships").await, "main h1").contains("iş birliği"));
}
