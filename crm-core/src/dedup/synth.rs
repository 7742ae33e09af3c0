//! A deterministic generator of messy Chinese B2B customer records with ground truth, for
//! measuring duplicate detection on the data it is built for.
//!
//! Public benchmarks (Febrl and its kin) are English person records. The customers this
//! engine deduplicates are Chinese companies as salespeople keep them in Excel: the same
//! company typed by several people, each in their own way. [`generate`] builds such a sheet
//! from a [`SynthConfig`]: a set of distinct customer companies (the *entities*), one
//! canonical row each, extra corrupted rows for some of them, every row labelled with its
//! entity. What follows is the specification of that data: every rule the generator applies,
//! with its rate.
//!
//! # Determinism
//!
//! The generator owns its PRNG (SplitMix64) and reads no clock, environment or global state:
//! the same configuration gives the same dataset, byte for byte, on every platform and in
//! every version that keeps these rules. Three independent streams are derived from
//! [`SynthConfig::seed`]: one draws the entities, one the duplicates, one the row order.
//! Hence entity *i* depends only on the seed and the entities before it (the first 1,000
//! entities of a 2,000-entity dataset are those of the 1,000-entity one), and changing the
//! duplicate settings never changes the entities.
//!
//! # Columns
//!
//! `客户名称, 联系人, 手机, 电话, 邮箱, 省份, 城市, 地址`, the headers of a CRM export. Cells
//! are `Option<String>`: `None` is an empty cell.
//!
//! # Entities
//!
//! Each entity is a customer company with one main contact.
//!
//! **Region.** One of 72 real prefecture-level (or provincial-level) cities with its province
//! and landline area code, 北京 010 to 赣州 0797. Cities are weighted by how many businesses
//! they hold: 北京, 上海, 广州 and 深圳 weight 6; 15 other large cities (天津, 重庆, 杭州,
//! 苏州, 南京, 成都, 武汉, 西安, 长沙, 郑州, 青岛, 宁波, 东莞, 佛山, 合肥) weight 3; the rest 1.
//!
//! **Company name.** Canonical name = region + brand core + industry word + legal form, e.g.
//! 「苏州恒瑞精密机械有限公司」.
//! - Brand core: 2 (80%), 3 (15%) or 4 (5%) distinct characters from a pool of 52
//!   syllable-like characters (华, 恒, 瑞, 博, 创, 远, 达, 信, 海, 鼎, …), each with its
//!   toneless pinyin. A core that spells one of the 72 cities (金华) is drawn again, so that
//!   region and brand never blur in the ground truth.
//! - Industry word: one of 20 (科技, 精密机械, 物流, 医疗器械, 软件, 电子, 新材料, 建设工程,
//!   贸易, 食品, 环保, 汽车零部件, 信息技术, 生物科技, 化工, 机电设备, 网络科技, 光电, 包装材料,
//!   实业), each with a short form for short names (精密机械 → 精机) and an English term.
//! - Legal form: 有限公司 60%, 有限责任公司 15%, 股份有限公司 15%, 集团有限公司 10%.
//! - A (core, city) pair is unique: two entities never share a brand in the same city, so
//!   canonical names are unique.
//! - **Recurring brands (hard negatives).** 8% of entities (after the first) take the brand
//!   core of an earlier entity, chosen at random, in a city where that brand does not exist
//!   yet, keeping its industry 75% of the time: 「北京华恒科技有限公司」 and
//!   「上海华恒科技有限公司」 are different customers. Because a brand that already recurs is
//!   more likely to be picked again, a few brands end up in several cities. Fresh cores can
//!   also repeat across cities by chance, as real brands do.
//!
//! **Contact.** Surname from the 70 most common surnames, weighted by their approximate
//! frequency (王 7.1%, 李 7.0%, 张 6.7% … 廖 0.3% of the population); given name from 46 common
//! given names, weighted so that 伟, 芳, 娜, 敏, 静 lead; each given name has a gender. The
//! pool is small on purpose: 张伟, 王芳 and 李娜 recur across different companies, so a
//! matcher that merges on a common contact name alone is caught.
//!
//! **Mobile.** 11 digits: a real 3-digit prefix (130–139, 145, 147, 150–159 but 154,
//! 166, 173, 175–178, 180–189, 191, 193, 195–199) and 8 random digits. Unique per entity.
//!
//! **Landline** (85% of entities). Area code + subscriber number, written `0512-66881234`:
//! 8 digits, or 7 in a few smaller cities (拉萨, 西宁, 银川, 绵阳, 宜昌, 襄阳, 桂林; an
//! approximation of where 7-digit numbers remain), never starting with 0, 1 or 9. Unique per
//! entity.
//!
//! **Email** (90% of entities). 70% at the company domain: the core's pinyin (`hengrui`), or
//! when another entity already has that name `{core}-{city}` (`hengrui-suzhou`), then
//! `{core}{n}` (`hengrui2`), with `.com` (60%), `.cn` (20%) or `.com.cn` (20%); the name is
//! unique whatever the TLD, so that two entities of one brand never look like one company by
//! their domains. The local part is the contact's pinyin: `zhangwei`, `wei.zhang`, `zhangw`
//! or `wzhang` (equally likely). 30% at a free mail: a 6–10 digit QQ number `@qq.com` (1/3),
//! or `{surname}{given}{birth year 1965–2000}` at `163.com` (1/3) or `126.com` (1/3). Unique
//! per entity: only names and contacts are shared between entities, never a phone or an
//! email.
//!
//! **Province and city.** The full names: 「江苏省」 and 「苏州市」; 「北京市」 in both columns
//! for the four municipalities; 「广西壮族自治区」 for the autonomous regions.
//!
//! **Address.** District + road + number, then a unit 55% of the time:
//! 「工业园区星湖路328号A座1203室」. The district is one of the city's two real districts (75%)
//! or a development zone (高新技术产业开发区, 经济技术开发区, 工业园区). The road is one of 30
//! names with a suffix (路, 大道, 街, 东路, 西路, 南路, 北路, 大街); the number 1–999; the unit
//! 「A座1203室」, 「3栋502室」 or 「7楼」.
//!
//! # Duplicates
//!
//! Exactly `round(entities × duplicate_share)` entities, chosen at random, are duplicated;
//! each gets between 1 and [`SynthConfig::duplicates_per_entity_max`] extra rows (uniform).
//! The other entities appear once. An extra row is the canonical row as another salesperson
//! would type it: it draws *k* uniform in 1..=4, then *k* distinct corruptions, one at a time,
//! each with probability proportional to its weight among those not yet drawn that apply to
//! the entity (a company without landline or email has nothing there to corrupt; the homophone
//! needs a core character that has one). Each corruption changes its cell, and corruptions of
//! one cell compose (「Hengrui Precision Machinery (Suzhou) Co., Ltd.」 is the English rendering
//! plus the parenthesised region), so every extra row differs from its entity's canonical row.
//! When a cell is both emptied and otherwise corrupted, it is empty. Two extra rows of one
//! entity may coincide, as copies in real sheets do.
//!
//! Rates: the weight, and the share of extra rows that carry the corruption, measured over
//! the default configuration (about 2.5 corruptions per extra row; a unit test keeps the
//! column within a point of the generator). Landline and email corruptions are rarer than
//! their weights say because some entities have neither.
//!
//! | corruption | weight | rows | what it does |
//! | --- | --- | --- | --- |
//! | name: region | 10 | 24% | drop the region (50%: 「恒瑞精密机械有限公司」), move it into parentheses before the legal form (35%: 「恒瑞精密机械（苏州）有限公司」), or write it with 市 (15%: 「苏州市恒瑞…」) |
//! | name: legal form | 8 | 20% | drop it (50%) or change it (50%) among 有限公司, 有限责任公司, 股份有限公司 and 公司; a group's only among 集团, 集团公司 and 集团股份有限公司, because a group and its operating company are different customers |
//! | name: industry | 6 | 15% | drop the industry word: 「苏州恒瑞有限公司」 |
//! | name: English | 3 | 8% | the pinyin/English rendering: region and core in pinyin, capitalised (`Suzhou Hengrui Precision Machinery Co., Ltd.`); the legal form `Co., Ltd.` (`Group Co., Ltd.`), changed to `Company Limited`, `Ltd.` or `CO.,LTD` (`Group`) |
//! | name: short | 5 | 13% | the short name people say: the core alone (50%: 「恒瑞」) or with the industry's short form (50%: 「恒瑞精机」) |
//! | name: spacing | 4 | 10% | spaces typed inside: an ASCII or ideographic (U+3000) space at one boundary between parts (50%) or at all (50%), parentheses half-width; in a one-part name, between the first two characters; in English, the core split into syllables (`Heng Rui`) |
//! | name: homophone | 3 | 8% | one core character replaced by a homophone from a 52-entry table (恒→衡, 瑞→锐, 华→化 …); never a character of the core pool, so a homophone never turns one brand into another; not visible in English |
//! | contact | 8 | 20% | a title in place of the given name (45%: 总, 经理 or 工 for anyone, 先生 for men, 女士 for women: 「张总」); romanised (35%: `Zhang Wei`, `Wei Zhang` or `ZHANG Wei`); empty (20%) |
//! | mobile: format | 8 | 20% | `138-1234-5678`, `138 1234 5678`, `+86 138 1234 5678`, `0086 13812345678` or full-width `１３８１２３４５６７８`, equally likely |
//! | mobile: typo | 2 | 6% | one of the last 8 digits replaced by another digit |
//! | mobile: missing | 4 | 10% | empty |
//! | landline: format | 6 | 13% | `(0512)66881234`, `66881234` (no area code), `+86 512 6688 1234` or `0512-66881234转8001` (a 3–4 digit extension), equally likely |
//! | landline: missing | 4 | 9% | empty |
//! | email: case | 3 | 7% | upper case: the whole address (50%) or the local part (50%; the whole address when the local part has no letter) |
//! | email: other | 3 | 7% | another address of the contact, at a free mail as above |
//! | email: missing | 4 | 9% | empty |
//! | province/city | 6 | 15% | short forms (50%: province, city or both: 「江苏」, 「苏州」, 「北京」); city only (30%: province empty, city in full or short form); both empty (20%) |
//! | address: missing | 4 | 11% | empty |
//! | address: abbreviated | 4 | 10% | one of, as they apply: the district dropped; a development zone shortened (高新区, 经开区, 园区); the unit dropped |
//! | address: full-width | 3 | 8% | digits written full-width: 「星湖路３２８号」 |
//! | address: prefixed | 2 | 6% | the city (50%: 「苏州市工业园区…」) or province and city (50%: 「江苏省苏州市…」; for a municipality, the city alone) written before it |
//!
//! # Ground truth
//!
//! All rows are shuffled, so neither position nor order gives an entity away;
//! [`SynthDataset::entity`] labels each row with its entity. Every pair of rows with the same
//! label is a true duplicate pair, and no other pair is.

use std::collections::HashSet;

/// What to generate. Same configuration, same dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// How many distinct customer companies (entities) to generate.
    pub entities: usize,
    /// The most extra rows one duplicated entity gets; each gets between 1 and this many,
    /// uniformly. 0 means no duplicates at all.
    pub duplicates_per_entity_max: usize,
    /// The share of entities that get extra rows, clamped to 0..=1 (NaN counts as 0):
    /// exactly `round(entities × duplicate_share)` of them.
    pub duplicate_share: f64,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Default for SynthConfig {
    /// 1,000 entities, 40% of them with 1 to 4 extra rows: about 2,000 rows, 1,000 true
    /// duplicate rows, and enough recurring brands and contact names to test the traps.
    fn default() -> SynthConfig {
        SynthConfig {
            entities: 1000,
            duplicates_per_entity_max: 4,
            duplicate_share: 0.4,
            seed: 42,
        }
    }
}

/// A generated sheet with its ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthDataset {
    /// The column headers: `客户名称, 联系人, 手机, 电话, 邮箱, 省份, 城市, 地址`.
    pub headers: Vec<String>,
    /// The rows, shuffled, one cell per header; `None` is an empty cell.
    pub rows: Vec<Vec<Option<String>>>,
    /// The entity of each row (same index as `rows`): rows with equal values are the same
    /// customer. Entities are numbered from 0 in the order they were generated.
    pub entity: Vec<u64>,
}

/// Generates the dataset that `config` describes, by the rules in the [module
/// documentation](self).
pub fn generate(config: &SynthConfig) -> SynthDataset {
    let (mut generator, companies) = entities(config);
    let mut rows = rows(config, &mut generator, &companies);
    Rng::new(config.seed, Stream::Order).shuffle(&mut rows);
    SynthDataset {
        headers: HEADERS.iter().map(|&h| h.to_owned()).collect(),
        entity: rows.iter().map(|row| row.entity).collect(),
        rows: rows.into_iter().map(|row| row.cells).collect(),
    }
}

/// The headers, as a CRM export writes them.
const HEADERS: [&str; 8] = [
    "客户名称",
    "联系人",
    "手机",
    "电话",
    "邮箱",
    "省份",
    "城市",
    "地址",
];

// ---------------------------------------------------------------------------------------------
// The pipeline: entities, then duplicates, in generation order.

/// One row before shuffling.
struct Row {
    entity: u64,
    cells: Vec<Option<String>>,
}

/// The entities in generation order, with the generator that keeps them unique.
fn entities(config: &SynthConfig) -> (Generator, Vec<Company>) {
    let mut generator = Generator::new(config.seed);
    let mut companies = Vec::with_capacity(config.entities);
    for _ in 0..config.entities {
        let company = generator.company(&companies);
        companies.push(company);
    }
    (generator, companies)
}

/// The rows in generation order: each entity's canonical row, then its extra rows.
fn rows(config: &SynthConfig, generator: &mut Generator, companies: &[Company]) -> Vec<Row> {
    let mut rng = Rng::new(config.seed, Stream::Duplicates);
    let share = if config.duplicate_share.is_nan() {
        0.0
    } else {
        config.duplicate_share.clamp(0.0, 1.0)
    };
    let duplicated = (companies.len() as f64 * share).round() as usize;
    let mut order: Vec<usize> = (0..companies.len()).collect();
    rng.shuffle(&mut order);
    let mut extra_rows = vec![0; companies.len()];
    if config.duplicates_per_entity_max > 0 {
        for &index in &order[..duplicated] {
            extra_rows[index] = 1 + rng.below(config.duplicates_per_entity_max);
        }
    }

    let mut rows = Vec::with_capacity(companies.len() + extra_rows.iter().sum::<usize>());
    for (index, company) in companies.iter().enumerate() {
        let entity = index as u64;
        rows.push(Row {
            entity,
            cells: company.render(&Draft::canonical()),
        });
        for _ in 0..extra_rows[index] {
            let draft = generator.corrupt(&mut rng, company);
            rows.push(Row {
                entity,
                cells: company.render(&draft),
            });
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Randomness.

/// The independent random streams of one seed.
#[derive(Clone, Copy)]
enum Stream {
    Entities,
    Duplicates,
    Order,
}

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, any seed (0 too) gives a full-period
/// stream, and the output passes BigCrush; more than enough for test data, and with no
/// dependency it cannot change under us.
struct Rng {
    state: u64,
}

impl Rng {
    /// The stream `stream` of `seed`. The three streams of one seed start more than 2^60
    /// draws apart in the generator's 2^64-long cycle, so no dataset makes them overlap.
    fn new(seed: u64, stream: Stream) -> Rng {
        let offset = (stream as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng {
            state: seed.wrapping_add(offset),
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`, `n > 0`, by multiply-shift (Lemire): the bias is below n / 2^64.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: u32, high: u32) -> u32 {
        low + self.below((high - low + 1) as usize) as u32
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        // 53 random bits: every double in [0, 1) that this can give is equally likely.
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `items`, each with probability proportional to its weight.
    fn weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u64 = items.iter().map(|item| u64::from(weight(item))).sum();
        let mut target = self.below(total as usize) as u64;
        for (index, item) in items.iter().enumerate() {
            let w = u64::from(weight(item));
            if target < w {
                return index;
            }
            target -= w;
        }
        unreachable!("the target is below the total weight")
    }

    /// `count` decimal digits, the first one in `first`.
    fn digits(&mut self, count: usize, first: std::ops::RangeInclusive<u32>) -> String {
        let mut text = String::with_capacity(count);
        text.push(digit(self.between(*first.start(), *first.end())));
        for _ in 1..count {
            text.push(digit(self.between(0, 9)));
        }
        text
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn digit(d: u32) -> char {
    char::from_digit(d, 10).expect("a decimal digit")
}

// ---------------------------------------------------------------------------------------------
// Entities.

/// A customer company and its main contact, as the truth knows them.
struct Company {
    city: &'static City,
    core: Vec<&'static CoreChar>,
    industry: &'static Industry,
    legal: &'static Legal,
    contact: Person,
    /// 11 digits.
    mobile: String,
    /// The subscriber number, without area code.
    landline: Option<String>,
    email: Option<String>,
    address: Address,
}

struct Person {
    surname: &'static Surname,
    given: &'static GivenName,
}

struct Address {
    district: &'static str,
    /// The short form of a development zone; real districts have none.
    district_short: Option<&'static str>,
    /// Road and number: 「星湖路328号」.
    street: String,
    unit: Option<String>,
}

/// Draws entities, keeping what must stay unique across them.
struct Generator {
    rng: Rng,
    /// (core, city) pairs in use.
    brands: HashSet<(String, &'static str)>,
    mobiles: HashSet<String>,
    /// Area code and subscriber number.
    landlines: HashSet<(&'static str, String)>,
    /// Company domain names, without TLD.
    domains: HashSet<String>,
    emails: HashSet<String>,
}

const CORE_LENGTH_WEIGHTS: [(usize, u32); 3] = [(2, 80), (3, 15), (4, 5)];
const RECURRING_BRAND_SHARE: f64 = 0.08;
const RECURRING_SAME_INDUSTRY: f64 = 0.75;
const LANDLINE_SHARE: f64 = 0.85;
const EMAIL_SHARE: f64 = 0.9;
const FREE_MAIL_SHARE: f64 = 0.3;
const ZONE_SHARE: f64 = 0.25;
const UNIT_SHARE: f64 = 0.55;

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed, Stream::Entities),
            brands: HashSet::new(),
            mobiles: HashSet::new(),
            landlines: HashSet::new(),
            domains: HashSet::new(),
            emails: HashSet::new(),
        }
    }

    fn company(&mut self, earlier: &[Company]) -> Company {
        let (core, city, industry) = self.brand(earlier);
        let legal = &LEGAL_FORMS[self.rng.weighted(LEGAL_FORMS, |l| l.weight)];
        let contact = Person {
            surname: &SURNAMES[self.rng.weighted(SURNAMES, |s| s.weight)],
            given: &GIVEN_NAMES[self.rng.weighted(GIVEN_NAMES, |g| g.weight)],
        };
        let mobile = self.mobile();
        let landline = self.rng.chance(LANDLINE_SHARE).then(|| self.landline(city));
        let email = self.rng.chance(EMAIL_SHARE).then(|| {
            if self.rng.chance(FREE_MAIL_SHARE) {
                free_email(&mut self.rng, &mut self.emails, &contact)
            } else {
                self.company_email(&contact, &core, city)
            }
        });
        let address = self.address(city);
        Company {
            city,
            core,
            industry,
            legal,
            contact,
            mobile,
            landline,
            email,
            address,
        }
    }

    /// A brand core, its city and its industry: most often fresh, sometimes an earlier
    /// entity's core in another city (the recurring-brand hard negatives).
    fn brand(
        &mut self,
        earlier: &[Company],
    ) -> (Vec<&'static CoreChar>, &'static City, &'static Industry) {
        if !earlier.is_empty() && self.rng.chance(RECURRING_BRAND_SHARE) {
            let model = self.rng.pick(earlier);
            let text = core_text(&model.core);
            let start = self.rng.below(CITIES.len());
            let free = (0..CITIES.len())
                .map(|i| &CITIES[(start + i) % CITIES.len()])
                .find(|city| !self.brands.contains(&(text.clone(), city.name)));
            // A brand already in every city (only in huge datasets) yields a fresh one.
            if let Some(city) = free {
                let industry = if self.rng.chance(RECURRING_SAME_INDUSTRY) {
                    model.industry
                } else {
                    self.rng.pick(INDUSTRIES)
                };
                self.brands.insert((text, city.name));
                return (model.core.clone(), city, industry);
            }
        }
        loop {
            let length = CORE_LENGTH_WEIGHTS[self.rng.weighted(&CORE_LENGTH_WEIGHTS, |c| c.1)].0;
            let mut core: Vec<&'static CoreChar> = Vec::with_capacity(length);
            while core.len() < length {
                let candidate = self.rng.pick(CORE_CHARS);
                if !core.iter().any(|c| c.han == candidate.han) {
                    core.push(candidate);
                }
            }
            let city = &CITIES[self.rng.weighted(CITIES, |c| c.weight)];
            let text = core_text(&core);
            if CITIES.iter().any(|c| c.name == text)
                || self.brands.contains(&(text.clone(), city.name))
            {
                continue;
            }
            self.brands.insert((text, city.name));
            return (core, city, self.rng.pick(INDUSTRIES));
        }
    }

    fn mobile(&mut self) -> String {
        loop {
            let number = format!(
                "{}{}",
                self.rng.pick(MOBILE_PREFIXES),
                self.rng.digits(8, 0..=9)
            );
            if self.mobiles.insert(number.clone()) {
                return number;
            }
        }
    }

    fn landline(&mut self, city: &'static City) -> String {
        loop {
            let number = self.rng.digits(city.subscriber_digits, 2..=8);
            if self.landlines.insert((city.area_code, number.clone())) {
                return number;
            }
        }
    }

    fn company_email(&mut self, person: &Person, core: &[&CoreChar], city: &City) -> String {
        let stem: String = core.iter().map(|c| c.pinyin).collect();
        let city_ascii: String = city
            .pinyin
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_lowercase();
        // The name without its TLD is unique: `hengrui.cn` beside `hengrui.com` would tell
        // that two recurring-brand entities are one company.
        let name = [stem.clone(), format!("{stem}-{city_ascii}")]
            .into_iter()
            .chain((2..).map(|n| format!("{stem}{n}")))
            .find(|name| !self.domains.contains(name))
            .expect("the numbered names never run out");
        self.domains.insert(name.clone());
        let tld = [".com", ".com", ".com", ".cn", ".com.cn"][self.rng.below(5)];
        let domain = format!("{name}{tld}");
        let surname = person.surname.pinyin.to_lowercase();
        let given = person.given.pinyin.to_lowercase();
        let local = match self.rng.below(4) {
            0 => format!("{surname}{given}"),
            1 => format!("{given}.{surname}"),
            2 => format!("{surname}{}", initial(&given)),
            _ => format!("{}{surname}", initial(&given)),
        };
        // The domain is new, so the address is too.
        let email = format!("{local}@{domain}");
        self.emails.insert(email.clone());
        email
    }

    fn address(&mut self, city: &City) -> Address {
        let (district, district_short) = if self.rng.chance(ZONE_SHARE) {
            let (full, short) = *self.rng.pick(ZONES);
            (full, Some(short))
        } else {
            (*self.rng.pick(&city.districts), None)
        };
        let suffix = ROAD_SUFFIXES[self.rng.weighted(ROAD_SUFFIXES, |s| s.1)].0;
        let street = format!(
            "{}{suffix}{}号",
            self.rng.pick(ROADS),
            self.rng.between(1, 999)
        );
        let unit = self.rng.chance(UNIT_SHARE).then(|| {
            let floor = self.rng.between(1, 28);
            match self.rng.below(3) {
                0 => format!(
                    "{}座{floor}{:02}室",
                    self.rng.pick(&['A', 'B', 'C', 'D', 'E', 'F']),
                    self.rng.between(1, 20)
                ),
                1 => format!(
                    "{}栋{floor}{:02}室",
                    self.rng.between(1, 12),
                    self.rng.between(1, 20)
                ),
                _ => format!("{floor}楼"),
            }
        });
        Address {
            district,
            district_short,
            street,
            unit,
        }
    }
}

fn core_text(core: &[&CoreChar]) -> String {
    core.iter().map(|c| c.han).collect()
}

fn initial(word: &str) -> &str {
    &word[..1]
}

/// A free-mail address for `person` that no entity uses yet, which it then reserves.
fn free_email(rng: &mut Rng, emails: &mut HashSet<String>, person: &Person) -> String {
    loop {
        let email = match rng.below(3) {
            0 => {
                let length = rng.between(6, 10) as usize;
                format!("{}@qq.com", rng.digits(length, 1..=9))
            }
            provider => format!(
                "{}{}{}@{}",
                person.surname.pinyin.to_lowercase(),
                person.given.pinyin.to_lowercase(),
                rng.between(1965, 2000),
                if provider == 1 { "163.com" } else { "126.com" }
            ),
        };
        if emails.insert(email.clone()) {
            return email;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Duplicates: a draft says how each cell departs from the canonical rendering.

/// How one row renders its entity. [`Draft::canonical`] renders the truth.
struct Draft {
    region: RegionStyle,
    legal: LegalStyle,
    drop_industry: bool,
    english: bool,
    /// `Some(with_industry)`: the short name.
    short: Option<bool>,
    spacing: Option<Spacing>,
    /// The index in the core of the character replaced by its homophone.
    homophone: Option<usize>,
    contact: ContactStyle,
    /// `None`: empty.
    mobile: Option<MobileFormat>,
    /// The index and the wrong digit.
    mobile_typo: Option<(usize, char)>,
    /// `None`: empty.
    landline: Option<LandlineFormat>,
    email: EmailStyle,
    place: PlaceStyle,
    address: AddressStyle,
}

#[derive(Clone, Copy)]
enum RegionStyle {
    Prefix,
    PrefixWithShi,
    Parenthesised,
    Dropped,
}

#[derive(Clone, Copy)]
enum LegalStyle {
    Canonical,
    Dropped,
    /// Indices into the entity's Han and English alternatives.
    Changed {
        han: usize,
        english: usize,
    },
}

#[derive(Clone, Copy)]
struct Spacing {
    space: char,
    /// `None`: at every boundary; `Some(i)`: at boundary `i` modulo their number.
    at: Option<usize>,
}

#[derive(Clone, Copy)]
enum ContactStyle {
    Canonical,
    Title(&'static str),
    Romanised(NameOrder),
    Missing,
}

#[derive(Clone, Copy)]
enum NameOrder {
    /// `Zhang Wei`.
    Chinese,
    /// `Wei Zhang`.
    Western,
    /// `ZHANG Wei`.
    Passport,
}

#[derive(Clone, Copy)]
enum MobileFormat {
    Plain,
    Dashed,
    Spaced,
    Plus86,
    Zero086,
    FullWidth,
}

enum LandlineFormat {
    Dashed,
    Parenthesised,
    Local,
    International,
    Extension(String),
}

enum EmailStyle {
    Canonical,
    Upper { whole: bool },
    Other(String),
    Missing,
}

#[derive(Clone, Copy)]
enum PlaceStyle {
    Canonical,
    Short { province: bool, city: bool },
    CityOnly { short: bool },
    Missing,
}

#[derive(Clone, Copy, Default)]
struct AddressStyle {
    missing: bool,
    drop_district: bool,
    short_district: bool,
    drop_unit: bool,
    full_width: bool,
    /// `Some(with_province)`.
    prefix: Option<bool>,
}

impl Draft {
    fn canonical() -> Draft {
        Draft {
            region: RegionStyle::Prefix,
            legal: LegalStyle::Canonical,
            drop_industry: false,
            english: false,
            short: None,
            spacing: None,
            homophone: None,
            contact: ContactStyle::Canonical,
            mobile: Some(MobileFormat::Plain),
            mobile_typo: None,
            landline: Some(LandlineFormat::Dashed),
            email: EmailStyle::Canonical,
            place: PlaceStyle::Canonical,
            address: AddressStyle::default(),
        }
    }
}

/// The corruptions an extra row draws from; see the table in the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corruption {
    NameRegion,
    NameLegalForm,
    NameIndustry,
    NameEnglish,
    NameShort,
    NameSpacing,
    NameHomophone,
    Contact,
    MobileFormat,
    MobileTypo,
    MobileMissing,
    LandlineFormat,
    LandlineMissing,
    EmailCase,
    EmailOther,
    EmailMissing,
    Place,
    AddressMissing,
    AddressAbbreviated,
    AddressFullWidth,
    AddressPrefixed,
}

/// Each corruption with its weight.
const CORRUPTIONS: [(Corruption, u32); 21] = [
    (Corruption::NameRegion, 10),
    (Corruption::NameLegalForm, 8),
    (Corruption::NameIndustry, 6),
    (Corruption::NameEnglish, 3),
    (Corruption::NameShort, 5),
    (Corruption::NameSpacing, 4),
    (Corruption::NameHomophone, 3),
    (Corruption::Contact, 8),
    (Corruption::MobileFormat, 8),
    (Corruption::MobileTypo, 2),
    (Corruption::MobileMissing, 4),
    (Corruption::LandlineFormat, 6),
    (Corruption::LandlineMissing, 4),
    (Corruption::EmailCase, 3),
    (Corruption::EmailOther, 3),
    (Corruption::EmailMissing, 4),
    (Corruption::Place, 6),
    (Corruption::AddressMissing, 4),
    (Corruption::AddressAbbreviated, 4),
    (Corruption::AddressFullWidth, 3),
    (Corruption::AddressPrefixed, 2),
];

/// The most corruptions one extra row gets.
const MAX_CORRUPTIONS: u32 = 4;

impl Corruption {
    /// Whether this corruption has something to change in `company`'s row.
    fn applies(self, company: &Company) -> bool {
        match self {
            Corruption::NameHomophone => company.homophone_positions().next().is_some(),
            Corruption::LandlineFormat | Corruption::LandlineMissing => company.landline.is_some(),
            Corruption::EmailCase | Corruption::EmailOther | Corruption::EmailMissing => {
                company.email.is_some()
            }
            _ => true,
        }
    }
}

/// The corruptions of one extra row of `company`, in the order drawn.
fn draw_corruptions(rng: &mut Rng, company: &Company) -> Vec<Corruption> {
    let mut pool: Vec<(Corruption, u32)> = CORRUPTIONS
        .into_iter()
        .filter(|(corruption, _)| corruption.applies(company))
        .collect();
    let count = (rng.between(1, MAX_CORRUPTIONS) as usize).min(pool.len());
    (0..count)
        .map(|_| pool.swap_remove(rng.weighted(&pool, |c| c.1)).0)
        .collect()
}

impl Generator {
    /// An extra row's draft for `company`, drawn from `rng`, the duplicates' stream; the
    /// generator only keeps another email address unique across entities.
    fn corrupt(&mut self, rng: &mut Rng, company: &Company) -> Draft {
        let mut draft = Draft::canonical();
        for corruption in draw_corruptions(rng, company) {
            self.apply(rng, corruption, company, &mut draft);
        }
        draft
    }

    fn apply(&mut self, rng: &mut Rng, corruption: Corruption, company: &Company, d: &mut Draft) {
        match corruption {
            Corruption::NameRegion => {
                d.region = match rng.below(20) {
                    0..10 => RegionStyle::Dropped,
                    10..17 => RegionStyle::Parenthesised,
                    _ => RegionStyle::PrefixWithShi,
                }
            }
            Corruption::NameLegalForm => {
                d.legal = if rng.chance(0.5) {
                    LegalStyle::Dropped
                } else {
                    LegalStyle::Changed {
                        han: rng.below(company.legal.han_alternatives.len()),
                        english: rng.below(company.legal.english_alternatives.len()),
                    }
                }
            }
            Corruption::NameIndustry => d.drop_industry = true,
            Corruption::NameEnglish => d.english = true,
            Corruption::NameShort => d.short = Some(rng.chance(0.5)),
            Corruption::NameSpacing => {
                d.spacing = Some(Spacing {
                    space: if rng.chance(0.5) { ' ' } else { '\u{3000}' },
                    // 12 is a multiple of every boundary count (1 to 4): each is as likely.
                    at: rng.chance(0.5).then(|| rng.below(12)),
                })
            }
            Corruption::NameHomophone => {
                let positions: Vec<usize> = company.homophone_positions().collect();
                d.homophone = Some(*rng.pick(&positions));
            }
            Corruption::Contact => {
                d.contact = match rng.below(20) {
                    0..9 => {
                        let titles = if company.contact.given.male {
                            ["总", "经理", "工", "先生"]
                        } else {
                            ["总", "经理", "工", "女士"]
                        };
                        ContactStyle::Title(titles[rng.below(titles.len())])
                    }
                    9..16 => ContactStyle::Romanised(*rng.pick(&[
                        NameOrder::Chinese,
                        NameOrder::Western,
                        NameOrder::Passport,
                    ])),
                    _ => ContactStyle::Missing,
                }
            }
            Corruption::MobileFormat => {
                // Only when the cell is still there: an empty cell stays empty.
                if d.mobile.is_some() {
                    d.mobile = Some(*rng.pick(&[
                        MobileFormat::Dashed,
                        MobileFormat::Spaced,
                        MobileFormat::Plus86,
                        MobileFormat::Zero086,
                        MobileFormat::FullWidth,
                    ]));
                }
            }
            Corruption::MobileTypo => {
                let index = 3 + rng.below(8);
                let right = company.mobile.as_bytes()[index] - b'0';
                let wrong = (u32::from(right) + 1 + rng.below(9) as u32) % 10;
                d.mobile_typo = Some((index, digit(wrong)));
            }
            Corruption::MobileMissing => d.mobile = None,
            Corruption::LandlineFormat => {
                if d.landline.is_some() {
                    d.landline = Some(match rng.below(4) {
                        0 => LandlineFormat::Parenthesised,
                        1 => LandlineFormat::Local,
                        2 => LandlineFormat::International,
                        _ => {
                            let length = rng.between(3, 4) as usize;
                            LandlineFormat::Extension(rng.digits(length, 1..=9))
                        }
                    });
                }
            }
            Corruption::LandlineMissing => d.landline = None,
            Corruption::EmailCase => {
                if matches!(d.email, EmailStyle::Canonical) {
                    d.email = EmailStyle::Upper {
                        whole: rng.chance(0.5),
                    };
                }
            }
            Corruption::EmailOther => {
                if !matches!(d.email, EmailStyle::Missing) {
                    d.email =
                        EmailStyle::Other(free_email(rng, &mut self.emails, &company.contact));
                }
            }
            Corruption::EmailMissing => d.email = EmailStyle::Missing,
            Corruption::Place => {
                d.place = match rng.below(10) {
                    0..5 => match rng.below(3) {
                        0 => PlaceStyle::Short {
                            province: true,
                            city: false,
                        },
                        1 => PlaceStyle::Short {
                            province: false,
                            city: true,
                        },
                        _ => PlaceStyle::Short {
                            province: true,
                            city: true,
                        },
                    },
                    5..8 => PlaceStyle::CityOnly {
                        short: rng.chance(0.5),
                    },
                    _ => PlaceStyle::Missing,
                }
            }
            Corruption::AddressMissing => d.address.missing = true,
            Corruption::AddressAbbreviated => {
                let address = &company.address;
                let mut options = vec![0];
                if address.district_short.is_some() {
                    options.push(1);
                }
                if address.unit.is_some() {
                    options.push(2);
                }
                match rng.pick(&options) {
                    0 => d.address.drop_district = true,
                    1 => d.address.short_district = true,
                    _ => d.address.drop_unit = true,
                }
            }
            Corruption::AddressFullWidth => d.address.full_width = true,
            Corruption::AddressPrefixed => d.address.prefix = Some(rng.chance(0.5)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

impl Company {
    fn homophone_positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.core
            .iter()
            .enumerate()
            .filter(|(_, c)| homophone(c.han).is_some())
            .map(|(index, _)| index)
    }

    fn render(&self, d: &Draft) -> Vec<Option<String>> {
        let (province, city) = self.place(d.place);
        vec![
            Some(self.name(d)),
            self.contact(d.contact),
            d.mobile.map(|format| self.mobile(format, d.mobile_typo)),
            self.landline
                .as_deref()
                .zip(d.landline.as_ref())
                .map(|(number, format)| self.landline(number, format)),
            self.email(&d.email),
            province,
            city,
            self.address(d.address),
        ]
    }

    fn name(&self, d: &Draft) -> String {
        if d.english {
            self.english_name(d)
        } else {
            self.han_name(d)
        }
    }

    fn han_name(&self, d: &Draft) -> String {
        let core: String = self
            .core
            .iter()
            .enumerate()
            .map(|(index, c)| match d.homophone {
                Some(at) if at == index => homophone(c.han).expect("chosen among homophones"),
                _ => c.han,
            })
            .collect();
        let mut parts = Vec::new();
        if let Some(with_industry) = d.short {
            parts.push(core);
            if with_industry {
                parts.push(self.industry.short.to_owned());
            }
        } else {
            match d.region {
                RegionStyle::Prefix => parts.push(self.city.name.to_owned()),
                RegionStyle::PrefixWithShi => parts.push(format!("{}市", self.city.name)),
                RegionStyle::Parenthesised | RegionStyle::Dropped => {}
            }
            parts.push(core);
            if !d.drop_industry {
                parts.push(self.industry.han.to_owned());
            }
            if let RegionStyle::Parenthesised = d.region {
                // Chinese names take full-width parentheses; the half-width ones come with
                // the rest of the sloppy typing.
                parts.push(if d.spacing.is_some() {
                    format!("({})", self.city.name)
                } else {
                    format!("（{}）", self.city.name)
                });
            }
            match d.legal {
                LegalStyle::Canonical => parts.push(self.legal.han.to_owned()),
                LegalStyle::Dropped => {}
                LegalStyle::Changed { han, .. } => {
                    parts.push(self.legal.han_alternatives[han].to_owned())
                }
            }
        }
        match d.spacing {
            None => parts.concat(),
            Some(spacing) if parts.len() == 1 => {
                let mut chars = parts[0].chars();
                let first = chars.next().expect("a core has two characters or more");
                format!("{first}{}{}", spacing.space, chars.as_str())
            }
            Some(spacing) => {
                let boundaries = parts.len() - 1;
                let mut name = String::new();
                for (index, part) in parts.iter().enumerate() {
                    if index > 0 && spacing.at.is_none_or(|at| at % boundaries == index - 1) {
                        name.push(spacing.space);
                    }
                    name.push_str(part);
                }
                name
            }
        }
    }

    fn english_name(&self, d: &Draft) -> String {
        let syllables: Vec<String> = self.core.iter().map(|c| capitalise(c.pinyin)).collect();
        let core = if d.spacing.is_some() {
            syllables.join(" ")
        } else {
            capitalise(&syllables.concat().to_lowercase())
        };
        let mut parts = Vec::new();
        if let Some(with_industry) = d.short {
            parts.push(core);
            if with_industry {
                parts.push(self.industry.english.to_owned());
            }
        } else {
            if let RegionStyle::Prefix | RegionStyle::PrefixWithShi = d.region {
                parts.push(self.city.pinyin.to_owned());
            }
            parts.push(core);
            if !d.drop_industry {
                parts.push(self.industry.english.to_owned());
            }
            if let RegionStyle::Parenthesised = d.region {
                parts.push(format!("({})", self.city.pinyin));
            }
            match d.legal {
                LegalStyle::Canonical => parts.push(self.legal.english.to_owned()),
                LegalStyle::Dropped => {}
                LegalStyle::Changed { english, .. } => {
                    parts.push(self.legal.english_alternatives[english].to_owned())
                }
            }
        }
        parts.join(" ")
    }

    fn contact(&self, style: ContactStyle) -> Option<String> {
        let Person { surname, given } = &self.contact;
        match style {
            ContactStyle::Canonical => Some(format!("{}{}", surname.han, given.han)),
            ContactStyle::Title(title) => Some(format!("{}{title}", surname.han)),
            ContactStyle::Romanised(NameOrder::Chinese) => {
                Some(format!("{} {}", surname.pinyin, given.pinyin))
            }
            ContactStyle::Romanised(NameOrder::Western) => {
                Some(format!("{} {}", given.pinyin, surname.pinyin))
            }
            ContactStyle::Romanised(NameOrder::Passport) => Some(format!(
                "{} {}",
                surname.pinyin.to_uppercase(),
                given.pinyin
            )),
            ContactStyle::Missing => None,
        }
    }

    fn mobile(&self, format: MobileFormat, typo: Option<(usize, char)>) -> String {
        let mut n = self.mobile.clone();
        if let Some((index, wrong)) = typo {
            n.replace_range(index..index + 1, wrong.encode_utf8(&mut [0; 4]));
        }
        let (a, b, c) = (&n[..3], &n[3..7], &n[7..]);
        match format {
            MobileFormat::Plain => n.clone(),
            MobileFormat::Dashed => format!("{a}-{b}-{c}"),
            MobileFormat::Spaced => format!("{a} {b} {c}"),
            MobileFormat::Plus86 => format!("+86 {a} {b} {c}"),
            MobileFormat::Zero086 => format!("0086 {n}"),
            MobileFormat::FullWidth => full_width_digits(&n),
        }
    }

    fn landline(&self, number: &str, format: &LandlineFormat) -> String {
        let code = self.city.area_code;
        match format {
            LandlineFormat::Dashed => format!("{code}-{number}"),
            LandlineFormat::Parenthesised => format!("({code}){number}"),
            LandlineFormat::Local => number.to_owned(),
            LandlineFormat::International => {
                let split = number.len() - 4;
                format!(
                    "+86 {} {} {}",
                    &code[1..],
                    &number[..split],
                    &number[split..]
                )
            }
            LandlineFormat::Extension(extension) => format!("{code}-{number}转{extension}"),
        }
    }

    fn email(&self, style: &EmailStyle) -> Option<String> {
        let email = self.email.as_deref()?;
        match style {
            EmailStyle::Canonical => Some(email.to_owned()),
            EmailStyle::Upper { whole } => {
                let (local, domain) = email.split_once('@').expect("an address has an @");
                Some(
                    if *whole || !local.chars().any(|c| c.is_ascii_alphabetic()) {
                        email.to_uppercase()
                    } else {
                        format!("{}@{domain}", local.to_uppercase())
                    },
                )
            }
            EmailStyle::Other(other) => Some(other.clone()),
            EmailStyle::Missing => None,
        }
    }

    fn place(&self, style: PlaceStyle) -> (Option<String>, Option<String>) {
        let city = self.city;
        let province = |short: bool| {
            Some(if short {
                city.province_short
            } else {
                city.province
            })
        };
        let city_name = |short: bool| {
            Some(if short {
                city.name.to_owned()
            } else {
                format!("{}市", city.name)
            })
        };
        let (province, city) = match style {
            PlaceStyle::Canonical => (province(false), city_name(false)),
            PlaceStyle::Short {
                province: p,
                city: c,
            } => (province(p), city_name(c)),
            PlaceStyle::CityOnly { short } => (None, city_name(short)),
            PlaceStyle::Missing => (None, None),
        };
        (province.map(str::to_owned), city)
    }

    fn address(&self, style: AddressStyle) -> Option<String> {
        if style.missing {
            return None;
        }
        let a = &self.address;
        let mut text = String::new();
        match style.prefix {
            Some(true) if self.city.province != format!("{}市", self.city.name) => {
                text.push_str(self.city.province);
                text.push_str(self.city.name);
                text.push('市');
            }
            Some(_) => {
                text.push_str(self.city.name);
                text.push('市');
            }
            None => {}
        }
        if !style.drop_district {
            match a.district_short {
                Some(short) if style.short_district => text.push_str(short),
                _ => text.push_str(a.district),
            }
        }
        text.push_str(&a.street);
        if let Some(unit) = a.unit.as_deref().filter(|_| !style.drop_unit) {
            text.push_str(unit);
        }
        Some(if style.full_width {
            full_width_digits(&text)
        } else {
            text
        })
    }
}

/// The homophone of a core character, if the table has one.
fn homophone(han: &str) -> Option<&'static str> {
    HOMOPHONES
        .iter()
        .find(|(from, _)| *from == han)
        .map(|(_, to)| *to)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// ASCII digits as their full-width forms (U+FF10..U+FF19), as Chinese input methods type them.
fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => {
                char::from_u32(0xFF10 + d).expect("full-width digits are chars")
            }
            _ => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tables.

/// A city where customers are.
struct City {
    /// Without 市: 「苏州」.
    name: &'static str,
    /// In full: 「江苏省」, 「北京市」, 「广西壮族自治区」.
    province: &'static str,
    /// As people say it: 「江苏」, 「北京」, 「广西」.
    province_short: &'static str,
    area_code: &'static str,
    subscriber_digits: usize,
    /// In English: `Suzhou`.
    pinyin: &'static str,
    /// Two real districts.
    districts: [&'static str; 2],
    weight: u32,
}

const fn city(
    name: &'static str,
    province: &'static str,
    province_short: &'static str,
    area_code: &'static str,
    pinyin: &'static str,
    districts: [&'static str; 2],
    weight: u32,
) -> City {
    City {
        name,
        province,
        province_short,
        area_code,
        subscriber_digits: 8,
        pinyin,
        districts,
        weight,
    }
}

/// A city where 7-digit subscriber numbers remain.
const fn seven_digit(city: City) -> City {
    City {
        subscriber_digits: 7,
        ..city
    }
}

#[rustfmt::skip]
const CITIES: &[City] = &[
    city("北京", "北京市", "北京", "010", "Beijing", ["朝阳区", "海淀区"], 6),
    city("上海", "上海市", "上海", "021", "Shanghai", ["浦东新区", "闵行区"], 6),
    city("广州", "广东省", "广东", "020", "Guangzhou", ["天河区", "黄埔区"], 6),
    city("深圳", "广东省", "广东", "0755", "Shenzhen", ["南山区", "宝安区"], 6),
    city("天津", "天津市", "天津", "022", "Tianjin", ["滨海新区", "西青区"], 3),
    city("重庆", "重庆市", "重庆", "023", "Chongqing", ["渝北区", "九龙坡区"], 3),
    city("杭州", "浙江省", "浙江", "0571", "Hangzhou", ["西湖区", "滨江区"], 3),
    city("苏州", "江苏省", "江苏", "0512", "Suzhou", ["吴中区", "相城区"], 3),
    city("南京", "江苏省", "江苏", "025", "Nanjing", ["江宁区", "鼓楼区"], 3),
    city("成都", "四川省", "四川", "028", "Chengdu", ["武侯区", "锦江区"], 3),
    city("武汉", "湖北省", "湖北", "027", "Wuhan", ["洪山区", "江汉区"], 3),
    city("西安", "陕西省", "陕西", "029", "Xi'an", ["雁塔区", "未央区"], 3),
    city("长沙", "湖南省", "湖南", "0731", "Changsha", ["岳麓区", "雨花区"], 3),
    city("郑州", "河南省", "河南", "0371", "Zhengzhou", ["金水区", "中原区"], 3),
    city("青岛", "山东省", "山东", "0532", "Qingdao", ["市南区", "黄岛区"], 3),
    city("宁波", "浙江省", "浙江", "0574", "Ningbo", ["鄞州区", "北仑区"], 3),
    city("东莞", "广东省", "广东", "0769", "Dongguan", ["南城街道", "长安镇"], 3),
    city("佛山", "广东省", "广东", "0757", "Foshan", ["顺德区", "南海区"], 3),
    city("合肥", "安徽省", "安徽", "0551", "Hefei", ["蜀山区", "包河区"], 3),
    city("厦门", "福建省", "福建", "0592", "Xiamen", ["思明区", "湖里区"], 1),
    city("济南", "山东省", "山东", "0531", "Jinan", ["历下区", "槐荫区"], 1),
    city("沈阳", "辽宁省", "辽宁", "024", "Shenyang", ["和平区", "浑南区"], 1),
    city("大连", "辽宁省", "辽宁", "0411", "Dalian", ["甘井子区", "中山区"], 1),
    city("无锡", "江苏省", "江苏", "0510", "Wuxi", ["滨湖区", "新吴区"], 1),
    city("福州", "福建省", "福建", "0591", "Fuzhou", ["鼓楼区", "仓山区"], 1),
    city("昆明", "云南省", "云南", "0871", "Kunming", ["五华区", "官渡区"], 1),
    city("哈尔滨", "黑龙江省", "黑龙江", "0451", "Harbin", ["南岗区", "道里区"], 1),
    city("长春", "吉林省", "吉林", "0431", "Changchun", ["朝阳区", "南关区"], 1),
    city("石家庄", "河北省", "河北", "0311", "Shijiazhuang", ["长安区", "裕华区"], 1),
    city("太原", "山西省", "山西", "0351", "Taiyuan", ["小店区", "迎泽区"], 1),
    city("南昌", "江西省", "江西", "0791", "Nanchang", ["红谷滩区", "西湖区"], 1),
    city("南宁", "广西壮族自治区", "广西", "0771", "Nanning", ["青秀区", "西乡塘区"], 1),
    city("贵阳", "贵州省", "贵州", "0851", "Guiyang", ["南明区", "观山湖区"], 1),
    city("兰州", "甘肃省", "甘肃", "0931", "Lanzhou", ["城关区", "七里河区"], 1),
    city("乌鲁木齐", "新疆维吾尔自治区", "新疆", "0991", "Urumqi", ["天山区", "沙依巴克区"], 1),
    city("呼和浩特", "内蒙古自治区", "内蒙古", "0471", "Hohhot", ["新城区", "赛罕区"], 1),
    seven_digit(city("银川", "宁夏回族自治区", "宁夏", "0951", "Yinchuan", ["金凤区", "兴庆区"], 1)),
    seven_digit(city("西宁", "青海省", "青海", "0971", "Xining", ["城西区", "城东区"], 1)),
    city("海口", "海南省", "海南", "0898", "Haikou", ["龙华区", "美兰区"], 1),
    seven_digit(city("拉萨", "西藏自治区", "西藏", "0891", "Lhasa", ["城关区", "堆龙德庆区"], 1)),
    city("温州", "浙江省", "浙江", "0577", "Wenzhou", ["鹿城区", "瓯海区"], 1),
    city("绍兴", "浙江省", "浙江", "0575", "Shaoxing", ["越城区", "柯桥区"], 1),
    city("嘉兴", "浙江省", "浙江", "0573", "Jiaxing", ["南湖区", "秀洲区"], 1),
    city("金华", "浙江省", "浙江", "0579", "Jinhua", ["婺城区", "金东区"], 1),
    city("台州", "浙江省", "浙江", "0576", "Taizhou", ["椒江区", "黄岩区"], 1),
    city("湖州", "浙江省", "浙江", "0572", "Huzhou", ["吴兴区", "南浔区"], 1),
    city("常州", "江苏省", "江苏", "0519", "Changzhou", ["武进区", "新北区"], 1),
    city("南通", "江苏省", "江苏", "0513", "Nantong", ["崇川区", "通州区"], 1),
    city("徐州", "江苏省", "江苏", "0516", "Xuzhou", ["鼓楼区", "云龙区"], 1),
    city("扬州", "江苏省", "江苏", "0514", "Yangzhou", ["邗江区", "广陵区"], 1),
    city("镇江", "江苏省", "江苏", "0511", "Zhenjiang", ["京口区", "润州区"], 1),
    city("烟台", "山东省", "山东", "0535", "Yantai", ["芝罘区", "莱山区"], 1),
    city("潍坊", "山东省", "山东", "0536", "Weifang", ["奎文区", "潍城区"], 1),
    city("临沂", "山东省", "山东", "0539", "Linyi", ["兰山区", "河东区"], 1),
    city("淄博", "山东省", "山东", "0533", "Zibo", ["张店区", "淄川区"], 1),
    city("威海", "山东省", "山东", "0631", "Weihai", ["环翠区", "文登区"], 1),
    city("泉州", "福建省", "福建", "0595", "Quanzhou", ["丰泽区", "鲤城区"], 1),
    city("珠海", "广东省", "广东", "0756", "Zhuhai", ["香洲区", "金湾区"], 1),
    city("中山", "广东省", "广东", "0760", "Zhongshan", ["石岐街道", "东区街道"], 1),
    city("惠州", "广东省", "广东", "0752", "Huizhou", ["惠城区", "惠阳区"], 1),
    city("汕头", "广东省", "广东", "0754", "Shantou", ["龙湖区", "金平区"], 1),
    city("江门", "广东省", "广东", "0750", "Jiangmen", ["蓬江区", "江海区"], 1),
    city("洛阳", "河南省", "河南", "0379", "Luoyang", ["洛龙区", "西工区"], 1),
    city("芜湖", "安徽省", "安徽", "0553", "Wuhu", ["镜湖区", "鸠江区"], 1),
    city("唐山", "河北省", "河北", "0315", "Tangshan", ["路北区", "路南区"], 1),
    city("保定", "河北省", "河北", "0312", "Baoding", ["竞秀区", "莲池区"], 1),
    seven_digit(city("绵阳", "四川省", "四川", "0816", "Mianyang", ["涪城区", "游仙区"], 1)),
    seven_digit(city("宜昌", "湖北省", "湖北", "0717", "Yichang", ["西陵区", "伍家岗区"], 1)),
    seven_digit(city("襄阳", "湖北省", "湖北", "0710", "Xiangyang", ["樊城区", "襄城区"], 1)),
    city("柳州", "广西壮族自治区", "广西", "0772", "Liuzhou", ["城中区", "鱼峰区"], 1),
    seven_digit(city("桂林", "广西壮族自治区", "广西", "0773", "Guilin", ["七星区", "象山区"], 1)),
    city("赣州", "江西省", "江西", "0797", "Ganzhou", ["章贡区", "南康区"], 1),
];

/// Development zones, with the short forms people use.
const ZONES: &[(&str, &str)] = &[
    ("高新技术产业开发区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("工业园区", "园区"),
];

const ROADS: &[&str] = &[
    "星湖", "人民", "建设", "中山", "解放", "科技", "创新", "长江", "黄河", "滨江", "学府", "金融",
    "和平", "文化", "新华", "东风", "朝阳", "迎宾", "工业", "光明", "青年", "胜利", "幸福", "振兴",
    "锦绣", "紫荆", "银杏", "香樟", "兴业", "发展",
];

const ROAD_SUFFIXES: &[(&str, u32)] = &[
    ("路", 5),
    ("大道", 2),
    ("街", 2),
    ("东路", 1),
    ("西路", 1),
    ("南路", 1),
    ("北路", 1),
    ("大街", 1),
];

/// A character brand cores are made of, with its toneless pinyin.
struct CoreChar {
    han: &'static str,
    pinyin: &'static str,
}

const fn core_char(han: &'static str, pinyin: &'static str) -> CoreChar {
    CoreChar { han, pinyin }
}

#[rustfmt::skip]
const CORE_CHARS: &[CoreChar] = &[
    core_char("华", "hua"), core_char("恒", "heng"), core_char("瑞", "rui"),
    core_char("博", "bo"), core_char("创", "chuang"), core_char("远", "yuan"),
    core_char("达", "da"), core_char("信", "xin"), core_char("海", "hai"),
    core_char("鼎", "ding"), core_char("盛", "sheng"), core_char("新", "xin"),
    core_char("源", "yuan"), core_char("泰", "tai"), core_char("金", "jin"),
    core_char("通", "tong"), core_char("宏", "hong"), core_char("联", "lian"),
    core_char("科", "ke"), core_char("智", "zhi"), core_char("嘉", "jia"),
    core_char("润", "run"), core_char("安", "an"), core_char("丰", "feng"),
    core_char("德", "de"), core_char("汇", "hui"), core_char("隆", "long"),
    core_char("星", "xing"), core_char("天", "tian"), core_char("美", "mei"),
    core_char("讯", "xun"), core_char("凯", "kai"), core_char("伟", "wei"),
    core_char("立", "li"), core_char("诚", "cheng"), core_char("永", "yong"),
    core_char("佳", "jia"), core_char("腾", "teng"), core_char("宇", "yu"),
    core_char("锦", "jin"), core_char("晟", "sheng"), core_char("奥", "ao"),
    core_char("康", "kang"), core_char("弘", "hong"), core_char("力", "li"),
    core_char("明", "ming"), core_char("辰", "chen"), core_char("拓", "tuo"),
    core_char("昊", "hao"), core_char("睿", "rui"), core_char("英", "ying"),
    core_char("亿", "yi"),
];

/// Same toneless pinyin, typed by mistake or by another input method's first choice.
#[rustfmt::skip]
const HOMOPHONES: &[(&str, &str)] = &[
    ("华", "化"), ("恒", "衡"), ("瑞", "锐"), ("博", "搏"), ("创", "闯"), ("远", "苑"),
    ("达", "大"), ("信", "鑫"), ("海", "亥"), ("鼎", "顶"), ("盛", "胜"), ("新", "欣"),
    ("源", "元"), ("泰", "太"), ("金", "今"), ("通", "同"), ("宏", "鸿"), ("联", "连"),
    ("科", "可"), ("智", "志"), ("嘉", "家"), ("润", "闰"), ("安", "岸"), ("丰", "风"),
    ("德", "得"), ("汇", "惠"), ("隆", "龙"), ("星", "兴"), ("天", "添"), ("美", "每"),
    ("讯", "迅"), ("凯", "恺"), ("伟", "威"), ("立", "丽"), ("诚", "成"), ("永", "勇"),
    ("佳", "加"), ("腾", "藤"), ("宇", "雨"), ("锦", "劲"), ("晟", "声"), ("奥", "傲"),
    ("康", "慷"), ("弘", "洪"), ("力", "利"), ("明", "鸣"), ("辰", "晨"), ("拓", "托"),
    ("昊", "浩"), ("睿", "蕊"), ("英", "鹰"), ("亿", "易"),
];

/// An industry word, its short form in short names, and its English term.
struct Industry {
    han: &'static str,
    short: &'static str,
    english: &'static str,
}

const fn industry(han: &'static str, short: &'static str, english: &'static str) -> Industry {
    Industry {
        han,
        short,
        english,
    }
}

const INDUSTRIES: &[Industry] = &[
    industry("科技", "科技", "Technology"),
    industry("精密机械", "精机", "Precision Machinery"),
    industry("物流", "物流", "Logistics"),
    industry("医疗器械", "医疗", "Medical Devices"),
    industry("软件", "软件", "Software"),
    industry("电子", "电子", "Electronics"),
    industry("新材料", "新材", "New Materials"),
    industry("建设工程", "建工", "Construction Engineering"),
    industry("贸易", "贸易", "Trading"),
    industry("食品", "食品", "Foods"),
    industry("环保", "环保", "Environmental Protection"),
    industry("汽车零部件", "汽配", "Auto Parts"),
    industry("信息技术", "信息", "Information Technology"),
    industry("生物科技", "生物", "Biotechnology"),
    industry("化工", "化工", "Chemical"),
    industry("机电设备", "机电", "Electromechanical Equipment"),
    industry("网络科技", "网络", "Network Technology"),
    industry("光电", "光电", "Optoelectronics"),
    industry("包装材料", "包装", "Packaging Materials"),
    industry("实业", "实业", "Industrial"),
];

/// A legal form with what a salesperson may write instead.
struct Legal {
    han: &'static str,
    english: &'static str,
    weight: u32,
    han_alternatives: &'static [&'static str],
    english_alternatives: &'static [&'static str],
}

/// Ordinary forms stay ordinary and a group stays a group when changed.
const ORDINARY_ENGLISH: &[&str] = &["Company Limited", "Ltd.", "CO.,LTD"];

const LEGAL_FORMS: &[Legal] = &[
    Legal {
        han: "有限公司",
        english: "Co., Ltd.",
        weight: 60,
        han_alternatives: &["有限责任公司", "股份有限公司", "公司"],
        english_alternatives: ORDINARY_ENGLISH,
    },
    Legal {
        han: "有限责任公司",
        english: "Co., Ltd.",
        weight: 15,
        han_alternatives: &["有限公司", "股份有限公司", "公司"],
        english_alternatives: ORDINARY_ENGLISH,
    },
    Legal {
        han: "股份有限公司",
        english: "Co., Ltd.",
        weight: 15,
        han_alternatives: &["有限公司", "有限责任公司", "公司"],
        english_alternatives: ORDINARY_ENGLISH,
    },
    Legal {
        han: "集团有限公司",
        english: "Group Co., Ltd.",
        weight: 10,
        han_alternatives: &["集团", "集团公司", "集团股份有限公司"],
        english_alternatives: &["Group"],
    },
];

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
    "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193",
    "195", "196", "197", "198", "199",
];

struct Surname {
    han: &'static str,
    pinyin: &'static str,
    /// Per 10,000 people, approximately.
    weight: u32,
}

const fn surname(han: &'static str, pinyin: &'static str, weight: u32) -> Surname {
    Surname {
        han,
        pinyin,
        weight,
    }
}

#[rustfmt::skip]
const SURNAMES: &[Surname] = &[
    surname("王", "Wang", 712), surname("李", "Li", 700), surname("张", "Zhang", 674),
    surname("刘", "Liu", 538), surname("陈", "Chen", 453), surname("杨", "Yang", 308),
    surname("赵", "Zhao", 229), surname("黄", "Huang", 223), surname("周", "Zhou", 212),
    surname("吴", "Wu", 205), surname("徐", "Xu", 167), surname("孙", "Sun", 154),
    surname("胡", "Hu", 131), surname("朱", "Zhu", 126), surname("高", "Gao", 121),
    surname("林", "Lin", 118), surname("何", "He", 117), surname("郭", "Guo", 115),
    surname("马", "Ma", 105), surname("罗", "Luo", 86), surname("梁", "Liang", 82),
    surname("宋", "Song", 80), surname("郑", "Zheng", 78), surname("谢", "Xie", 68),
    surname("韩", "Han", 65), surname("唐", "Tang", 62), surname("冯", "Feng", 61),
    surname("于", "Yu", 60), surname("董", "Dong", 60), surname("肖", "Xiao", 58),
    surname("程", "Cheng", 57), surname("曹", "Cao", 57), surname("袁", "Yuan", 54),
    surname("邓", "Deng", 53), surname("许", "Xu", 53), surname("傅", "Fu", 49),
    surname("沈", "Shen", 49), surname("曾", "Zeng", 49), surname("彭", "Peng", 48),
    surname("吕", "Lyu", 47), surname("苏", "Su", 46), surname("卢", "Lu", 46),
    surname("蒋", "Jiang", 46), surname("蔡", "Cai", 46), surname("贾", "Jia", 42),
    surname("丁", "Ding", 41), surname("魏", "Wei", 40), surname("薛", "Xue", 39),
    surname("叶", "Ye", 39), surname("阎", "Yan", 38), surname("余", "Yu", 38),
    surname("潘", "Pan", 37), surname("杜", "Du", 37), surname("戴", "Dai", 35),
    surname("夏", "Xia", 34), surname("钟", "Zhong", 33), surname("汪", "Wang", 33),
    surname("田", "Tian", 32), surname("任", "Ren", 32), surname("姜", "Jiang", 31),
    surname("范", "Fan", 31), surname("方", "Fang", 30), surname("石", "Shi", 29),
    surname("姚", "Yao", 29), surname("谭", "Tan", 28), surname("廖", "Liao", 27),
    surname("邹", "Zou", 27), surname("熊", "Xiong", 26), surname("金", "Jin", 26),
    surname("陆", "Lu", 25),
];

struct GivenName {
    han: &'static str,
    pinyin: &'static str,
    male: bool,
    weight: u32,
}

const fn male(han: &'static str, pinyin: &'static str, weight: u32) -> GivenName {
    GivenName {
        han,
        pinyin,
        male: true,
        weight,
    }
}

const fn female(han: &'static str, pinyin: &'static str, weight: u32) -> GivenName {
    GivenName {
        han,
        pinyin,
        male: false,
        weight,
    }
}

#[rustfmt::skip]
const GIVEN_NAMES: &[GivenName] = &[
    male("伟", "Wei", 6), male("强", "Qiang", 4), male("磊", "Lei", 4), male("军", "Jun", 4),
    male("洋", "Yang", 3), male("勇", "Yong", 3), male("杰", "Jie", 3), male("涛", "Tao", 3),
    male("明", "Ming", 3), male("超", "Chao", 3), male("刚", "Gang", 2), male("平", "Ping", 2),
    male("辉", "Hui", 2), male("鹏", "Peng", 2), male("斌", "Bin", 2), male("建华", "Jianhua", 2),
    male("建国", "Jianguo", 1), male("志强", "Zhiqiang", 1), male("晓东", "Xiaodong", 1),
    male("浩然", "Haoran", 1), male("宇航", "Yuhang", 1), male("文博", "Wenbo", 1),
    male("建军", "Jianjun", 1), male("国强", "Guoqiang", 1), male("晓明", "Xiaoming", 1),
    male("俊杰", "Junjie", 1),
    female("芳", "Fang", 5), female("娜", "Na", 4), female("敏", "Min", 4), female("静", "Jing", 4),
    female("丽", "Li", 3), female("艳", "Yan", 3), female("娟", "Juan", 3), female("秀英", "Xiuying", 3),
    female("霞", "Xia", 2), female("桂英", "Guiying", 2), female("玲", "Ling", 2), female("红", "Hong", 2),
    female("慧", "Hui", 2), female("颖", "Ying", 2), female("海燕", "Haiyan", 1), female("丽华", "Lihua", 1),
    female("欣怡", "Xinyi", 1), female("春梅", "Chunmei", 1), female("秀兰", "Xiulan", 1),
    female("婷婷", "Tingting", 1),
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn small() -> SynthConfig {
        SynthConfig {
            entities: 300,
            ..SynthConfig::default()
        }
    }

    /// 苏州恒瑞精密机械有限公司 with 张伟, the example of the module documentation.
    fn hengrui() -> Company {
        let core_char = |han| CORE_CHARS.iter().find(|c| c.han == han).unwrap();
        Company {
            city: CITIES.iter().find(|c| c.name == "苏州").unwrap(),
            core: vec![core_char("恒"), core_char("瑞")],
            industry: INDUSTRIES.iter().find(|i| i.han == "精密机械").unwrap(),
            legal: &LEGAL_FORMS[0],
            contact: Person {
                surname: SURNAMES.iter().find(|s| s.han == "张").unwrap(),
                given: GIVEN_NAMES.iter().find(|g| g.han == "伟").unwrap(),
            },
            mobile: "13812345678".into(),
            landline: Some("66881234".into()),
            email: Some("zhangwei@hengrui.com".into()),
            address: Address {
                district: "工业园区",
                district_short: Some("园区"),
                street: "星湖街328号".into(),
                unit: None,
            },
        }
    }

    fn name(draft: impl FnOnce(&mut Draft)) -> String {
        let mut d = Draft::canonical();
        draft(&mut d);
        hengrui().render(&d)[0].clone().unwrap()
    }

    #[test]
    fn same_config_same_dataset_and_seed_matters() {
        let a = generate(&small());
        assert_eq!(a, generate(&small()));
        let b = generate(&SynthConfig { seed: 7, ..small() });
        assert_ne!(a.rows, b.rows);
        assert_eq!(a.headers, HEADERS);
        assert!(a.rows.iter().all(|row| row.len() == HEADERS.len()));
        assert_eq!(a.rows.len(), a.entity.len());
    }

    #[test]
    fn entities_are_a_prefix_of_larger_datasets_and_ignore_duplicate_settings() {
        let canonical = |config: &SynthConfig| {
            let (_, companies) = entities(config);
            companies
                .iter()
                .map(|c| c.render(&Draft::canonical()))
                .collect::<Vec<_>>()
        };
        let small = canonical(&small());
        let large = canonical(&SynthConfig {
            entities: 600,
            duplicate_share: 0.9,
            ..SynthConfig::default()
        });
        assert_eq!(small[..], large[..small.len()]);
    }

    #[test]
    fn every_entity_is_present_and_the_duplicate_share_holds() {
        let config = SynthConfig::default();
        let data = generate(&config);
        let mut per_entity: HashMap<u64, usize> = HashMap::new();
        for &entity in &data.entity {
            *per_entity.entry(entity).or_default() += 1;
        }
        assert_eq!(per_entity.len(), config.entities);
        assert!((0..config.entities as u64).all(|e| per_entity.contains_key(&e)));
        let duplicated = per_entity.values().filter(|&&n| n > 1).count();
        assert_eq!(duplicated, 400);
        assert!(
            per_entity
                .values()
                .all(|&n| n <= 1 + config.duplicates_per_entity_max)
        );
        // 1 to 4 extra rows, 2.5 on average.
        let extra = data.rows.len() - config.entities;
        assert!((900..=1100).contains(&extra), "{extra} extra rows");
    }

    #[test]
    fn degenerate_configs() {
        let empty = generate(&SynthConfig {
            entities: 0,
            ..SynthConfig::default()
        });
        assert!(empty.rows.is_empty() && empty.entity.is_empty());
        assert_eq!(empty.headers.len(), 8);
        for (share, max, rows) in [
            (f64::NAN, 4, 50),
            (0.5, 0, 50),
            (-1.0, 4, 50),
            (2.0, 1, 100),
        ] {
            let data = generate(&SynthConfig {
                entities: 50,
                duplicates_per_entity_max: max,
                duplicate_share: share,
                seed: 1,
            });
            assert_eq!(data.rows.len(), rows, "share {share}, max {max}");
        }
    }

    #[test]
    fn every_duplicate_differs_from_its_canonical_row() {
        let config = SynthConfig::default();
        let (mut generator, companies) = entities(&config);
        let rows = rows(&config, &mut generator, &companies);
        let mut canonical: HashMap<u64, &Vec<Option<String>>> = HashMap::new();
        let mut duplicates = 0;
        for row in &rows {
            match canonical.get(&row.entity) {
                None => {
                    canonical.insert(row.entity, &row.cells);
                }
                Some(first) => {
                    duplicates += 1;
                    assert_ne!(*first, &row.cells, "entity {}", row.entity);
                }
            }
        }
        assert!(duplicates > 900);
    }

    #[test]
    fn brands_recur_across_cities_as_different_entities() {
        let (_, companies) = entities(&SynthConfig::default());
        let mut cities: HashMap<String, HashSet<&str>> = HashMap::new();
        for company in &companies {
            let fresh = cities
                .entry(core_text(&company.core))
                .or_default()
                .insert(company.city.name);
            assert!(fresh, "a brand twice in one city");
        }
        let recurring = cities.values().filter(|c| c.len() >= 2).count();
        assert!(recurring >= 30, "{recurring} recurring brands");
        assert!(
            cities.values().any(|c| c.len() >= 3),
            "no brand in several cities"
        );
        // Same brand and industry, different city: 北京华恒科技 and 上海华恒科技.
        let same_industry = companies.iter().enumerate().any(|(i, a)| {
            companies[..i].iter().any(|b| {
                core_text(&a.core) == core_text(&b.core) && a.industry.han == b.industry.han
            })
        });
        assert!(same_industry);
    }

    #[test]
    fn common_contact_names_recur_across_entities() {
        let (_, companies) = entities(&SynthConfig::default());
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for company in &companies {
            let name = format!(
                "{}{}",
                company.contact.surname.han, company.contact.given.han
            );
            *by_name.entry(name).or_default() += 1;
        }
        assert!(by_name.values().any(|&n| n >= 2));
        assert!(by_name["张伟"] >= 2 || by_name["王伟"] >= 2 || by_name["李伟"] >= 2);
    }

    #[test]
    fn names_phones_and_emails_are_unique_per_entity() {
        let (_, companies) = entities(&SynthConfig {
            entities: 3000,
            ..SynthConfig::default()
        });
        let canonical: Vec<_> = companies
            .iter()
            .map(|c| c.render(&Draft::canonical()))
            .collect();
        for column in [0, 2, 3, 4] {
            let values: Vec<&String> = canonical
                .iter()
                .filter_map(|r| r[column].as_ref())
                .collect();
            let distinct: HashSet<&String> = values.iter().copied().collect();
            assert_eq!(distinct.len(), values.len(), "column {}", HEADERS[column]);
        }
        for company in &companies {
            assert!(!CITIES.iter().any(|c| c.name == core_text(&company.core)));
        }
    }

    #[test]
    fn homophones_never_land_in_the_core_pool() {
        for (from, to) in HOMOPHONES {
            assert!(CORE_CHARS.iter().any(|c| c.han == *from), "{from}");
            assert!(!CORE_CHARS.iter().any(|c| c.han == *to), "{to}");
        }
        assert_eq!(name(|d| d.homophone = Some(0)), "苏州衡瑞精密机械有限公司");
    }

    #[test]
    fn documented_renderings() {
        assert_eq!(name(|_| {}), "苏州恒瑞精密机械有限公司");
        assert_eq!(
            name(|d| d.region = RegionStyle::Parenthesised),
            "恒瑞精密机械（苏州）有限公司"
        );
        assert_eq!(
            name(|d| d.english = true),
            "Suzhou Hengrui Precision Machinery Co., Ltd."
        );
        assert_eq!(
            name(|d| {
                d.english = true;
                d.region = RegionStyle::Parenthesised;
            }),
            "Hengrui Precision Machinery (Suzhou) Co., Ltd."
        );
        assert_eq!(name(|d| d.short = Some(true)), "恒瑞精机");
        assert_eq!(
            name(|d| {
                d.short = Some(false);
                d.spacing = Some(Spacing {
                    space: ' ',
                    at: None,
                });
            }),
            "恒 瑞"
        );
        assert_eq!(
            name(|d| {
                d.region = RegionStyle::Parenthesised;
                d.spacing = Some(Spacing {
                    space: '\u{3000}',
                    at: Some(1),
                });
            }),
            "恒瑞精密机械　(苏州)有限公司"
        );
        let company = hengrui();
        let mobile = |format| company.mobile(format, None);
        assert_eq!(mobile(MobileFormat::Plus86), "+86 138 1234 5678");
        assert_eq!(mobile(MobileFormat::Zero086), "0086 13812345678");
        assert_eq!(mobile(MobileFormat::FullWidth), "１３８１２３４５６７８");
        assert_eq!(
            company.mobile(MobileFormat::Dashed, Some((4, '9'))),
            "138-1934-5678"
        );
        let landline = |format| company.landline("66881234", &format);
        assert_eq!(landline(LandlineFormat::Parenthesised), "(0512)66881234");
        assert_eq!(landline(LandlineFormat::International), "+86 512 6688 1234");
        assert_eq!(
            landline(LandlineFormat::Extension("8001".into())),
            "0512-66881234转8001"
        );
        assert_eq!(
            company.render(&Draft::canonical())[1..],
            [
                Some("张伟".into()),
                Some("13812345678".into()),
                Some("0512-66881234".into()),
                Some("zhangwei@hengrui.com".into()),
                Some("江苏省".into()),
                Some("苏州市".into()),
                Some("工业园区星湖街328号".into()),
            ]
        );
        let address = |style| company.address(style).unwrap();
        assert_eq!(
            address(AddressStyle {
                short_district: true,
                full_width: true,
                ..AddressStyle::default()
            }),
            "园区星湖街３２８号"
        );
        assert_eq!(
            address(AddressStyle {
                prefix: Some(true),
                ..AddressStyle::default()
            }),
            "江苏省苏州市工业园区星湖街328号"
        );
    }

    /// The "rows" column of the table in the module documentation, which this keeps honest.
    const DOCUMENTED_RATES: [(Corruption, f64); 21] = [
        (Corruption::NameRegion, 0.24),
        (Corruption::NameLegalForm, 0.20),
        (Corruption::NameIndustry, 0.15),
        (Corruption::NameEnglish, 0.08),
        (Corruption::NameShort, 0.13),
        (Corruption::NameSpacing, 0.10),
        (Corruption::NameHomophone, 0.08),
        (Corruption::Contact, 0.20),
        (Corruption::MobileFormat, 0.20),
        (Corruption::MobileTypo, 0.06),
        (Corruption::MobileMissing, 0.10),
        (Corruption::LandlineFormat, 0.13),
        (Corruption::LandlineMissing, 0.09),
        (Corruption::EmailCase, 0.07),
        (Corruption::EmailOther, 0.07),
        (Corruption::EmailMissing, 0.09),
        (Corruption::Place, 0.15),
        (Corruption::AddressMissing, 0.11),
        (Corruption::AddressAbbreviated, 0.10),
        (Corruption::AddressFullWidth, 0.08),
        (Corruption::AddressPrefixed, 0.06),
    ];

    #[test]
    fn corruption_rates_match_the_documentation() {
        let (_, companies) = entities(&SynthConfig::default());
        let mut rng = Rng::new(0, Stream::Duplicates);
        let draws = 20_000;
        let mut counts = vec![0usize; CORRUPTIONS.len()];
        let mut total = 0;
        for i in 0..draws {
            for corruption in draw_corruptions(&mut rng, &companies[i % companies.len()]) {
                counts[CORRUPTIONS.iter().position(|c| c.0 == corruption).unwrap()] += 1;
                total += 1;
            }
        }
        for ((corruption, documented), count) in DOCUMENTED_RATES.iter().zip(&counts) {
            let rate = *count as f64 / draws as f64;
            println!("{corruption:?} {rate:.3}");
            assert!(
                (rate - documented).abs() < 0.01,
                "{corruption:?}: {rate:.3}"
            );
        }
        println!("mean {:.2}", total as f64 / draws as f64);
    }
}
