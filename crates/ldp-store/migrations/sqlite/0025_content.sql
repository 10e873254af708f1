-- Editable pages (issue 12): the Local Diplomacy page, the union's about text and a summary per network are
-- Markdown that staff edit in the workspace. Every save is a row of `content_revision` (never changed); the
-- public sees the revision named in `content_published` for a page and language, so drafts stay apart.
-- `page` is the page's key: 'local-diplomacy', 'about' or 'network:<slug>'.
CREATE TABLE content_revision (
    id            INTEGER PRIMARY KEY,
    page          TEXT NOT NULL,
    lang          TEXT NOT NULL CHECK (lang IN ('tr', 'en')),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    author        TEXT NOT NULL,
    author_id     INTEGER,
    created_at    TEXT NOT NULL,
    restored_from INTEGER REFERENCES content_revision (id)
);
CREATE INDEX content_revision_page ON content_revision (page, lang, id);

CREATE TABLE content_published (
    page         TEXT NOT NULL,
    lang         TEXT NOT NULL CHECK (lang IN ('tr', 'en')),
    revision_id  INTEGER NOT NULL REFERENCES content_revision (id),
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (page, lang)
);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER content_revision_timestamps BEFORE INSERT ON content_revision
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER content_published_timestamps_insert BEFORE INSERT ON content_published
WHEN NEW.published_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER content_published_timestamps_update BEFORE UPDATE ON content_published
WHEN NEW.published_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

-- Revisions are kept as written: a restore makes a new revision.
CREATE TRIGGER content_revision_no_update BEFORE UPDATE ON content_revision
BEGIN SELECT RAISE(ABORT, 'content revisions are never changed'); END;
CREATE TRIGGER content_revision_no_delete BEFORE DELETE ON content_revision
BEGIN SELECT RAISE(ABORT, 'content revisions are never removed'); END;

-- The change feed's topic for editable pages (and later publications and news).
INSERT INTO data_version (topic, version) VALUES ('content', 0);

-- The first revisions are the texts the platform showed before they became editable, with their sources.
-- Local Diplomacy: written for this project as a paraphrase of MMU, "Local Diplomacy",
-- https://www.marmara.gov.tr/en/local-diplomacy (Turkish: https://www.marmara.gov.tr/tr/yerel-diplomasi),
-- read on 2026-11-28, and Municipal Law No. 5393, article 74 (formerly data/local-diplomacy.toml).
-- About: the facts of data/networks.toml's [union] (Wikipedia, marmara.gov.tr) and of the page above.
INSERT INTO content_revision (id, page, lang, title, body, author, created_at) VALUES (1, 'local-diplomacy', 'tr', 'Yerel Diplomasi',
'Şehirler bugün dünya sahnesinde kendi başına birer aktördür. Dünya nüfusunun yarıdan fazlasının kentlerde yaşadığı bu çağda şehirler kardeş şehir ilişkileri kurmakta, uluslararası ağlar oluşturmakta ve pek çok paydaşla ortak konularda iş birliği yapmaktadır. Yerel diplomasi, bu çalışmaların bütününe verilen addır: Devletlerin yürüttüğü geleneksel diplomasiden farklı olsa da onu tamamlar, yumuşak güç unsurlarına dayanır ve küresel sorunların çözümünde, barış ve bir arada yaşama kültürünün yerleşmesinde sonuç odaklı uygulama alanları olan şehirleri öne çıkarır.

Marmara Belediyeler Birliği (MBB), Marmara Bölgesi''ndeki yerel yönetimlerin bu alandaki kapasitesini güçlendirmek için çalışır. Üye belediyelerin dış ilişkiler temsilcilerinden oluşan Yerel Diplomasi Platformu; bilgi ve iyi uygulama paylaşımına, iklim değişikliği ve göç gibi konularda uluslararası paydaşlarla iş birliğine, diyaloğa ve dayanışmaya zemin hazırlar. MBB, üyelerine diplomasi ve protokol, proje yönetimi ve uluslararası fon çağrılarına erişim gibi konularda eğitimler düzenler; belediyelerin dış ilişkilerinin ulusal politikalarla, uluslararası sözleşmelerle ve 5393 sayılı Belediye Kanunu''nun 74. maddesiyle uyumlu yürütülmesini ve başta Sürdürülebilir Kalkınma Amaçları olmak üzere küresel gündemle ilişkilendirilmesini destekler.

## Belediyelere destek verilen alanlar

- Diplomasi ve protokol kuralları
- Uluslararası proje, yarışma ve fon çağrılarına erişim
- Uluslararası toplantılara katılım
- Kardeş şehir ilişkileri
- Uluslararası kent ağları ve kuruluşlarla ilişkiler
- Kamu diplomasisi
- Proje yönetimi

Kaynak: <https://www.marmara.gov.tr/en/local-diplomacy>
',
'system:seed', '2026-11-28T00:00:00.000000Z');
INSERT INTO content_published (page, lang, revision_id, published_at, published_by) VALUES ('local-diplomacy', 'tr', 1, '2026-11-28T00:00:00.000000Z', 'system:seed');
INSERT INTO content_revision (id, page, lang, title, body, author, created_at) VALUES (2, 'local-diplomacy', 'en', 'Local Diplomacy',
'Cities have become actors in their own right on the world stage. With more than half of humanity now living in urban areas, towns and cities form sister-city ties, build international networks and work with many partners on shared themes. Local diplomacy is the name for this work: it differs from the diplomacy of states but complements it, draws on soft power, and puts cities, where policies are actually carried out, at the centre of answers to global problems and of a culture of peace and living together.

The Marmara Municipalities Union (MMU) helps the local governments of the Marmara Region build their capacity in this field. Its Local Diplomacy Platform brings together the foreign-relations representatives of member municipalities to share knowledge and good practice and to develop cooperation, dialogue and solidarity with international partners on issues such as climate change and migration. MMU trains its members in diplomacy and protocol, project management and access to international funding calls, and helps them keep their international relations in line with national policy, international agreements and Article 74 of Municipal Law No. 5393, while linking them to the global agenda, above all the Sustainable Development Goals.

## Areas in which members are supported

- Diplomacy and the rules of protocol
- Access to international projects, competitions and funding calls
- Taking part in international meetings
- Sister-city relations
- Relations with international city networks and organisations
- Public diplomacy
- Project management

Source: <https://www.marmara.gov.tr/en/local-diplomacy>
',
'system:seed', '2026-11-28T00:00:00.000000Z');
INSERT INTO content_published (page, lang, revision_id, published_at, published_by) VALUES ('local-diplomacy', 'en', 2, '2026-11-28T00:00:00.000000Z', 'system:seed');
INSERT INTO content_revision (id, page, lang, title, body, author, created_at) VALUES (3, 'about', 'tr', 'Hakkımızda',
'Marmara Belediyeler Birliği (MBB), 25 Nisan 1975''te kurulmuş bir belediyeler birliğidir; merkezi İstanbul''dadır. Üyeleri Marmara Bölgesi''ndeki büyükşehir, il ve ilçe belediyeleridir.

Birlik, uluslararası kent ağlarına üyedir ve üye belediyelerin yerel diplomasi çalışmalarını Yerel Diplomasi Platformu aracılığıyla destekler.

Kaynaklar: <https://en.wikipedia.org/wiki/Marmara_Municipalities_Union> (kuruluş tarihi ve adı), <https://www.marmara.gov.tr> (merkez, adlar), <https://www.marmara.gov.tr/en/local-diplomacy> (Yerel Diplomasi Platformu)
',
'system:seed', '2026-11-28T00:00:00.000000Z');
INSERT INTO content_published (page, lang, revision_id, published_at, published_by) VALUES ('about', 'tr', 3, '2026-11-28T00:00:00.000000Z', 'system:seed');
INSERT INTO content_revision (id, page, lang, title, body, author, created_at) VALUES (4, 'about', 'en', 'About the union',
'The Marmara Municipalities Union (MMU) is a union of municipalities founded on 25 April 1975, with its seat in İstanbul. Its members are the metropolitan, provincial and district municipalities of the Marmara Region.

The union belongs to international city networks and supports its members'' local diplomacy through its Local Diplomacy Platform.

Sources: <https://en.wikipedia.org/wiki/Marmara_Municipalities_Union> (founding date and name), <https://www.marmara.gov.tr> (seat, names), <https://www.marmara.gov.tr/en/local-diplomacy> (Local Diplomacy Platform)
',
'system:seed', '2026-11-28T00:00:00.000000Z');
INSERT INTO content_published (page, lang, revision_id, published_at, published_by) VALUES ('about', 'en', 4, '2026-11-28T00:00:00.000000Z', 'system:seed');
