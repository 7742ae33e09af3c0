#!/usr/bin/env python3
"""Generate a duplicate-detection benchmark CSV with ground truth, in one of three families.

    python3 scripts/gen_dedup_family.py --family {cn,en,person} --records N \
        --dup-share P --seed S OUT.csv

This generator is deliberately independent of the engine's own generator
(crm-core/src/dedup/synth.rs): its pools, rates and corruptions are its own, so a matcher
tuned on one can be checked for overfitting on the other. Python 3.11, standard library only.

Output
======
UTF-8 CSV (no BOM, "\\n" line ends) with a header line; the family's columns are followed by
`entity_id`, the ground-truth label: rows with equal `entity_id` describe the same real-world
entity, rows with different ones never do (however similar they look). Empty cells are
missing values. A one-line summary goes to stderr:
`family=.. rows=.. entities=.. duplicated_entities=.. true_pairs=.. seconds=..`.

Size, duplicates and order
--------------------------
* `--records N` (5,000 .. 1,000,000) is the approximate number of rows. The number of
  entities is E = round(N / (1 + P * 1.6)), 1.6 being the mean number of extra rows of a
  duplicated entity.
* `--dup-share P` (0 .. 1; the benchmark uses 0.01, 0.03, 0.10, 0.30) is the share of
  entities that get extra rows: exactly round(P * E) entities, drawn uniformly, get 1 (55%),
  2 (30%) or 3 (15%) extra rows. true_pairs = sum over entities of C(rows, 2).
* Every row of an entity (its first row included) is rendered from the same canonical entity
  with per-row "ambient" variation (formats, forms, occasional missing cells, as different
  salespeople would type it); extra rows additionally get 1 (30%), 2 (35%), 3 (25%) or
  4 (10%) distinct corruptions drawn by weight from the family's corruption table. The
  first row is not privileged: nothing marks the "original". A corruption that does not
  apply falls back to a related one, or changes nothing when its field is already empty
  (so ~0.2% of true pairs are exact repeats, as re-entered rows are).
* Row order is a uniform shuffle of all (entity, row) keys, so duplicates are scattered.

Determinism and memory
----------------------
Output is a pure function of (family, records, dup-share, seed), whatever PYTHONHASHSEED.
`random.Random(seed)` draws the plan (which entities are duplicated, how many extra rows,
row order, number-scrambling offsets). Each entity is drawn from its own stream
`Random(f(seed, entity, draw))` and each row's variation from `Random(f(seed, entity, row))`,
so rows are generated on demand in shuffled order and streamed out. The fixed "world" pools
(synthetic names, suburbs, streets) come from fixed seeds and are the same for every run.
Memory at 1M rows: the shuffled key list (~40 MB) and, for cn and en, the digests of the
uniqueness pass below (~250 MB peak in all; person ~75 MB). 1M rows take about 30 s
(person) to 90 s (en) on one core.

Relations between entities (branches, namesakes, job changes, households) point from
entity e to a "parent" drawn uniformly from the entities before it (0 .. e-1), whose
canonical record is regenerated from its stream; so relations never form cycles and "old"
entities collect more relatives. Identifiers that must be unique per entity (Chinese mobile
suffixes and landline numbers, US phone numbers, social security ids) come from an affine
bijection of the entity index, so two entities never share one unless a rule below says so
(a digit typo can still hit another entity's number, as in real data).

Uniqueness pass (cn, en). Legal names and mail domains belong to one company, as registrars
see to in real life. Before any row is written, the entities are drawn in index order:
one whose company name (cn: exact name; en: name ignoring case) is already taken is drawn
again from its next stream (at 1M rows ~1% of cn entities and ~25% of en ones, whose names
concentrate on "<word> Solutions Inc."), unless it may repeat its parent's name (a branch,
or the en same-name namesake). A company other than a branch whose domain is taken keeps
its draw and takes the first free fallback domain, same TLD (cn, for 北京华信科技: <base>bj,
huaxinkeji, huaxin-tech, bjhuaxinkj, huaxinkejibj, bj-huaxinkeji, huaxinchina,
huaxinkejigroup, then huaxinkeji2, 3, ...; en, for Acme Logistics in Dallas: <base>tx,
acmelogistics, acme-logistics, acmelogisticstx, acme-dallas, acmelogistics-dallas,
getacmelogistics, acmelogisticshq, acmedallaslogistics, theacmelogistics, then
acmelogistics2, ...): about a third of the companies at 1M rows.

Common name pools are Zipf-like: the k-th of the n real names has weight k**-s with s
solved so that the top name has the stated share of draws; where stated, a synthetic tail
shares a further fixed mass uniformly. Keyboard typos substitute a neighbouring key (35%),
insert one (20%), delete a letter (25%) or transpose two (20%); digit typos substitute one
digit (90%) or transpose two adjacent ones (10%).

Family `cn`: Chinese B2B customers as salespeople keep them in Excel
=====================================================================
Columns: 客户名称,联系人,手机,电话,邮箱,省份,城市,地址. One company with one contact each.

Canonical entity
----------------
* City: 57 real cities with province, area code, pinyin initials and 2-7 real districts
  (or towns), weighted by business volume (北京/上海 9, 深圳 8, 广州 7, ... 拉萨 0.3).
  Some cities share an area code (长沙/株洲 0731) or district names (朝阳区 in 北京 and 长春).
* Company name = region + brand + industry + [qualifier 发展, 8%] + [bracket region] +
  legal form (+ branch tail). Region style: city prefix 北京华信科技有限公司 (50%),
  province prefix 江苏华信... (10%), bracket 华信科技（北京）有限公司 (15%), none (25%).
  Brand: 2 (60%), 3 (32%) or 4 (8%) distinct characters from a pool of 156 (Zipf, top 3%),
  many of which are homophones of each other (信/新/鑫/欣). Industry: 47 words (科技 ...
  精密制造) weighted by frequency. Legal form: 有限公司 62, 有限责任公司 12, 股份有限公司 9,
  集团有限公司 4, 厂 4, 经营部 3, 商行 2 (the last three only for trade/manufacturing
  industries, else 有限公司). Full names are unique (uniqueness pass), but unrelated
  companies freely share brand, brand+industry, or the name without its region
  (北京华信科技有限公司 vs 华信科技有限公司).
* Company mail domain from the brand pinyin: huaxin (35%), huaxinkeji (20%), initials hxkj
  (12%), brand+lucky digits huaxin168 (8%), city initials+brand bjhuaxin (8%),
  huaxin-tech (10%), hxgroup (7%); TLD .com 55 / .cn 20 / .com.cn 20 / .net 5; unique
  through the fallbacks of the uniqueness pass (homophone brands 华信/华新 share pinyin).
* Contact: 4.7% from a head list of 72 of the commonest full names (张伟, 王伟, 王芳, 李伟,
  李娜 ... weights 1/k, so 张伟 is ~1% of all contacts), else surname (94 surnames with their
  real frequencies, 欧阳 included) + given name: one character from a gendered pool (58 male,
  52 female, Zipf top 6%; 45%) or a first character (30 per gender, Zipf top 8%: 志, 建, 晓,
  秀 ...) followed by one from that pool (55%); 55% male. 12% also have an English name
  (David, Lucy ...).
* Mobile (every contact): real prefix (130..199, weighted) + unique 8-digit suffix.
* Email: corporate 55% (local part at the company domain), free mail 35%, none 10%.
  Corporate local parts are pinyin: zhangwei 30, wei.zhang 15, zhangw / zhangxm 12,
  wzhang 8, zhang.wei 8, david.zhang 10 (zhangwei without an English name), zhangwei+1-2
  digits 5, role (sales, info, service, admin, market) 6, initials zw 6 -- so distinct 张伟
  at different firms share local parts.
  Free mail: qq.com numeric 8-10 digits (55%), 163.com (18%), 126.com (8%), sina.com (5%),
  foxmail.com (6%, numeric or pinyin), 139.com (mobile number as local part, 4%),
  hotmail.com (2%), gmail.com (2%); pinyin free-mail locals always carry a year or 3-5 digits.
* Landline (65%): area code + unique 8-digit number; 10% of them with a 3-4 digit extension.
* Address (90%): district + road (40 road stems x [东/西/南/北/中 20%] x 路 70 / 街 15 /
  大道 10 / 大街 5) + number (1 + exponential(mean 120), at most 999) + 号 + [building 45%:
  25 words x 大厦 35 / 广场 20 / 中心 15 / 科技园 10 / 产业园 8 / 大楼 8 / 写字楼 4, then
  A-D座 25% or 1-12栋 10%] + [room 80% with a building, 25% without: 1203室 60 / 12层 15 /
  12楼1203 10 / 1203 15].

Hard negatives (relations to an earlier entity; the rest, 88.5%, are independent)
-------------------------------------------------------------------------------
* Branch office, 5%: same brand, industry, legal form and mail domain as the parent, in a
  different city, with its own contact, mobile, landline and address. Name: subsidiary
  上海华信科技有限公司 (50%), branch 北京华信科技有限公司上海分公司 (35%) or representative
  office 华信科技上海办事处 (15%). Role mail boxes (sales@huaxin.com) are thus shared.
* Namesake, 6%: an unrelated company borrowing the parent's brand words: same brand with
  another industry 华信物流 (60%), a brand variant -- one character appended 华信达, replaced
  华铭, or prepended 中华信 (25%) -- or the same brand and industry with a different
  qualifier (发展 on/off, else another legal form) in a random city (15%). Always its own
  mail domain.
* Job change, 0.5%: the parent's contact (same name AND mobile; same free-mail address if
  they use one, else their usual local part at the new domain) at a new company with a
  different name in a different city.
* Common names: the Zipf head above puts many 张伟/王芳/李娜 at unrelated companies.

Ambient row variation (all rows)
--------------------------------
Brackets full-width （） 80% / ASCII () 20%. Contact: name 94%, name+title 张伟经理 3%,
blank 3%. Mobile: 13812345678 80%, 138-1234-5678 7, 138 1234 5678 6, +86 13812345678 3,
+86-138-1234-5678 2, +86 138 1234 5678 2; missing 4%. Landline: 010-12345678 55,
(010)12345678 10, 010 1234 5678 6, 12345678 8, 01012345678 6, 010-1234-5678 5,
+86-10-12345678 4, 0086 10 12345678 2 plus "-808"/"转808"/" ext.808" for extensions;
missing 10%. Email missing 5%. 省份: 江苏省 55 / 江苏 35 / blank 10. 城市: 苏州市 50 /
苏州 45 / blank 5 (municipalities: 北京市 / 北京). Address missing 8%.

Duplicate-row corruptions (weight; 1-4 distinct per extra row)
--------------------------------------------------------------
drop legal form 9 (75% dropped, 25% simplified 有限责任公司->有限公司, 有限公司->公司);
drop region 9; short name 8 (brand+industry, brand only if it has 3+ characters, 40%; a
branch tail survives 50%); region moved into/out of brackets 6 (or added if absent);
brand homophone typo 5 (信->新, 华->化; pinyin without tones); character variants 6
(traditional characters 35%, bracket width flipped 20% if bracketed, an extra ASCII or
full-width space before the brand, industry or legal form or at the end 30%, else
full-width digits in the address); contact title form 8 (张总 28, 张经理 25, 张工 12,
张主任 5, 张老师 5, 张先生/张女士 15, 张哥/张姐 5, 小张 5; or 张伟+经理/总监/总经理/主管,
20%); contact pinyin 5 (Zhang Wei, zhang wei, Wei Zhang, ZHANG Wei, David Zhang, zhangwei);
contact given-name homophone 2; mobile reformatted 6; mobile one-digit typo 1.5; mobile
missing 4; landline reformatted 5 (mostly without area code / (010) / 010-); landline
missing 4; email missing 5; email case 3 (UPPER or Capitalised); province/city 7 (either or
both blank, or full/short form flipped); address format 6 (district dropped, building and
room dropped, room dropped, or province+city prefixed); address missing 4; room/building
changed 3 (office moved); one field blanked 3 (contact, mobile, landline, email, province,
city or address). A corrupted row always keeps at least one of mobile, landline and email
(the mobile is restored if all three went).

Family `en`: US B2B customers
=============================
Columns: company,contact,mobile,phone,email,state,city,address.

* City: 52 US cities with state and real area codes, weighted by size; three Springfields
  (IL, MO, MA) and two Portlands (OR, ME). Some have aliases (NYC, Saint Louis, Ft. Worth).
* Company = [The 3%] + brand + industry + [International 6%] + legal form (typed with a
  comma in 25% of rows). Brand: one word from 144 (12%, Zipf top 1%), a compound such as
  Northbridge (23%; 46 x 30 morphemes), a word + one of 40 second words such as
  "Summit Ridge" (35%), or surname-based (30%, surname drawn like a contact's: Harris 40,
  Harris & Sons 20, Harris Brothers 15, Harris & Cole 25). Industry: 45 words, weighted.
  Legal: Inc. 33, LLC 30, Corp. 8, Co. 4, Ltd. 3, Corporation 3, Incorporated 2, LLP 2,
  PLLC 1, L.P. 1, none 13. Names are unique ignoring case (uniqueness pass), except for
  branches and same-name namesakes.
* Domain: brandindustry 35, brand 20, brand-industry 10, brand+industry stem 10,
  brand+inc/group/co 8, brand+hq/usa 5, initials 4 (+corp if 2 letters), brand+2 digits 8;
  TLD .com 85 / .net 6 / .co 4 / .us 3 / .biz 2; unique through the pass's fallbacks.
* Contact: 3% from a head list of 40 full names (weights 1/k, John Smith ~0.7%), else first
  name (200, Zipf top 3%, gendered) + surname (234 real, Zipf top 1.2%, plus 2,500
  synthetic sharing 15%); entity-level middle initial. Mobile 75% (area code of the city 85%, elsewhere 15%); office
  phone 85% (ext 15%); at least one of the two. Email: corporate 65% (first.last 35,
  flast 25, firstlast 10, first 8, f.last 8, firstl 7, first_last 4, lastf 3), free mail 28%
  (gmail 60, yahoo 15, outlook 8, hotmail 8, aol 4, icloud 3, comcast.net 2; local part of
  the same styles + a birth year 55-99 or 1-4 digits), none 7%.
* Address: number (1 + exponential(mean 900)) + [direction 15%: N/S/E/W 3x as likely as
  NE/NW/SE/SW] + street (78 names, Zipf top 5%) + type (14, St 30, Ave 18, Rd 12, ...) +
  [unit 45%: Suite 60 / Unit 15 / # 10 / Floor 10 / Bldg 5].
* Hard negatives like `cn`: branch 5% (same brand, industry, legal form and domain, another
  city; name identical 55%, "... - Dallas" 25%, "(Dallas)" 10%, "- Dallas Office" 5%,
  "Dallas Branch" 5%); namesake 6% (same brand other industry 50%, brand + word
  "Summit Point" 20%, same brand+industry with another legal form 15%, the identical name
  in another state 15%); job change 0.5% (same name and mobile, personal free mail kept,
  city different); Zipf common names.
* Ambient: name typed as "John Smith" 88 / "John A. Smith" 4 / "Smith, John" 3 / blank 3 /
  lower case 2; phones (212) 555-0134 35, 212-555-0134 33, 212.555.0134 10, 2125550134 8,
  +1 212 555 0134 6, 1-212-555-0134 5, +1 (212) 555-0134 3, ext as " x123"/" ext. 123"/
  " Ext 123"; mobile missing 5%, phone 8%, email 5%, address 6%; state TX 80 / Texas 15 /
  blank 5; city alias 2 / blank 3; street types St 70 / Street 25 / St. 5, directions N 80 /
  North 20, Suite/Ste/Ste./# per row.
* Corruptions: drop legal 9; legal variant 6 (Inc.->Inc/Incorporated, Corp.->Corporation,
  LLC->L.L.C., comma toggled); abbreviation 8 (International->Intl/Int'l,
  Technologies->Tech, Manufacturing->Mfg, Services->Svcs, & <-> and, Brothers->Bros., ...);
  name typo 5; name case 5; punctuation stripped 3; short name 5 (brand only if two words or
  surname-based); contact variant 8 (nickname Bob/Bill/Liz..., "Smith, John", "J. Smith",
  "Mr./Ms. Smith", case, middle initial); contact typo 3; mobile reformat 5 / typo 1.5 /
  missing 4; phone reformat 5 / missing 4; email missing 5 / case 3 / personal free mail 2;
  state variant 5; city variant 4; address abbreviation 6 (Street<->St, Suite->Ste/#,
  unit dropped, direction spelled); address missing 4; unit changed 3; field blanked 3.
  Same guard as `cn` (mobile, phone or email survives).

Family `person`: Febrl-like person records
==========================================
Columns: given_name,surname,street_number,address_1,address_2,suburb,postcode,state,
date_of_birth (YYYYMMDD),soc_sec_id (7 digits). Lower case, Australian-style addresses.

* Given name: 201 real names, Zipf with the top name (james) 5% of draws, plus 1,500
  synthetic ones (stem + link + ending: kaylyn, delina) sharing 10%. Surname: 246 real, Zipf
  with the top surname (smith) 1%, plus 6,000 synthetic ones (ashford, kelmont) sharing 35%.
* Address: 2,500 synthetic suburbs (Zipf, top 1%) in 8 states (nsw 32, vic 26, qld 20,
  wa 10, sa 7, tas 2, act 2, nt 1) with postcodes from the state's range, 30% of them shared
  with another suburb; street number 1 + exponential(mean 40) capped at 1999; address_1 =
  street (a real or synthetic surname or a word, Zipf top 1%) + type (street 35, road 18,
  avenue 12, drive 7, ...); address_2 35% (a named complex 40%, or unit/flat/apartment/
  level/lot N 60%).
* Date of birth: year triangular(1925, 2008, mode 1975), valid day. soc_sec_id unique.
* Households, 12%: the entity lives at the parent's address (all six address fields), with
  the parent's surname 85%; relation twin 4% (same date of birth, other given name),
  namesake junior 2% (same given name, born 20-40 years later), partner 44% (born within 8
  years), child 50% (born 18-40 years later, at most 2015). Different soc_sec_id always.
* Ambient missing values: given 1%, surname 0.5%, street number 2%, address_1 1.5%,
  suburb 1%, postcode 1%, state 2%, date of birth 2%, soc_sec_id 1%.
* Corruptions: typo 30 (keyboard substitute 35 / insert 20 / delete 25 / transpose 20 in
  given 30, surname 30, address_1 15, suburb 15, address_2 10); phonetic/OCR variant 6
  (ph<->f, c<->k, ie<->y, doubled/undoubled letters, m<->rn, ...); missing value 12;
  nickname 6 (robert<->bob, elizabeth<->liz ..., typo if none); given/surname swapped 2;
  postcode digit typo 6; date of birth 8 (day/month swapped, 60% when the day is <= 12 and
  differs from the month, else a digit typo in YYMMDD, possibly giving an invalid date);
  soc_sec_id digit typo 6; street number digit typo 5; abbreviation 4 (street->st,
  mount->mt, north->nth ...). A corrupted row keeps its given name or surname.
"""

import argparse
import csv
import hashlib
import random
import re
import sys
import time
from bisect import bisect_right

# ============================================================================ shared tools


class Pool:
    """Items with weights; pick(rng) draws one in O(log n)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        self.items, self.cum, total = [], [], 0.0
        for item, weight in pairs:
            total += weight
            self.items.append(item)
            self.cum.append(total)
        self.total = total
        self.cum[-1] = float("inf")  # no index past the end, whatever the rounding

    def pick(self, rng):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def zipf_pool(items, top_share, tail=(), tail_mass=0.0):
    """Pool giving the k-th of `items` weight ~ k**-s, s solved so the first item has
    `top_share` of all draws; the optional `tail` items share `tail_mass` uniformly."""
    n = len(items)
    head_top = top_share / (1.0 - tail_mass)
    lo, hi = 0.0, 4.0
    for _ in range(40):
        s = (lo + hi) / 2
        if 1.0 / sum(k ** -s for k in range(1, n + 1)) < head_top:
            lo = s
        else:
            hi = s
    total = sum(k ** -s for k in range(1, n + 1))
    pairs = [(item, (1.0 - tail_mass) * k ** -s / total) for k, item in enumerate(items, 1)]
    pairs += [(item, tail_mass / len(tail)) for item in tail]
    return Pool(pairs)


def harmonic_pool(items):
    """Pool giving the k-th item weight 1/k."""
    return Pool((item, 1.0 / k) for k, item in enumerate(items, 1))


ENTITY_SLOT = 8  # stream slots: 0..3 the rows of an entity, 8 + k its k-th redraw
MAX_REDRAWS = 50


def stream(seed, entity, slot):
    """Independent RNG for one row (slot = row index) or one draw of an entity."""
    return random.Random((((seed << 36) | entity) << 6) | slot)


def digest(text):
    """Stable 64-bit hash (Python's own str hash is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class UniqueCompanies:
    """Pre-pass of the company families: legal names and corporate mail domains unique.

    Entities are visited in index order. One whose name key (family.name_key) is already
    taken, other than by its parent when it may repeat it (ent.parent_key: branches and
    deliberate same-name namesakes), is drawn again from the next stream slot (family.entity
    reads self.redraws). A non-branch whose mail domain is taken keeps its draw and takes the
    first free disambiguated domain (family.variant_domain; k is kept in
    self.domain_variants). Only 64-bit digests are kept.
    """

    def prepare(self, n_entities):
        names, domains = set(), set()
        for e in range(n_entities):
            ent = self.entity(e)
            key = digest(self.name_key(ent.company))
            while key in names and key != ent.parent_key and self.redraws.get(e, 0) < MAX_REDRAWS:
                self.redraws[e] = self.redraws.get(e, 0) + 1
                ent = self.entity(e)
                key = digest(self.name_key(ent.company))
            names.add(key)
            if ent.branch:  # shares its parent's domain
                continue
            base, k = ent.company.domain, 0
            while digest(ent.company.domain) in domains:
                k += 1
                ent.company.domain = self.variant_domain(ent.company, base, k)
            if k:
                self.domain_variants[e] = k
            domains.add(digest(ent.company.domain))


class Scramble:
    """Affine bijection of range(modulus): distinct entity indices get distinct numbers."""

    MULTIPLIER = 2_147_483_647  # prime, coprime with every modulus used here

    def __init__(self, modulus, rng):
        self.modulus = modulus
        self.offset = rng.randrange(modulus)

    def __call__(self, index):
        return (self.MULTIPLIER * index + self.offset) % self.modulus


def _keyboard_neighbours():
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    pos = {c: (r, i) for r, row in enumerate(rows) for i, c in enumerate(row)}
    return {c: "".join(d for d, (r2, i2) in pos.items()
                       if d != c and abs(r2 - r) <= 1 and abs(i2 - i) <= 1)
            for c, (r, i) in pos.items()}


NEAR_KEYS = _keyboard_neighbours()


def typo(rng, text):
    """One keyboard typo: substitute a neighbouring key, insert one, delete or transpose."""
    letters = [i for i, c in enumerate(text) if c.lower() in NEAR_KEYS]
    if len(text) < 3 or not letters:
        return text
    i = rng.choice(letters)
    op = rng.random()
    if op < 0.25:
        return text[:i] + text[i + 1:]
    if op < 0.45 and i + 1 < len(text) and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    key = rng.choice(NEAR_KEYS[text[i].lower()])
    key = key.upper() if text[i].isupper() else key
    if op < 0.65:
        return text[:i] + key + text[i:]
    return text[:i] + key + text[i + 1:]


def digit_typo(rng, digits, start=0):
    """Substitute one digit at or after `start` (90%) or transpose two adjacent ones (10%)."""
    if len(digits) - start < 2:
        return digits
    i = rng.randrange(start, len(digits) - 1)
    if rng.random() < 0.1 and digits[i] != digits[i + 1]:
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
    i = rng.randrange(start, len(digits))
    new = rng.choice([d for d in "0123456789" if d != digits[i]])
    return digits[:i] + new + digits[i + 1:]


CORRUPTION_COUNT = Pool([(1, 30), (2, 35), (3, 25), (4, 10)])


def corrupt(row, rng, table):
    """Apply 1-4 distinct corruptions drawn from `table` (a Pool of functions)."""
    chosen = []
    count = CORRUPTION_COUNT.pick(rng)
    while len(chosen) < count:
        fn = table.pick(rng)
        if fn not in chosen:
            chosen.append(fn)
    for fn in chosen:
        fn(row, rng)


def days_in_month(year, month):
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


# English-looking name morphemes for the synthetic long tail of names.
SURNAME_STEMS = ("ash brad brook bur cal carl chad dal dun east fair fen gar had hal hart hol "
                 "kel kings lang lin mar mel mid mor nor pem red ren rock roth sal sher stan "
                 "stock thorn wal war wel west whit win wood ab al bel ber cor dar del el fal "
                 "gil gor har her kil lam les mac mc mil nel pal per ran ros sel tal tem ver "
                 "brum cran dray elm fox glad hamp hux ing kem lock marl ox pen quar rad "
                 "sand tat ux wad yar").split()
SURNAME_LINKS = ["", "", "", "", "e", "in", "er", "ing", "s"]
SURNAME_ENDINGS = ("ton ley man er ford wood field well more by ing ard ett ock ins ham worth "
                   "stead combe ridge den don son sby wick shaw land ell ow ry bury cott dale "
                   "hurst mont ner rick stone thorpe lowe").split()
GIVEN_STEMS = ("al am an ar bel bri cal car cor dar del el em fay gen jan jay jo kal kay ken "
               "lan lau le li lor lu mae mar mel mi nat ned no ra ren ro sa sha ta tay ter val "
               "vi wil za zo bren cam dom eli hal jas kir lin mad mor nor quin sel tam tris").split()
GIVEN_LINKS = ["", "", "", "a", "i", "e"]
GIVEN_ENDINGS = ("a ie y on an el ia ine ette o us ah lyn den ley is ra na ton ric ly ina ren "
                 "dan sey ta ssa ran").split()


def synthetic_names(rng, count, parts, taken):
    """`count` new lower-case names stem+link+ending from `parts`, none in `taken`."""
    stems, links, endings = parts
    names = []
    seen = set(taken)
    while len(names) < count:
        name = rng.choice(stems) + rng.choice(links) + rng.choice(endings)
        if 4 <= len(name) <= 12 and name not in seen:
            seen.add(name)
            names.append(name)
    return names


SURNAME_PARTS = (SURNAME_STEMS, SURNAME_LINKS, SURNAME_ENDINGS)
GIVEN_PARTS = (GIVEN_STEMS, GIVEN_LINKS, GIVEN_ENDINGS)


# ============================================================================ family cn

CN_CITY_TEXT = """
北京 北京 010 bj 9 朝阳区 海淀区 东城区 西城区 丰台区 大兴区 通州区
上海 上海 021 sh 9 浦东新区 徐汇区 闵行区 静安区 长宁区 嘉定区 松江区
深圳 广东 0755 sz 8 南山区 福田区 宝安区 龙岗区 龙华区 罗湖区
广州 广东 020 gz 7 天河区 越秀区 番禺区 白云区 黄埔区 海珠区
杭州 浙江 0571 hz 6 西湖区 滨江区 余杭区 萧山区 上城区 拱墅区
苏州 江苏 0512 sz 6 工业园区 姑苏区 吴中区 虎丘区 相城区 吴江区 昆山市
成都 四川 028 cd 5 武侯区 锦江区 青羊区 高新区 成华区 金牛区
南京 江苏 025 nj 5 鼓楼区 玄武区 江宁区 建邺区 秦淮区 栖霞区
天津 天津 022 tj 4 滨海新区 南开区 河西区 西青区 和平区
重庆 重庆 023 cq 4 渝北区 江北区 九龙坡区 南岸区 渝中区
武汉 湖北 027 wh 4 江汉区 武昌区 洪山区 江岸区 东西湖区
郑州 河南 0371 zz 4 金水区 中原区 二七区 管城回族区 郑东新区
西安 陕西 029 xa 4 雁塔区 碑林区 未央区 莲湖区 长安区
长沙 湖南 0731 cs 4 岳麓区 芙蓉区 天心区 开福区 雨花区
东莞 广东 0769 dg 4 南城街道 长安镇 虎门镇 松山湖 东城街道
宁波 浙江 0574 nb 3 鄞州区 海曙区 北仑区 江北区 镇海区
无锡 江苏 0510 wx 3 梁溪区 滨湖区 新吴区 锡山区 惠山区
合肥 安徽 0551 hf 3 蜀山区 包河区 庐阳区 瑶海区 高新区
厦门 福建 0592 xm 3 思明区 湖里区 集美区 海沧区
济南 山东 0531 jn 3 历下区 市中区 槐荫区 历城区 高新区
青岛 山东 0532 qd 3 市南区 市北区 崂山区 黄岛区 城阳区
沈阳 辽宁 024 sy 3 和平区 沈河区 浑南区 铁西区 皇姑区
佛山 广东 0757 fs 3 南海区 顺德区 禅城区
温州 浙江 0577 wz 2 鹿城区 瓯海区 龙湾区
金华 浙江 0579 jh 2 婺城区 金东区 义乌市 永康市
常州 江苏 0519 cz 2 天宁区 钟楼区 武进区 新北区
南通 江苏 0513 nt 2 崇川区 通州区 海门区
福州 福建 0591 fz 2 鼓楼区 台江区 仓山区 晋安区
泉州 福建 0595 qz 2 丰泽区 鲤城区 晋江市 石狮市
南昌 江西 0791 nc 2 东湖区 西湖区 青山湖区 红谷滩区
太原 山西 0351 ty 2 小店区 迎泽区 杏花岭区
石家庄 河北 0311 sjz 2 长安区 桥西区 裕华区 新华区
大连 辽宁 0411 dl 2 中山区 西岗区 沙河口区 甘井子区
长春 吉林 0431 cc 2 朝阳区 南关区 绿园区
哈尔滨 黑龙江 0451 hrb 2 南岗区 道里区 香坊区 松北区
昆明 云南 0871 km 2 五华区 盘龙区 官渡区 西山区
南宁 广西 0771 nn 2 青秀区 兴宁区 西乡塘区
芜湖 安徽 0553 wh 1 镜湖区 鸠江区 弋江区
烟台 山东 0535 yt 1 芝罘区 莱山区 福山区
潍坊 山东 0536 wf 1 奎文区 潍城区 寒亭区
洛阳 河南 0379 ly 1 西工区 涧西区 洛龙区
宜昌 湖北 0717 yc 1 西陵区 伍家岗区 夷陵区
株洲 湖南 0731 zz 1 天元区 芦淞区 荷塘区
绵阳 四川 0816 my 1 涪城区 游仙区
唐山 河北 0315 ts 1 路北区 路南区 丰润区
保定 河北 0312 bd 1 竞秀区 莲池区
贵阳 贵州 0851 gy 1 云岩区 南明区 观山湖区
海口 海南 0898 hk 1 龙华区 美兰区 秀英区
兰州 甘肃 0931 lz 1 城关区 七里河区 安宁区
珠海 广东 0756 zh 1 香洲区 横琴新区 金湾区
中山 广东 0760 zs 1 石岐街道 火炬开发区 小榄镇
惠州 广东 0752 hz 1 惠城区 惠阳区
乌鲁木齐 新疆 0991 wlmq 1 天山区 沙依巴克区 新市区
呼和浩特 内蒙古 0471 hhht 1 新城区 赛罕区 回民区
银川 宁夏 0951 yc 1 兴庆区 金凤区
西宁 青海 0971 xn 1 城西区 城东区
拉萨 西藏 0891 ls 0.3 城关区 堆龙德庆区
"""

CN_MUNICIPALITIES = {"北京", "上海", "天津", "重庆"}
CN_AUTONOMOUS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "新疆": "新疆维吾尔自治区",
                 "宁夏": "宁夏回族自治区", "西藏": "西藏自治区"}

# Brand characters, most common first; many are homophones of one another.
CN_BRAND_TEXT = """
华hua 信xin 中zhong 天tian 海hai 金jin 恒heng 宏hong 达da 盛sheng 鑫xin 新xin 泰tai 博bo
兴xing 瑞rui 德de 安an 通tong 万wan 和he 嘉jia 联lian 创chuang 汇hui 源yuan 成cheng 东dong
远yuan 明ming 正zheng 美mei 丰feng 宝bao 光guang 龙long 凯kai 诚cheng 永yong 广guang 富fu
科ke 亿yi 佳jia 福fu 润run 鼎ding 腾teng 众zhong 星xing 宇yu 昌chang 益yi 威wei 鸿hong
志zhi 卓zhuo 奥ao 康kang 荣rong 久jiu 锦jin 辉hui 智zhi 捷jie 力li 立li 欣xin 弘hong 伟wei
维wei 越yue 悦yue 隆long 飞fei 易yi 艺yi 逸yi 澳ao 可ke 百bai 千qian 乾qian 坤kun 云yun
运yun 蓝lan 青qing 清qing 紫zi 豪hao 浩hao 皓hao 俊jun 君jun 骏jun 景jing 翔xiang 祥xiang
雅ya 亚ya 讯xun 迅xun 杰jie 航hang 江jiang 晶jing 精jing 京jing 铭ming 名ming 得de 慧hui
惠hui 健jian 建jian 誉yu 裕yu 煜yu 政zheng 城cheng 致zhi 峰feng 锋feng 开kai 方fang
芳fang 勇yong 合he 禾he 蓉rong 融rong 顶ding 柏bo 元yuan 圆yuan 胜sheng 长chang 田tian
同tong 睿rui 锐rui 菲fei 保bao 梅mei 湾wan 兰lan 红hong 伏fu 洁jie 疆jiang 湘xiang
冬dong 泓hong 灿can 朗lang
"""

# Characters that only appear as typos (homophones of pool characters).
CN_TYPO_TEXT = """
化hua 花hua 心xin 芯xin 馨xin 太tai 钛tai 升sheng 生sheng 鸣ming 蕊rui 搏bo 泊bo 行xing
衡heng 洪hong 虹hong 今jin 津jin 添tian 忠zhong 钟zhong 岸an 统tong 桐tong 河he 荷he
加jia 连lian 莲lian 会hui 绘hui 原yuan 园yuan 承cheng 程cheng 栋dong 证zheng 风feng
枫feng 楷kai 泳yong 赋fu 义yi 闰run 定ding 藤teng 雨yu 常chang 微wei 琢zhuo 九jiu 玮wei
炜wei 垒lei 敬jing 纳na 民min 韬tao 涵han 旸yang 佩pei 莹ying 婧jing 琪qi
"""

CN_SURNAME_TEXT = """
王wang7.1 李li7.0 张zhang6.6 刘liu5.4 陈chen4.5 杨yang3.1 黄huang2.2 赵zhao2.1 吴wu2.0
周zhou1.9 徐xu1.7 孙sun1.5 马ma1.5 朱zhu1.3 胡hu1.3 郭guo1.2 何he1.2 高gao1.1 林lin1.1
罗luo1.0 郑zheng1.0 梁liang0.9 谢xie0.8 宋song0.8 唐tang0.8 许xu0.7 韩han0.7 冯feng0.7
邓deng0.7 曹cao0.7 彭peng0.6 曾zeng0.6 肖xiao0.6 田tian0.6 董dong0.6 袁yuan0.5 潘pan0.5
于yu0.5 蒋jiang0.5 蔡cai0.5 余yu0.5 杜du0.5 叶ye0.4 程cheng0.4 苏su0.4 魏wei0.4 吕lv0.4
丁ding0.4 任ren0.4 沈shen0.4 姚yao0.4 卢lu0.4 姜jiang0.3 崔cui0.3 钟zhong0.3 谭tan0.3
陆lu0.3 汪wang0.3 范fan0.3 金jin0.3 石shi0.3 廖liao0.3 贾jia0.3 夏xia0.3 韦wei0.3 付fu0.3
方fang0.3 白bai0.2 邹zou0.2 孟meng0.2 熊xiong0.2 秦qin0.2 邱qiu0.2 江jiang0.2 尹yin0.2
薛xue0.2 闫yan0.2 段duan0.2 雷lei0.2 侯hou0.2 龙long0.2 史shi0.2 陶tao0.1 黎li0.1 贺he0.1
顾gu0.1 毛mao0.1 郝hao0.1 龚gong0.1 邵shao0.1 钱qian0.1 严yan0.1 戴dai0.1 欧阳ouyang0.05
"""

CN_GIVEN_MALE_TEXT = """
伟wei 强qiang 磊lei 军jun 勇yong 杰jie 涛tao 斌bin 超chao 明ming 刚gang 平ping 辉hui
鹏peng 华hua 飞fei 鑫xin 波bo 宇yu 浩hao 凯kai 健jian 俊jun 帆fan 帅shuai 旭xu 宁ning
龙long 林lin 阳yang 建jian 国guo 峰feng 亮liang 成cheng 东dong 海hai 文wen 志zhi 博bo
昊hao 晨chen 轩xuan 子zi 睿rui 雷lei 彬bin 坤kun 锋feng 洋yang 家jia 振zhen 德de 永yong
晓xiao 天tian 毅yi 鸣ming
"""

CN_GIVEN_FEMALE_TEXT = """
芳fang 娜na 敏min 静jing 丽li 艳yan 娟juan 霞xia 秀xiu 英ying 燕yan 玲ling 桂gui 丹dan
萍ping 红hong 玉yu 兰lan 婷ting 雪xue 琳lin 晶jing 颖ying 倩qian 洁jie 慧hui 佳jia 欣xin
怡yi 悦yue 梅mei 莉li 璐lu 薇wei 雯wen 琴qin 云yun 淑shu 晓xiao 思si 雨yu 梦meng 月yue
春chun 凤feng 菲fei 露lu 瑶yao 媛yuan 蓉rong 美mei 彤tong
"""

# First characters of two-character given names.
CN_GIVEN_FIRST_MALE_TEXT = """
志zhi 建jian 晓xiao 海hai 文wen 国guo 永yong 子zi 宇yu 俊jun 家jia 明ming 立li 德de 天tian
浩hao 泽ze 博bo 振zhen 鹏peng 嘉jia 思si 伟wei 春chun 金jin 世shi 少shao 红hong 一yi 云yun
"""
CN_GIVEN_FIRST_FEMALE_TEXT = """
晓xiao 秀xiu 丽li 春chun 美mei 雅ya 欣xin 佳jia 玉yu 思si 雨yu 梦meng 婷ting 文wen 海hai
小xiao 慧hui 静jing 紫zi 梓zi 诗shi 若ruo 雪xue 宁ning 丹dan 金jin 艳yan 凤feng 淑shu 嘉jia
"""

# The commonest full names, most common first (m/f marks the gender).
CN_HEAD_TEXT = """
张伟m 王伟m 王芳f 李伟m 李娜f 张敏f 李静f 王静f 刘伟m 王秀英f 张丽f 李秀英f 王丽f 张静f
张秀英f 李强m 王敏f 李敏f 王磊m 刘洋m 王艳f 王勇m 李军m 张勇m 李杰m 张杰m 张磊m 王强m
李娟f 王军m 张艳f 张涛m 王涛m 李艳f 王超m 李明m 李勇m 王娟f 刘杰m 刘敏f 李霞f 李丽f
张军m 王杰m 张强m 王秀兰f 王刚m 刘芳f 张燕f 刘艳f 刘军m 李平f 王辉m 王燕f 陈静f 刘勇m
李玲f 李桂英f 王丹f 李刚m 李丹f 李萍f 王鹏m 刘涛m 陈伟m 张华m 刘静f 李涛m 王桂英f
张秀兰f 李红f 李超m
"""
CN_HEAD_MASS = 0.047  # share of contacts drawn from the head list (top name ~1%)

CN_ENGLISH_MALE = ("David Kevin Jason Michael Tony Jack Eric Peter Frank Steven Vincent Leo "
                   "Allen Andy Tom Sam Alex Henry Ryan Leon").split()
CN_ENGLISH_FEMALE = ("Lucy Lily Grace Amy Cindy Coco Vivian Sophia Cherry Helen Linda Nancy "
                     "Echo Sunny Jenny Tina Emma Irene Joyce Wendy Fiona Ivy Crystal").split()

# name, pinyin syllables, English word, s = small (allows 厂/经营部/商行), weight
CN_INDUSTRY_TEXT = """
科技 ke-ji tech - 20
网络科技 wang-luo net - 6
信息技术 xin-xi it - 5
电子科技 dian-zi electronic - 5
智能科技 zhi-neng smart - 4
软件 ruan-jian soft - 3
物流 wu-liu logistics - 5
供应链管理 gong-ying-lian supplychain - 2
贸易 mao-yi trade s 8
国际贸易 guo-mao intl - 3
实业 shi-ye industry - 4
机械 ji-xie machinery s 4
机械设备 ji-xie-she-bei equipment s 4
自动化设备 zi-dong-hua automation - 2
电气 dian-qi electric - 3
新材料 xin-cai-liao materials - 2
化工 hua-gong chem - 2
塑胶 su-jiao plastic s 2
包装 bao-zhuang pack s 2
印刷 yin-shua print s 2
建筑工程 jian-zhu build - 3
装饰工程 zhuang-shi deco - 3
建材 jian-cai bm s 2
环保科技 huan-bao eco - 2
新能源 xin-neng-yuan energy - 2
光电 guang-dian opto - 1
医疗器械 yi-liao medical - 2
生物科技 sheng-wu bio - 2
医药 yi-yao pharma - 2
食品 shi-pin food s 3
农业发展 nong-ye agri - 1
服饰 fu-shi fashion s 2
纺织 fang-zhi textile s 2
家具 jia-ju furniture s 2
文化传媒 chuan-mei media - 3
广告 guang-gao ad - 2
企业管理咨询 zi-xun consulting - 2
人力资源 ren-li hr - 1
餐饮管理 can-yin catering - 1
汽车服务 qi-che auto - 1
汽车零部件 qi-pei autoparts s 1
五金 wu-jin hardware s 2
电子商务 dian-shang ecom - 2
投资 tou-zi invest - 1
商贸 shang-mao trading s 3
仪器仪表 yi-qi instrument - 1
精密制造 jing-mi precision s 1
"""

CN_LEGAL = Pool([("有限公司", 62), ("有限责任公司", 12), ("股份有限公司", 9), ("集团有限公司", 4),
                 ("厂", 4), ("经营部", 3), ("商行", 2)])
CN_SMALL_FORMS = {"厂", "经营部", "商行"}
CN_REGION_STYLE = Pool([("city", 50), ("province", 10), ("bracket", 15), ("none", 25)])
CN_BRAND_LENGTH = Pool([(2, 60), (3, 32), (4, 8)])
CN_TLD = Pool([(".com", 55), (".cn", 20), (".com.cn", 20), (".net", 5)])
CN_LUCKY = ("88", "168", "666", "888", "518", "2008", "365", "99")

CN_MOBILE_PREFIX = Pool([(p, w) for ps, w in (
    ("139 138 137 136 135 134 150 151 152 158 159 188 187 182", 5),
    ("130 131 132 155 156 186 185 133 153 180 181 189", 4),
    ("157 183 184 198 147 178 166 145 175 176 177 173 199 191", 2)) for p in ps.split()])

CN_FREEMAIL = Pool([("qq.com", 55), ("163.com", 18), ("126.com", 8), ("sina.com", 5),
                    ("foxmail.com", 6), ("139.com", 4), ("hotmail.com", 2), ("gmail.com", 2)])
CN_LOCAL_STYLE = Pool([("sg", 30), ("g.s", 15), ("sgi", 12), ("gis", 8), ("s.g", 8), ("en", 10),
                       ("sgd", 5), ("role", 6), ("init", 6)])
CN_ROLES = ("sales", "info", "service", "admin", "market")

CN_ROAD_STEMS = ("人民 中山 解放 建设 和平 长江 黄河 胜利 文化 新华 东风 青年 幸福 延安 光明 友谊 "
                 "工业 科技 创业 学院 高新 滨江 湖滨 世纪 金融 天府 珠江 黄山 泰山 春风 文昌 "
                 "兴业 振兴 迎宾 团结 红星 新城 开发 长安 南京").split()
CN_ROAD_SUFFIX = Pool([("路", 70), ("大道", 10), ("街", 15), ("大街", 5)])
CN_BUILDING_WORDS = ("国贸 世纪 金融 科技 创新 华润 万达 时代 环球 中央 天安 数码 财富 东方 国际 "
                     "银河 新城 阳光 星河 凯德 绿地 恒隆 银泰 中信 招商").split()
CN_BUILDING_SUFFIX = Pool([("大厦", 35), ("广场", 20), ("中心", 15), ("科技园", 10), ("产业园", 8),
                           ("写字楼", 4), ("大楼", 8)])

CN_TITLES = Pool([("总", 28), ("经理", 25), ("工", 12), ("主任", 5), ("老师", 5), ("先生", 15),
                  ("哥", 5), ("小", 5)])
CN_FULL_TITLES = ("经理", "总监", "总经理", "主管")

CN_MOBILE_FORMATS = Pool([("{0}{1}{2}", 80), ("{0}-{1}-{2}", 7), ("{0} {1} {2}", 6),
                          ("+86 {0}{1}{2}", 3), ("+86-{0}-{1}-{2}", 2), ("+86 {0} {1} {2}", 2)])
CN_PHONE_FORMATS = Pool([("{a}-{l}", 55), ("({a}){l}", 10), ("{a} {l1} {l2}", 6), ("{l}", 8),
                         ("{a}{l}", 6), ("{a}-{l1}-{l2}", 5), ("+86-{a0}-{l}", 4),
                         ("0086 {a0} {l}", 2)])
CN_PHONE_REFORMATS = Pool([("{l}", 40), ("({a}){l}", 25), ("{a}-{l}", 20), ("{a} {l1} {l2}", 8),
                           ("+86-{a0}-{l}", 7)])
CN_EXT_FORMATS = ("-{e}", "转{e}", " ext.{e}")
CN_PROVINCE_STYLE = Pool([("full", 55), ("short", 35), ("none", 10)])
CN_CITY_STYLE = Pool([("full", 50), ("short", 45), ("none", 5)])

# Simplified -> traditional for characters that differ (names, industries, legal forms).
CN_TRADITIONAL = str.maketrans(
    "华东国发电网广达龙汇丰业贸设备实药医农机环车务饰软术长阳宝联创兴鸿乐众锦辉腾飞亿艺万湾云运蓝兰"
    "绿红骏讯杰洁胜锐远圆铭誉诚锋凯开荣顶维伟悦亚润义络气际动胶装筑疗纺织传询资饮仪表制责团厂经营"
    "链应区号楼层场园栋门苏庆汉连滨尔宁乌鲁齐贵岛潍烟郑绵庄肃银萨温锡芜厦济",
    "華東國發電網廣達龍匯豐業貿設備實藥醫農機環車務飾軟術長陽寶聯創興鴻樂眾錦輝騰飛億藝萬灣雲運藍蘭"
    "綠紅駿訊傑潔勝銳遠圓銘譽誠鋒凱開榮頂維偉悅亞潤義絡氣際動膠裝築療紡織傳詢資飲儀錶製責團廠經營"
    "鏈應區號樓層場園棟門蘇慶漢連濱爾寧烏魯齊貴島濰煙鄭綿莊肅銀薩溫錫蕪廈濟")
FULL_WIDTH_DIGITS = str.maketrans("0123456789ABCD", "０１２３４５６７８９ＡＢＣＤ")


class City:
    __slots__ = ("name", "province", "area", "abbr", "districts")

    def __init__(self, name, province, area, abbr, districts):
        self.name, self.province, self.area = name, province, area
        self.abbr, self.districts = abbr, districts

    def province_full(self):
        if self.province in CN_MUNICIPALITIES:
            return self.province + "市"
        return CN_AUTONOMOUS.get(self.province, self.province + "省")


class Industry:
    __slots__ = ("name", "py", "initials", "en", "small")

    def __init__(self, name, syllables, en, small):
        self.name, self.en, self.small = name, en, small
        self.py = syllables.replace("-", "")
        self.initials = "".join(p[0] for p in syllables.split("-"))


def _pinyin_pairs(text):
    return re.findall(r"([\u4e00-\u9fff]+)([a-z]+)", text)


def _cn_pools():
    cities = Pool((City(n, p, a, ab, tuple(d)), float(w))
                  for n, p, a, ab, w, *d in (l.split() for l in CN_CITY_TEXT.strip().splitlines()))
    industries = Pool((Industry(n, py, en, s == "s"), float(w))
                      for n, py, en, s, w in (l.split() for l in CN_INDUSTRY_TEXT.strip().splitlines()))
    surnames = re.findall(r"([\u4e00-\u9fff]+)([a-z]+)([\d.]+)", CN_SURNAME_TEXT)
    pinyin = {}
    for text in (CN_BRAND_TEXT, CN_TYPO_TEXT, CN_GIVEN_MALE_TEXT, CN_GIVEN_FEMALE_TEXT,
                 CN_GIVEN_FIRST_MALE_TEXT, CN_GIVEN_FIRST_FEMALE_TEXT):
        pinyin.update(_pinyin_pairs(text))
    surname_py = {s: py for s, py, _ in surnames}
    homophones = {}
    for char, py in pinyin.items():
        homophones.setdefault(py, []).append(char)
    heads = []
    for token in CN_HEAD_TEXT.split():
        sur = next(s for s in sorted(surname_py, key=len, reverse=True) if token.startswith(s))
        heads.append((sur, token[len(sur):-1], token[-1]))
    return {
        "cities": cities,
        "industries": industries,
        "brand": zipf_pool([c for c, _ in _pinyin_pairs(CN_BRAND_TEXT)], 0.03),
        "surnames": Pool((s, float(w)) for s, _, w in surnames),
        "surname_py": surname_py,
        "pinyin": pinyin,
        "homophones": {c: [h for h in homophones[py] if h != c] for c, py in pinyin.items()},
        "given": {"m": zipf_pool([c for c, _ in _pinyin_pairs(CN_GIVEN_MALE_TEXT)], 0.06),
                  "f": zipf_pool([c for c, _ in _pinyin_pairs(CN_GIVEN_FEMALE_TEXT)], 0.06)},
        "given_first": {
            "m": zipf_pool([c for c, _ in _pinyin_pairs(CN_GIVEN_FIRST_MALE_TEXT)], 0.08),
            "f": zipf_pool([c for c, _ in _pinyin_pairs(CN_GIVEN_FIRST_FEMALE_TEXT)], 0.08)},
        "heads": harmonic_pool(heads),
    }


class CnCompany:
    __slots__ = ("brand", "industry", "qualifier", "legal", "city", "prefix", "bracket", "tail",
                 "domain")

    def name(self):
        bracket = "（%s）" % self.bracket if self.bracket else ""
        return (self.prefix + self.brand + self.industry.name + self.qualifier + bracket
                + self.legal + self.tail)

    def copy(self):
        other = CnCompany()
        for slot in self.__slots__:
            setattr(other, slot, getattr(self, slot))
        return other


class CnContact:
    __slots__ = ("surname", "given", "gender", "sur_py", "given_py", "english", "mobile",
                 "local", "freemail", "mail_kind")

    def name(self):
        return self.surname + self.given


class CnEntity:
    __slots__ = ("company", "contact", "email", "phone", "address", "parent_key", "branch")


class CnFamily(UniqueCompanies):
    HEADER = ["客户名称", "联系人", "手机", "电话", "邮箱", "省份", "城市", "地址"]
    BRANCH, NAMESAKE, JOB_CHANGE = 0.05, 0.06, 0.005

    def __init__(self, seed):
        self.seed = seed
        self.p = _cn_pools()
        rng = random.Random(seed)
        self.mobile_suffix = Scramble(10 ** 8, rng)
        self.landline_suffix = Scramble(10 ** 7, rng)
        self.redraws, self.domain_variants = {}, {}

    # ---------------------------------------------------------------- canonical entity

    def entity(self, e):
        rng = stream(self.seed, e, ENTITY_SLOT + self.redraws.get(e, 0))
        roll = rng.random()
        related = e > 0 and roll < self.BRANCH + self.NAMESAKE + self.JOB_CHANGE
        parent = self.entity(rng.randrange(e)) if related else None
        ent = CnEntity()
        ent.parent_key, ent.branch = None, False
        if parent is None:
            ent.company = self.company(rng, self.p["cities"].pick(rng))
            ent.contact = self.contact(rng, e)
        elif roll < self.BRANCH:
            ent.company = self.branch(rng, parent.company)
            ent.contact = self.contact(rng, e)
            ent.parent_key, ent.branch = digest(self.name_key(parent.company)), True
        elif roll < self.BRANCH + self.NAMESAKE:
            ent.company = self.namesake(rng, parent.company)
            ent.contact = self.contact(rng, e)
        else:
            ent.company = self.job_change_company(rng, parent.company)
            ent.contact = parent.contact
        if e in self.domain_variants:
            ent.company.domain = self.variant_domain(ent.company, ent.company.domain,
                                                     self.domain_variants[e])
        ent.email = self.email(ent.contact, ent.company)
        ent.phone = self.landline(rng, e, ent.company.city) if rng.random() < 0.65 else None
        ent.address = self.address(rng, ent.company.city) if rng.random() < 0.90 else None
        return ent

    def brand(self, rng):
        chars = []
        length = CN_BRAND_LENGTH.pick(rng)
        while len(chars) < length:
            c = self.p["brand"].pick(rng)
            if c not in chars:
                chars.append(c)
        return "".join(chars)

    def company(self, rng, city, brand=None, industry=None):
        co = CnCompany()
        co.brand = brand or self.brand(rng)
        co.industry = industry or self.p["industries"].pick(rng)
        co.qualifier = "发展" if rng.random() < 0.08 and "发展" not in co.industry.name else ""
        legal = CN_LEGAL.pick(rng)
        co.legal = legal if legal not in CN_SMALL_FORMS or co.industry.small else "有限公司"
        style = CN_REGION_STYLE.pick(rng)
        co.city = city
        co.prefix = {"city": city.name, "province": city.province}.get(style, "")
        co.bracket = city.name if style == "bracket" else ""
        co.tail = ""
        co.domain = self.domain(rng, co)
        return co

    def branch(self, rng, parent):
        co = parent.copy()
        co.city = self.other_city(rng, parent.city)
        style = rng.random()
        if style < 0.50:  # subsidiary named after its own city
            co.prefix, co.bracket = ("", co.city.name) if parent.bracket else (co.city.name, "")
            co.tail = ""
        elif style < 0.85:  # 分公司 under the parent's full name
            co.tail = co.city.name + "分公司"
        else:  # representative office
            co.prefix = co.bracket = co.legal = ""
            co.tail = co.city.name + "办事处"
        return co

    def namesake(self, rng, parent):
        city = self.p["cities"].pick(rng)
        style = rng.random()
        if style < 0.60:
            industry = parent.industry
            while industry is parent.industry:
                industry = self.p["industries"].pick(rng)
            co = self.company(rng, city, parent.brand, industry)
        elif style < 0.85:
            co = self.company(rng, city, self.brand_variant(rng, parent.brand))
        else:
            co = self.company(rng, city, parent.brand, parent.industry)
            co.qualifier = "" if parent.qualifier or "发展" in co.industry.name else "发展"
            while co.qualifier == parent.qualifier and co.legal == parent.legal:
                co.legal = CN_LEGAL.pick(rng)
        return co

    def job_change_company(self, rng, previous):
        while True:
            co = self.company(rng, self.other_city(rng, previous.city))
            if co.name() != previous.name():
                return co

    def brand_variant(self, rng, brand):
        while True:
            c = self.p["brand"].pick(rng)
            if c in brand:
                continue
            style = rng.random()
            if style < 0.4 and len(brand) < 4:
                return brand + c
            if style < 0.7:
                i = rng.randrange(len(brand))
                if c not in self.p["homophones"][brand[i]]:
                    return brand[:i] + c + brand[i + 1:]
            elif len(brand) < 4:
                return c + brand

    def other_city(self, rng, city):
        while True:
            other = self.p["cities"].pick(rng)
            if other.name != city.name:
                return other

    def pinyin(self, text):
        return "".join(self.p["pinyin"][c] for c in text)

    @staticmethod
    def name_key(co):
        return co.name()

    def variant_domain(self, co, base, k):
        name, tld = base.split(".", 1)
        brand, industry, city = self.pinyin(co.brand), co.industry.py, co.city.abbr
        options = (name + city, brand + industry, brand + "-" + co.industry.en,
                   city + brand + co.industry.initials, brand + industry + city,
                   city + "-" + brand + industry, brand + "china", brand + industry + "group")
        return (options[k - 1] if k <= len(options) else brand + industry + str(k)) + "." + tld

    def domain(self, rng, co):
        brand = self.pinyin(co.brand)
        initials = "".join(self.p["pinyin"][c][0] for c in co.brand)
        style = rng.random()
        if style < 0.35:
            name = brand
        elif style < 0.55:
            name = brand + co.industry.py
        elif style < 0.67:
            name = initials + co.industry.initials[:2]
        elif style < 0.75:
            name = brand + rng.choice(CN_LUCKY)
        elif style < 0.83:
            name = co.city.abbr + brand
        elif style < 0.93:
            name = brand + "-" + co.industry.en
        else:
            name = initials + "group"
        return name + CN_TLD.pick(rng)

    def contact(self, rng, e):
        c = CnContact()
        if rng.random() < CN_HEAD_MASS:
            c.surname, c.given, c.gender = self.p["heads"].pick(rng)
        else:
            c.gender = "m" if rng.random() < 0.55 else "f"
            c.surname = self.p["surnames"].pick(rng)
            c.given = self.p["given"][c.gender].pick(rng)
            if rng.random() < 0.55:
                c.given = self.p["given_first"][c.gender].pick(rng) + c.given
        c.sur_py = self.p["surname_py"][c.surname]
        c.given_py = [self.p["pinyin"][ch] for ch in c.given]
        c.english = ""
        if rng.random() < 0.12:
            c.english = rng.choice(CN_ENGLISH_MALE if c.gender == "m" else CN_ENGLISH_FEMALE)
        c.mobile = CN_MOBILE_PREFIX.pick(rng) + "%08d" % self.mobile_suffix(e)
        c.local = self.local_part(rng, c)
        roll = rng.random()
        c.mail_kind = "corporate" if roll < 0.55 else "free" if roll < 0.90 else "none"
        c.freemail = self.freemail(rng, c) if c.mail_kind == "free" else ""
        return c

    def local_part(self, rng, c):
        s, g = c.sur_py, "".join(c.given_py)
        gi = "".join(p[0] for p in c.given_py)
        style = CN_LOCAL_STYLE.pick(rng)
        if style == "en" and not c.english:
            style = "sg"
        return {
            "sg": lambda: s + g, "g.s": lambda: g + "." + s, "sgi": lambda: s + gi,
            "gis": lambda: gi + s, "s.g": lambda: s + "." + g,
            "en": lambda: c.english.lower() + "." + s,
            "sgd": lambda: s + g + str(rng.randint(1, 99)), "role": lambda: rng.choice(CN_ROLES),
            "init": lambda: s[0] + gi,
        }[style]()

    def freemail(self, rng, c):
        domain = CN_FREEMAIL.pick(rng)
        if domain == "qq.com" or (domain == "foxmail.com" and rng.random() < 0.5):
            local = str(rng.randint(1, 9)) + "".join(
                rng.choice("0123456789") for _ in range(rng.choice((7, 8, 8, 9, 9))))
        elif domain == "139.com":
            local = c.mobile
        else:
            base = c.local if c.local not in CN_ROLES else c.sur_py + "".join(c.given_py)
            if rng.random() < 0.35:
                local = base + str(rng.randint(1965, 2002))
            else:
                local = base + str(rng.randint(100, 99999))
        return local + "@" + domain

    def email(self, c, co):
        if c.mail_kind == "corporate":
            return c.local + "@" + co.domain
        return c.freemail

    def landline(self, rng, e, city):
        local = str(rng.randint(2, 8)) + "%07d" % self.landline_suffix(e)
        ext = str(rng.randint(100, 8999)) if rng.random() < 0.10 else ""
        return city.area, local, ext

    def address(self, rng, city):
        road = rng.choice(CN_ROAD_STEMS)
        if rng.random() < 0.2:
            road += rng.choice("东西南北中")
        road += CN_ROAD_SUFFIX.pick(rng)
        number = str(min(999, 1 + int(rng.expovariate(1 / 120))))
        building = room = ""
        if rng.random() < 0.45:
            building = rng.choice(CN_BUILDING_WORDS) + CN_BUILDING_SUFFIX.pick(rng)
            tower = rng.random()
            if tower < 0.25:
                building += rng.choice("ABCD") + "座"
            elif tower < 0.35:
                building += str(rng.randint(1, 12)) + "栋"
        if rng.random() < (0.80 if building else 0.25):
            room = self.room(rng)
        return [rng.choice(city.districts), road, number, building, room]

    @staticmethod
    def room(rng):
        floor = rng.randint(1, 35)
        number = "%d%02d" % (floor, rng.randint(1, 30))
        style = rng.random()
        if style < 0.60:
            return number + "室"
        if style < 0.75:
            return "%d层" % floor
        if style < 0.85:
            return "%d楼%s" % (floor, number)
        return number

    # ---------------------------------------------------------------- rows

    def row(self, e, variant):
        ent = self.entity(e)
        rng = stream(self.seed, e, variant)
        row = CnRow(self, ent, rng)
        if variant:
            corrupt(row, rng, CN_CORRUPTIONS)
            row.keep_a_channel()
        return row.render()


class CnRow:
    """One spreadsheet row of a CN entity: ambient variation now, corruptions later."""

    def __init__(self, family, ent, rng):
        self.family, self.ent = family, ent
        co, c = ent.company, ent.contact
        self.prefix, self.brand, self.industry = co.prefix, co.brand, co.industry.name
        self.qualifier, self.bracket, self.legal, self.tail = co.qualifier, co.bracket, co.legal, co.tail
        self.wide_brackets = rng.random() < 0.8
        self.traditional = False
        self.space = None  # (position, space) inserted among the name parts
        roll = rng.random()
        if roll < 0.94:
            self.contact = c.name()
        elif roll < 0.97:
            self.contact = c.name() + rng.choice(("经理", "（总经理）", " 主管"))
        else:
            self.contact = ""
        self.mobile = c.mobile if rng.random() >= 0.04 else ""
        self.mobile_format = CN_MOBILE_FORMATS.pick(rng)
        self.phone = ent.phone if ent.phone and rng.random() >= 0.10 else None
        self.phone_format = CN_PHONE_FORMATS.pick(rng)
        self.ext_format = rng.choice(CN_EXT_FORMATS)
        self.email = ent.email if rng.random() >= 0.05 else ""
        self.province_style = CN_PROVINCE_STYLE.pick(rng)
        self.city_style = CN_CITY_STYLE.pick(rng)
        self.address = list(ent.address) if ent.address and rng.random() >= 0.08 else None
        self.address_prefix = ""
        self.wide_address = False

    def keep_a_channel(self):
        if not (self.mobile or self.phone or self.email):
            self.mobile = self.ent.contact.mobile

    def name(self):
        bracket = ("（%s）" if self.wide_brackets else "(%s)") % self.bracket if self.bracket else ""
        parts = [self.prefix, self.brand, self.industry + self.qualifier, bracket, self.legal,
                 self.tail]
        if self.space:
            parts.insert(*self.space)
        name = "".join(parts)
        return name.translate(CN_TRADITIONAL) if self.traditional else name

    def render(self):
        city = self.ent.company.city
        m = self.mobile
        mobile = self.mobile_format.format(m[:3], m[3:7], m[7:]) if m else ""
        phone = ""
        if self.phone:
            area, local, ext = self.phone
            phone = self.phone_format.format(a=area, a0=area[1:], l=local, l1=local[:4], l2=local[4:])
            if ext:
                phone += self.ext_format.format(e=ext)
        province = {"full": city.province_full(), "short": city.province}.get(self.province_style, "")
        city_text = {"full": city.name + "市", "short": city.name}.get(self.city_style, "")
        address = ""
        if self.address:
            district, road, number, building, room = self.address
            address = self.address_prefix + district + road + number + "号" + building + room
            address = address.translate(FULL_WIDTH_DIGITS) if self.wide_address else address
        return [self.name(), self.contact, mobile, phone, self.email, province, city_text, address]


# ------------------------------------------------------------------ cn corruptions

def cn_drop_legal(r, rng):
    if not r.legal:
        cn_drop_region(r, rng)
    elif rng.random() < 0.75:
        r.legal = ""
    else:
        r.legal = "公司" if r.legal == "有限公司" else "有限公司" if "有限" in r.legal else ""


def cn_drop_region(r, rng):
    if r.prefix or r.bracket:
        r.prefix = r.bracket = ""
    elif r.legal:
        cn_drop_legal(r, rng)


def cn_short_name(r, rng):
    r.prefix = r.bracket = r.legal = r.qualifier = ""
    if rng.random() < 0.5:
        r.tail = ""
    if len(r.brand) >= 3 and rng.random() < 0.4:
        r.industry = ""


def cn_region_brackets(r, rng):
    if r.prefix:
        r.prefix, r.bracket = "", r.prefix
    elif r.bracket:
        r.prefix, r.bracket = r.bracket, ""
    elif rng.random() < 0.5:
        r.bracket = r.ent.company.city.name
    else:
        r.prefix = r.ent.company.city.name


def cn_homophone(rng, text, homophones):
    """Replace one character of `text` by a homophone, if any character has one."""
    spots = [i for i, c in enumerate(text) if homophones.get(c)]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + rng.choice(homophones[text[i]]) + text[i + 1:]


def cn_brand_typo(r, rng):
    r.brand = cn_homophone(rng, r.brand, r.family.p["homophones"])


def cn_name_variant(r, rng):
    roll = rng.random()
    if roll < 0.35 and r.name().translate(CN_TRADITIONAL) != r.name():
        r.traditional = True
    elif roll < 0.55 and r.bracket:
        r.wide_brackets = not r.wide_brackets
    elif roll < 0.85 or not r.address:
        r.space = (rng.choice((1, 2, 4, 6)), rng.choice((" ", " ", "　")))  # before brand,
        # industry or legal form, or trailing
    else:
        r.wide_address = True


def cn_contact_title(r, rng):
    c = r.ent.contact
    if rng.random() < 0.2:
        r.contact = c.name() + rng.choice(CN_FULL_TITLES)
        return
    title = CN_TITLES.pick(rng)
    if title == "小":
        r.contact = "小" + c.surname
        return
    if title == "先生" and c.gender == "f":
        title = "女士"
    if title == "哥" and c.gender == "f":
        title = "姐"
    r.contact = c.surname + title


def cn_contact_pinyin(r, rng):
    c = r.ent.contact
    s, g = c.sur_py, "".join(c.given_py)
    roll = rng.random()
    if roll < 0.35:
        r.contact = s.title() + " " + g.title()
    elif roll < 0.55:
        r.contact = s + " " + g
    elif roll < 0.75:
        r.contact = g.title() + " " + s.title()
    elif roll < 0.85:
        r.contact = s.upper() + " " + g.title()
    elif roll < 0.92 and c.english:
        r.contact = c.english + " " + s.title()
    else:
        r.contact = s + g


def cn_contact_homophone(r, rng):
    c = r.ent.contact
    r.contact = c.surname + cn_homophone(rng, c.given, r.family.p["homophones"])


def cn_mobile_reformat(r, rng):
    current = r.mobile_format
    while r.mobile_format == current:
        r.mobile_format = CN_MOBILE_FORMATS.pick(rng)
    r.mobile = r.mobile or r.ent.contact.mobile


def cn_mobile_typo(r, rng):
    r.mobile = digit_typo(rng, r.mobile or r.ent.contact.mobile, start=3)


def cn_mobile_missing(r, rng):
    r.mobile = ""


def cn_phone_reformat(r, rng):
    if not r.ent.phone:
        cn_mobile_reformat(r, rng)
        return
    r.phone = r.ent.phone
    current = r.phone_format
    while r.phone_format == current:
        r.phone_format = CN_PHONE_REFORMATS.pick(rng)


def cn_phone_missing(r, rng):
    r.phone = None


def cn_email_missing(r, rng):
    r.email = ""


def cn_email_case(r, rng):
    if not r.email:
        cn_email_missing(r, rng)
    elif rng.random() < 0.5:
        r.email = r.email.upper()
    else:
        local, domain = r.email.split("@")
        r.email = local.capitalize() + "@" + domain.capitalize()


def cn_region_fields(r, rng):
    roll = rng.random()
    if roll < 0.3:
        r.province_style = r.city_style = "none"
    elif roll < 0.6:
        r.province_style = "none"
    elif roll < 0.8:
        r.city_style = "none"
    elif roll < 0.9:
        r.province_style = "short" if r.province_style == "full" else "full"
    else:
        r.city_style = "short" if r.city_style == "full" else "full"


def cn_address_format(r, rng):
    if not r.address:
        r.address = list(r.ent.address) if r.ent.address else None
        return
    roll = rng.random()
    city = r.ent.company.city
    if roll < 0.3:
        r.address[0] = ""
    elif roll < 0.55 and r.address[3]:
        r.address[3] = r.address[4] = ""
    elif roll < 0.75 and r.address[4]:
        r.address[4] = ""
    elif city.province in CN_MUNICIPALITIES:
        r.address_prefix = city.name + "市"
    else:
        r.address_prefix = rng.choice((city.province_full(), city.province, "")) + city.name + "市"


def cn_address_missing(r, rng):
    r.address = None


def cn_address_moved(r, rng):
    if not r.address:
        cn_address_missing(r, rng)
    elif r.address[4] or r.address[3]:
        r.address[4] = CnFamily.room(rng)
    else:
        r.address[2] = str(max(1, int(r.address[2]) + rng.choice((-2, -1, 1, 2, 10))))


def cn_blank_field(r, rng):
    field = rng.choice(("contact", "mobile", "phone", "email", "province", "city", "address"))
    if field in ("province", "city"):
        setattr(r, field + "_style", "none")
    else:
        setattr(r, field, None if field in ("phone", "address") else "")


CN_CORRUPTIONS = Pool([
    (cn_drop_legal, 9), (cn_drop_region, 9), (cn_short_name, 8), (cn_region_brackets, 6),
    (cn_brand_typo, 5), (cn_name_variant, 6), (cn_contact_title, 8), (cn_contact_pinyin, 5),
    (cn_contact_homophone, 2), (cn_mobile_reformat, 6), (cn_mobile_typo, 1.5),
    (cn_mobile_missing, 4), (cn_phone_reformat, 5), (cn_phone_missing, 4),
    (cn_email_missing, 5), (cn_email_case, 3), (cn_region_fields, 7), (cn_address_format, 6),
    (cn_address_missing, 4), (cn_address_moved, 3), (cn_blank_field, 3),
])


# ============================================================================ family en

# city|state|area codes|aliases|weight
EN_CITY_TEXT = """
New York|NY|212 646 917 718|NYC;New York City|10
Los Angeles|CA|213 310 323 818|LA|8
Chicago|IL|312 773 872||6
Houston|TX|713 832 281||5
Phoenix|AZ|602 480 623||3
Philadelphia|PA|215 267||3
San Antonio|TX|210 726||3
San Diego|CA|619 858||3
Dallas|TX|214 469 972||4
San Jose|CA|408 669||2
Austin|TX|512 737||3
Jacksonville|FL|904||2
Fort Worth|TX|817 682|Ft. Worth;Ft Worth|2
Columbus|OH|614 380||2
Charlotte|NC|704 980||2
Indianapolis|IN|317 463|Indy|2
San Francisco|CA|415 628|SF;San Fran|4
Seattle|WA|206||4
Denver|CO|303 720||3
Washington|DC|202|Washington DC;Washington D.C.|3
Boston|MA|617 857||4
Nashville|TN|615 629||2
Detroit|MI|313||2
Portland|OR|503 971||2
Portland|ME|207||0.5
Las Vegas|NV|702 725||2
Memphis|TN|901||1
Louisville|KY|502||1
Baltimore|MD|410 443||2
Milwaukee|WI|414||1
Albuquerque|NM|505||1
Tucson|AZ|520||1
Sacramento|CA|916||1.5
Kansas City|MO|816||1.5
Atlanta|GA|404 470 678||4
Miami|FL|305 786||3
Raleigh|NC|919 984||1.5
Omaha|NE|402||1
Minneapolis|MN|612||2
Tulsa|OK|918||1
Cleveland|OH|216||1.5
Tampa|FL|813||1.5
St. Louis|MO|314|Saint Louis;St Louis|2
Pittsburgh|PA|412||1.5
Cincinnati|OH|513||1.5
Orlando|FL|407 321||1.5
Salt Lake City|UT|801 385|SLC|1.5
Richmond|VA|804||1
Buffalo|NY|716||1
Springfield|IL|217||0.5
Springfield|MO|417||0.5
Springfield|MA|413||0.5
"""

EN_STATES = {
    "NY": "New York", "CA": "California", "IL": "Illinois", "TX": "Texas", "AZ": "Arizona",
    "PA": "Pennsylvania", "FL": "Florida", "OH": "Ohio", "NC": "North Carolina",
    "IN": "Indiana", "WA": "Washington", "CO": "Colorado", "DC": "District of Columbia",
    "MA": "Massachusetts", "TN": "Tennessee", "MI": "Michigan", "OR": "Oregon", "ME": "Maine",
    "NV": "Nevada", "KY": "Kentucky", "MD": "Maryland", "WI": "Wisconsin", "NM": "New Mexico",
    "MO": "Missouri", "GA": "Georgia", "NE": "Nebraska", "MN": "Minnesota", "OK": "Oklahoma",
    "UT": "Utah", "VA": "Virginia",
}

EN_BRAND_WORDS = """
Acme Summit Pinnacle Apex Vertex Keystone Liberty Patriot Eagle Falcon Horizon Meridian
Beacon Harbor Anchor Compass Frontier Pioneer Heritage Legacy Premier Sterling Granite Cobalt
Crimson Evergreen Redwood Cypress Silverline Brightpath Clearwater Northstar Westfield Eastgate
Southport Lakeside Riverside Bayview Hillcrest Stonebridge Ironwood Bluewater Greenfield
Fairview Highland Midland Coastal Continental National American United Allied General
Standard Universal Global Atlas Titan Orion Polaris Zenith Nova Vanguard Sentinel Guardian
Paragon Catalyst Quantum Vector Matrix Nexus Synergy Momentum Elevate Ascend Trident Delta
Sigma Omega Alpha Crescent Sierra Cascade Aspen Sequoia Magnolia Willow Cedar Maple Birch
Juniper Sage Copper Bronze Onyx Sapphire Emerald Jade Ruby Pacific Atlantic Prairie Canyon
Mesa Harvest Cornerstone Landmark Benchmark Milestone Keystone Flagship Lighthouse Bridgeway
Pathway Gateway Crossroads Junction Metro Urban Capitol Empire Regal Royal Monarch Crown
Sovereign Dominion Precision Reliable Advanced Integrated Innovative Strategic Dynamic
Superior Quality Express Rapid Prime Elite Select Total Smart First Choice
"""
EN_BRAND_SECOND = ("Ridge Rock Gate Creek Lakes Mountain Star Coast Point Valley River Bay "
                   "Peak Field Stone Oak Pine Springs Harbor Bridge Grove Hollow Crossing Park "
                   "Summit Trail Mesa Forge Works Line Path Shore Meadow Canyon Prairie Bluff "
                   "Falls Heights Landing Port").split()
EN_COMPOUND_HEADS = ("North South East West Blue Red Green Silver Gold Iron Stone Clear Bright "
                     "True Fair High Oak Pine River Lake Sun Star Sky Bay Crest Wild Deep Swift "
                     "Rock Maple Copper Cedar Elm Ash Birch Frost Storm Sand Glen Moss Fox Hawk "
                     "Wolf Bear Pike Mill").split()
EN_COMPOUND_TAILS = ("bridge view point field wood stone gate way line path ridge water brook "
                     "crest haven port mark wise works star dale ford land shire vale gard hill "
                     "light side wick").split()
EN_BRAND_SUFFIX_WORDS = "Group West East North South Point Ridge One Pro Plus".split()

# name|abbreviation ('' if none)|weight
EN_INDUSTRY_TEXT = """
Logistics||5
Solutions||8
Systems|Sys.|5
Technologies|Tech|7
Consulting||5
Manufacturing|Mfg|4
Industries|Ind.|3
Services|Svcs|6
Enterprises|Ent.|2
Holdings||2
Partners||3
Group||4
Capital||2
Healthcare||2
Medical Supply|Med Supply|1
Foods||2
Distribution|Dist.|2
Construction|Constr.|3
Engineering|Eng.|3
Electric||2
Plumbing||1
Mechanical|Mech.|1
Software||3
Labs||1
Analytics||1
Marketing||2
Media||2
Design||2
Staffing||1
Insurance Agency|Ins. Agency|1
Realty||1
Properties||1
Energy||2
Environmental|Env.|1
Automotive|Auto|1
Transport||1
Freight||1
Packaging|Pkg|1
Printing||1
Security||1
Networks||1
Communications|Comms|1
Financial|Finl|1
Associates|Assoc.|2
Pharmaceuticals|Pharma|1
"""

EN_LEGAL = Pool([("Inc.", 33), ("LLC", 30), ("Corp.", 8), ("Co.", 4), ("Ltd.", 3),
                 ("Corporation", 3), ("Incorporated", 2), ("LLP", 2), ("PLLC", 1), ("L.P.", 1),
                 ("", 13)])
EN_LEGAL_VARIANTS = {
    "Inc.": ("Inc", "Incorporated", "INC"), "LLC": ("L.L.C.", "llc", "LLC."),
    "Corp.": ("Corp", "Corporation"), "Corporation": ("Corp.", "Corp"), "Co.": ("Co", "Company"),
    "Ltd.": ("Ltd", "Limited"), "LLP": ("L.L.P.",), "PLLC": ("P.L.L.C.",), "L.P.": ("LP",),
    "Incorporated": ("Inc.", "Inc"),
}
EN_TLD = Pool([(".com", 85), (".net", 6), (".co", 4), (".us", 3), (".biz", 2)])

EN_FIRST_MALE = """
James Michael Robert John David William Richard Joseph Thomas Christopher Charles Daniel
Matthew Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian Timothy Ronald
George Jason Edward Jeffrey Ryan Jacob Nicholas Gary Eric Jonathan Stephen Larry Justin Scott
Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron
Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Christian Walter Keith
Austin Roger Terry Sean Gerald Carl Dylan Harold Jordan Jesse Bryan Lawrence Arthur Gabriel
Bruce Logan Billy Joe Alan Juan Elijah Willie Albert Wayne Randy Mason Vincent Liam Roy
Bobby Caleb Bradley Russell Lucas
"""
EN_FIRST_FEMALE = """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Karen Sarah Lisa Nancy Sandra
Betty Ashley Emily Kimberly Margaret Donna Michelle Carol Amanda Melissa Deborah Stephanie
Rebecca Sharon Laura Cynthia Dorothy Amy Kathleen Angela Shirley Emma Brenda Pamela Nicole
Anna Samantha Katherine Christine Debra Rachel Carolyn Janet Maria Olivia Heather Helen
Catherine Diane Julie Victoria Joyce Lauren Kelly Christina Ruth Joan Virginia Judith Evelyn
Hannah Andrea Megan Cheryl Jacqueline Madison Teresa Abigail Sophia Martha Sara Gloria Janice
Kathryn Ann Isabella Judy Charlotte Julia Grace Amber Alice Jean Denise Frances Danielle
Marilyn Natalie Beverly Diana Brittany Theresa Kayla Alexis Doris Lori Tiffany
"""
EN_SURNAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell
Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson
Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez
McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns
Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt
Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer
Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant
Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight
Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado
Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter Lawrence Sandoval
O'Brien O'Connor
"""
EN_HEAD_NAMES = """
John_Smith Michael_Smith David_Smith James_Smith Robert_Smith John_Johnson Michael_Johnson
Mary_Smith Maria_Garcia James_Johnson David_Johnson Robert_Johnson John_Williams
Michael_Brown Maria_Rodriguez David_Brown James_Brown John_Brown Michael_Williams
Jennifer_Smith William_Smith Richard_Smith James_Williams Robert_Brown David_Williams
Robert_Williams John_Jones Michael_Jones Mark_Smith Thomas_Smith Daniel_Smith Christopher_Smith
John_Miller Michael_Miller David_Miller Susan_Smith Linda_Smith Patricia_Smith Maria_Martinez
Jose_Garcia
"""
EN_HEAD_MASS = 0.03

# formal -> nicknames, shared with the person family (lower-cased there)
NICKNAMES = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Michael": ("Mike",),
    "James": ("Jim", "Jimmy", "Jamie"), "Richard": ("Rick", "Rich", "Dick"), "Thomas": ("Tom",),
    "Joseph": ("Joe",), "Charles": ("Charlie", "Chuck"), "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"), "Matthew": ("Matt",), "Anthony": ("Tony",), "Steven": ("Steve",),
    "Andrew": ("Andy", "Drew"), "Joshua": ("Josh",), "Kenneth": ("Ken",), "Edward": ("Ed", "Eddie"),
    "Ronald": ("Ron",), "Timothy": ("Tim",), "Jonathan": ("Jon",), "Nicholas": ("Nick",),
    "Benjamin": ("Ben",), "Samuel": ("Sam",), "Gregory": ("Greg",), "Alexander": ("Alex",),
    "Patrick": ("Pat",), "Jeffrey": ("Jeff",), "Douglas": ("Doug",), "Lawrence": ("Larry",),
    "Gerald": ("Jerry",), "Zachary": ("Zach",), "Raymond": ("Ray",), "Frederick": ("Fred",),
    "Elizabeth": ("Liz", "Beth", "Betsy"), "Jennifer": ("Jen", "Jenny"),
    "Patricia": ("Pat", "Patty", "Tricia"), "Margaret": ("Maggie", "Peggy"),
    "Katherine": ("Kate", "Katie", "Kathy"), "Susan": ("Sue",), "Deborah": ("Deb", "Debbie"),
    "Rebecca": ("Becky",), "Jessica": ("Jess",), "Christine": ("Chris",), "Kimberly": ("Kim",),
    "Victoria": ("Vicky", "Tori"), "Samantha": ("Sam",), "Cynthia": ("Cindy",), "Pamela": ("Pam",),
    "Barbara": ("Barb",), "Sandra": ("Sandy",), "Melissa": ("Missy",), "Stephanie": ("Steph",),
    "Catherine": ("Cathy", "Kate"), "Kathleen": ("Kathy",), "Abigail": ("Abby",),
    "Jacqueline": ("Jackie",), "Theresa": ("Tess",), "Judith": ("Judy",), "Dorothy": ("Dot",),
}

EN_STREETS = """
Main Oak Maple Cedar Pine Elm Washington Lincoln Jefferson Madison Franklin Park Lake Hill
River Market Commerce Industrial Technology Corporate Enterprise Center Church Spring Sunset
Highland Ridge Forest Meadow Broadway Peachtree Wilshire Lexington Michigan Colorado Jackson
Adams Monroe Wilson Grand Central Union Liberty Harbor Airport College University Mill Bridge
Chestnut Walnut Willow Hickory Magnolia Dogwood Sycamore Valley Mountain Ocean Bay Lakeview
Fairway Gateway Innovation Research Executive Commerce 1st 2nd 3rd 4th 5th 6th 7th 8th 9th
10th 12th 14th
"""
EN_STREET_TYPES = Pool([(("Street", "St"), 30), (("Avenue", "Ave"), 18), (("Road", "Rd"), 12),
                        (("Boulevard", "Blvd"), 8), (("Drive", "Dr"), 10), (("Lane", "Ln"), 4),
                        (("Way", "Way"), 4), (("Parkway", "Pkwy"), 4), (("Court", "Ct"), 3),
                        (("Place", "Pl"), 3), (("Circle", "Cir"), 1), (("Highway", "Hwy"), 1),
                        (("Plaza", "Plz"), 1), (("Terrace", "Ter"), 1)])
EN_DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast",
                 "NW": "Northwest", "SE": "Southeast", "SW": "Southwest"}
EN_DIRECTION_POOL = Pool([(d, 3 if len(d) == 1 else 1) for d in EN_DIRECTIONS])
EN_UNIT_KIND = Pool([("Suite", 60), ("Unit", 15), ("#", 10), ("Floor", 10), ("Bldg", 5)])

EN_PHONE_FORMATS = Pool([("({a}) {x}-{l}", 35), ("{a}-{x}-{l}", 33), ("{a}.{x}.{l}", 10),
                         ("{a}{x}{l}", 8), ("+1 {a} {x} {l}", 6), ("1-{a}-{x}-{l}", 5),
                         ("+1 ({a}) {x}-{l}", 3)])
EN_EXT_FORMATS = (" x{e}", " ext. {e}", " Ext {e}")
EN_FREEMAIL = Pool([("gmail.com", 60), ("yahoo.com", 15), ("outlook.com", 8), ("hotmail.com", 8),
                    ("aol.com", 4), ("icloud.com", 3), ("comcast.net", 2)])
EN_LOCAL_STYLE = Pool([("first.last", 35), ("flast", 25), ("firstlast", 10), ("first", 8),
                       ("f.last", 8), ("firstl", 7), ("first_last", 4), ("lastf", 3)])
EN_ABBREVIATIONS = (("International", ("Intl", "Int'l", "Intl.")), (" & ", (" and ",)),
                    (" and ", (" & ",)), ("Brothers", ("Bros.", "Bros")))

US_EXCHANGES = [x for x in range(200, 1000) if x % 100 != 11 and x != 555]


class UsCity:
    __slots__ = ("name", "state", "areas", "aliases")

    def __init__(self, name, state, areas, aliases):
        self.name, self.state, self.areas, self.aliases = name, state, areas, aliases


def _en_pools():
    cities = []
    for line in EN_CITY_TEXT.strip().splitlines():
        name, state, areas, aliases, weight = line.split("|")
        cities.append((UsCity(name, state, areas.split(), [a for a in aliases.split(";") if a]),
                       float(weight)))
    industries = [(tuple(l.split("|")[:2]), float(l.split("|")[2]))
                  for l in EN_INDUSTRY_TEXT.strip().splitlines()]
    male, female = EN_FIRST_MALE.split(), EN_FIRST_FEMALE.split()
    firsts = [name for pair in zip(male, female) for name in pair]
    genders = {**{n: "m" for n in male}, **{n: "f" for n in female}}
    real = EN_SURNAMES.split()
    synthetic = synthetic_names(random.Random("en-surnames"), 2500, SURNAME_PARTS,
                                {s.lower() for s in real})
    heads = [tuple(n.split("_")) for n in EN_HEAD_NAMES.split()]
    return {
        "cities": Pool(cities),
        "all_areas": [a for c, _ in cities for a in c.areas],
        "industries": Pool(industries),
        "brands": zipf_pool(list(dict.fromkeys(EN_BRAND_WORDS.split())), 0.01),
        "firsts": zipf_pool(firsts, 0.03),
        "genders": genders,
        "surnames": zipf_pool(real, 0.012, [s.capitalize() for s in synthetic], 0.15),
        "heads": harmonic_pool(heads),
        "streets": zipf_pool(list(dict.fromkeys(EN_STREETS.split())), 0.05),
    }


class EnCompany:
    __slots__ = ("the", "brand", "industry", "abbrev", "intl", "legal", "city", "tail", "domain")

    def copy(self):
        other = EnCompany()
        for slot in self.__slots__:
            setattr(other, slot, getattr(self, slot))
        return other

    def name(self):
        return en_name(self.the, self.brand, self.industry, "International" if self.intl else "",
                       self.legal, False, self.tail)


def en_name(the, brand, industry, intl, legal, comma, tail):
    name = " ".join(w for w in ("The" if the else "", brand, industry, intl) if w)
    if legal:
        name += ("," if comma else "") + " " + legal
    return name + tail


class EnContact:
    __slots__ = ("first", "last", "middle", "gender", "mobile", "local", "freemail", "mail_kind")

    def name(self):
        return self.first + " " + self.last


class EnEntity:
    __slots__ = ("company", "contact", "email", "phone", "address", "parent_key", "branch")


class EnFamily(UniqueCompanies):
    HEADER = ["company", "contact", "mobile", "phone", "email", "state", "city", "address"]
    BRANCH, NAMESAKE, JOB_CHANGE = 0.05, 0.06, 0.005

    def __init__(self, seed):
        self.seed = seed
        self.p = _en_pools()
        rng = random.Random(seed)
        self.numbers = Scramble(len(US_EXCHANGES) * 10000, rng)
        self.redraws, self.domain_variants = {}, {}

    def us_number(self, area, index):
        n = self.numbers(index)
        return area, "%03d" % US_EXCHANGES[n // 10000], "%04d" % (n % 10000)

    # ---------------------------------------------------------------- canonical entity

    def entity(self, e):
        rng = stream(self.seed, e, ENTITY_SLOT + self.redraws.get(e, 0))
        roll = rng.random()
        related = e > 0 and roll < self.BRANCH + self.NAMESAKE + self.JOB_CHANGE
        parent = self.entity(rng.randrange(e)) if related else None
        ent = EnEntity()
        ent.parent_key, ent.branch = None, False
        if parent is None:
            ent.company = self.company(rng, self.p["cities"].pick(rng))
            ent.contact = self.contact(rng, e, ent.company.city)
        elif roll < self.BRANCH:
            ent.company = self.branch(rng, parent.company)
            ent.contact = self.contact(rng, e, ent.company.city)
            ent.parent_key, ent.branch = digest(self.name_key(parent.company)), True
        elif roll < self.BRANCH + self.NAMESAKE:
            ent.company = self.namesake(rng, parent.company)
            ent.contact = self.contact(rng, e, ent.company.city)
            if ent.company.name() == parent.company.name():
                ent.parent_key = digest(self.name_key(parent.company))
        else:
            ent.company = self.job_change_company(rng, parent.company)
            ent.contact = parent.contact
        if e in self.domain_variants:
            ent.company.domain = self.variant_domain(ent.company, ent.company.domain,
                                                     self.domain_variants[e])
        c = ent.contact
        ent.email = c.local + "@" + ent.company.domain if c.mail_kind == "corporate" else c.freemail
        ent.phone = None
        if rng.random() < 0.85 or not c.mobile:
            area = rng.choice(ent.company.city.areas)
            ext = str(rng.randint(100, 4999)) if rng.random() < 0.15 else ""
            ent.phone = self.us_number(area, 2 * e + 1) + (ext,)
        ent.address = self.address(rng) if rng.random() < 0.95 else None
        return ent

    def brand(self, rng):
        roll = rng.random()
        if roll < 0.12:
            return self.p["brands"].pick(rng)
        if roll < 0.35:
            return rng.choice(EN_COMPOUND_HEADS) + rng.choice(EN_COMPOUND_TAILS)
        if roll < 0.70:
            return self.p["brands"].pick(rng) + " " + rng.choice(EN_BRAND_SECOND)
        name = self.p["surnames"].pick(rng)
        style = rng.random()
        if style < 0.4:
            return name
        if style < 0.6:
            return name + " & Sons"
        if style < 0.75:
            return name + " Brothers"
        return name + " & " + self.p["surnames"].pick(rng)

    def company(self, rng, city, brand=None, industry=None):
        co = EnCompany()
        co.the = rng.random() < 0.03
        co.brand = brand or self.brand(rng)
        co.industry, co.abbrev = industry or self.p["industries"].pick(rng)
        co.intl = rng.random() < 0.06
        co.legal = EN_LEGAL.pick(rng)
        co.city = city
        co.tail = ""
        co.domain = self.domain(rng, co)
        return co

    def branch(self, rng, parent):
        co = parent.copy()
        co.city = self.other_city(rng, parent.city)
        roll = rng.random()
        co.tail = ("" if roll < 0.55 else " - " + co.city.name if roll < 0.80
                   else " (%s)" % co.city.name if roll < 0.90
                   else " - %s Office" % co.city.name if roll < 0.95 else " %s Branch" % co.city.name)
        return co

    def namesake(self, rng, parent):
        city = self.p["cities"].pick(rng)
        roll = rng.random()
        if roll < 0.50:
            industry = (parent.industry, parent.abbrev)
            while industry[0] == parent.industry:
                industry = self.p["industries"].pick(rng)
            co = self.company(rng, city, parent.brand, industry)
        elif roll < 0.70:
            co = self.company(rng, city, parent.brand + " " + rng.choice(EN_BRAND_SUFFIX_WORDS))
        elif roll < 0.85:
            co = self.company(rng, city, parent.brand, (parent.industry, parent.abbrev))
            while co.legal == parent.legal:
                co.legal = EN_LEGAL.pick(rng)
        else:  # an unrelated company of the same name in another state
            co = self.company(rng, self.other_state_city(rng, parent.city), parent.brand,
                              (parent.industry, parent.abbrev))
            co.the, co.intl, co.legal = parent.the, parent.intl, parent.legal
        return co

    def job_change_company(self, rng, previous):
        while True:
            co = self.company(rng, self.other_city(rng, previous.city))
            if co.name() != previous.name():
                return co

    def other_city(self, rng, city):
        while True:
            other = self.p["cities"].pick(rng)
            if other is not city:
                return other

    def other_state_city(self, rng, city):
        while True:
            other = self.p["cities"].pick(rng)
            if other.state != city.state:
                return other

    @staticmethod
    def slug(text):
        return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))

    @staticmethod
    def name_key(co):
        return co.name().lower()

    def variant_domain(self, co, base, k):
        name, tld = base.split(".", 1)
        brand, industry = self.slug(co.brand), self.slug(co.industry)
        city, state = self.slug(co.city.name), co.city.state.lower()
        options = (name + state, brand + industry, brand + "-" + industry, brand + industry + state,
                   brand + "-" + city, brand + industry + "-" + city, "get" + brand + industry,
                   brand + industry + "hq", brand + city + industry, "the" + brand + industry)
        return (options[k - 1] if k <= len(options) else brand + industry + str(k)) + "." + tld

    def domain(self, rng, co):
        brand, industry = self.slug(co.brand), self.slug(co.industry)
        roll = rng.random()
        if roll < 0.35:
            name = brand + industry
        elif roll < 0.55:
            name = brand
        elif roll < 0.65:
            name = brand + "-" + industry
        elif roll < 0.75:
            name = brand + industry[:4]
        elif roll < 0.83:
            name = brand + rng.choice(("inc", "group", "co"))
        elif roll < 0.88:
            name = brand + rng.choice(("hq", "usa"))
        elif roll < 0.92:
            name = "".join(w[0] for w in (co.brand + " " + co.industry).lower().split() if w[0].isalpha())
            name += "" if len(name) > 2 else "corp"
        else:
            name = brand + str(rng.randint(10, 99))
        return name + EN_TLD.pick(rng)

    def contact(self, rng, e, city):
        c = EnContact()
        if rng.random() < EN_HEAD_MASS:
            c.first, c.last = self.p["heads"].pick(rng)
        else:
            c.first, c.last = self.p["firsts"].pick(rng), self.p["surnames"].pick(rng)
        c.gender = self.p["genders"][c.first]
        c.middle = rng.choice("ABCDEFGHJKLMNPRSTW")
        c.mobile = None
        if rng.random() < 0.75:
            area = rng.choice(city.areas if rng.random() < 0.85 else self.p["all_areas"])
            c.mobile = self.us_number(area, 2 * e)
        c.local = en_local(EN_LOCAL_STYLE.pick(rng), c.first, c.last)
        roll = rng.random()
        c.mail_kind = "corporate" if roll < 0.65 else "free" if roll < 0.93 else "none"
        c.freemail = ""
        if c.mail_kind == "free":
            digits = str(rng.randint(55, 99) if rng.random() < 0.5 else rng.randint(1, 9999))
            c.freemail = (en_local(EN_LOCAL_STYLE.pick(rng), c.first, c.last) + digits + "@"
                          + EN_FREEMAIL.pick(rng))
        return c

    def address(self, rng):
        number = str(min(19999, 1 + int(rng.expovariate(1 / 900))))
        direction = EN_DIRECTION_POOL.pick(rng) if rng.random() < 0.15 else ""
        unit = None
        if rng.random() < 0.45:
            kind = EN_UNIT_KIND.pick(rng)
            value = (rng.choice("ABCDE") if kind == "Bldg" else str(rng.randint(2, 30)) if kind == "Floor"
                     else str(rng.choice((100, 200, 300, 400, 500, 1000)) + rng.randint(0, 50)))
            unit = (kind, value)
        return [number, direction, self.p["streets"].pick(rng), EN_STREET_TYPES.pick(rng), unit]

    # ---------------------------------------------------------------- rows

    def row(self, e, variant):
        ent = self.entity(e)
        rng = stream(self.seed, e, variant)
        row = EnRow(self, ent, rng)
        if variant:
            corrupt(row, rng, EN_CORRUPTIONS)
            row.keep_a_channel()
        return row.render()


def en_local(style, first, last):
    f, l = first.lower(), re.sub(r"[^a-z]", "", last.lower())
    return {"first.last": f + "." + l, "flast": f[0] + l, "firstlast": f + l, "first": f,
            "f.last": f[0] + "." + l, "firstl": f + l[0], "first_last": f + "_" + l,
            "lastf": l + f[0]}[style]


class EnRow:
    """One CRM row of an EN entity: ambient variation now, corruptions later."""

    def __init__(self, family, ent, rng):
        self.family, self.ent = family, ent
        co, c = ent.company, ent.contact
        self.the, self.brand, self.industry = co.the, co.brand, co.industry
        self.intl = "International" if co.intl else ""
        self.legal, self.comma, self.tail = co.legal, rng.random() < 0.25, co.tail
        self.case = None
        self.strip_punct = False
        self.contact = self.ambient_contact(c, rng.random())
        self.mobile = c.mobile if rng.random() >= 0.05 else None
        self.mobile_format = EN_PHONE_FORMATS.pick(rng)
        self.phone = ent.phone if rng.random() >= 0.08 else None
        self.phone_format = EN_PHONE_FORMATS.pick(rng)
        self.ext_format = rng.choice(EN_EXT_FORMATS)
        self.email = ent.email if rng.random() >= 0.05 else ""
        roll = rng.random()
        self.state = co.city.state if roll < 0.80 else EN_STATES[co.city.state] if roll < 0.95 else ""
        roll = rng.random()
        self.city = co.city.name
        if roll >= 0.97:
            self.city = ""
        elif roll >= 0.95 and co.city.aliases:
            self.city = rng.choice(co.city.aliases)
        self.address = list(ent.address) if ent.address and rng.random() >= 0.06 else None
        roll = rng.random()
        self.type_style = 1 if roll < 0.70 else 0 if roll < 0.95 else 2  # St / Street / St.
        self.full_direction = rng.random() < 0.2
        self.unit_style = rng.choice(("{k} {v}", "{k} {v}", "Ste {v}", "Ste. {v}", "#{v}"))

    @staticmethod
    def ambient_contact(c, roll):
        if roll < 0.88:
            return c.name()
        if roll < 0.92:
            return "%s %s. %s" % (c.first, c.middle, c.last)
        if roll < 0.95:
            return "%s, %s" % (c.last, c.first)
        if roll < 0.98:
            return ""
        return c.name().lower()

    def keep_a_channel(self):
        if not (self.mobile or self.phone or self.email):
            self.mobile = self.ent.contact.mobile
            if not self.mobile:
                self.phone = self.ent.phone

    def name(self):
        name = en_name(self.the, self.brand, self.industry, self.intl, self.legal, self.comma,
                       self.tail)
        if self.strip_punct:
            name = re.sub(r"[.,']", "", name).replace("-", " ").replace("  ", " ")
        if self.case == "upper":
            return name.upper()
        if self.case == "lower":
            return name.lower()
        return name.title() if self.case == "title" else name

    @staticmethod
    def phone_text(number, style, ext_style):
        if not number:
            return ""
        area, exchange, line = number[:3]
        text = style.format(a=area, x=exchange, l=line)
        if len(number) > 3 and number[3]:
            text += ext_style.format(e=number[3])
        return text

    def address_text(self):
        if not self.address:
            return ""
        number, direction, street, types, unit = self.address
        words = [number]
        if direction:
            words.append(EN_DIRECTIONS[direction] if self.full_direction else direction)
        street_type = types[0] if self.type_style == 0 else types[1] + ("." if self.type_style == 2 else "")
        words += [street, street_type]
        text = " ".join(words)
        if unit:
            kind, value = unit
            style = self.unit_style if kind == "Suite" else "{k} {v}" if kind != "#" else "#{v}"
            text += ", " + style.format(k=kind, v=value)
        return text

    def render(self):
        return [self.name(), self.contact,
                self.phone_text(self.mobile, self.mobile_format, ""),
                self.phone_text(self.phone, self.phone_format, self.ext_format),
                self.email, self.state, self.city, self.address_text()]


# ------------------------------------------------------------------ en corruptions

def en_drop_legal(r, rng):
    if r.legal:
        r.legal = ""
    else:
        en_short_name(r, rng)


def en_legal_variant(r, rng):
    if r.legal in EN_LEGAL_VARIANTS and rng.random() < 0.8:
        r.legal = rng.choice(EN_LEGAL_VARIANTS[r.legal])
    elif r.legal:
        r.comma = not r.comma
    else:
        en_name_case(r, rng)


def en_abbreviation(r, rng):
    options = [("industry", short) for short in (r.ent.company.abbrev,) if short and r.industry != short]
    if r.intl == "International":
        options.append(("intl", rng.choice(EN_ABBREVIATIONS[0][1])))
    options += [("brand", (old, new)) for old, news in EN_ABBREVIATIONS[1:] if old in r.brand
                for new in news]
    if not options:
        r.the = not r.the
        return
    what, value = rng.choice(options)
    if what == "industry":
        r.industry = value
    elif what == "intl":
        r.intl = value
    else:
        r.brand = r.brand.replace(*value)


def en_name_typo(r, rng):
    if rng.random() < 0.7 or not r.industry:
        r.brand = typo(rng, r.brand)
    else:
        r.industry = typo(rng, r.industry)


def en_name_case(r, rng):
    r.case = rng.choice(("upper", "upper", "lower", "title"))


def en_name_punct(r, rng):
    r.strip_punct = True


def en_short_name(r, rng):
    r.the, r.intl, r.legal, r.tail = False, "", "", ""
    if " " in r.brand:
        r.industry = ""


def en_contact_variant(r, rng):
    c = r.ent.contact
    roll = rng.random()
    if roll < 0.35 and c.first in NICKNAMES:
        r.contact = rng.choice(NICKNAMES[c.first]) + " " + c.last
    elif roll < 0.50:
        r.contact = c.last + ", " + c.first
    elif roll < 0.65:
        r.contact = c.first[0] + ". " + c.last
    elif roll < 0.75:
        r.contact = ("Mr. " if c.gender == "m" else "Ms. ") + c.last
    elif roll < 0.85:
        r.contact = c.name().upper() if rng.random() < 0.5 else c.name().lower()
    else:
        r.contact = "%s %s %s" % (c.first, c.middle, c.last)


def en_contact_typo(r, rng):
    c = r.ent.contact
    if rng.random() < 0.5:
        r.contact = typo(rng, c.first) + " " + c.last
    else:
        r.contact = c.first + " " + typo(rng, c.last)


def en_mobile_reformat(r, rng):
    r.mobile = r.mobile or r.ent.contact.mobile
    current = r.mobile_format
    while r.mobile_format == current:
        r.mobile_format = EN_PHONE_FORMATS.pick(rng)


def en_mobile_typo(r, rng):
    number = r.mobile or r.ent.contact.mobile
    if number:
        digits = digit_typo(rng, "".join(number), start=3)
        r.mobile = (digits[:3], digits[3:6], digits[6:])


def en_mobile_missing(r, rng):
    r.mobile = None


def en_phone_reformat(r, rng):
    r.phone = r.phone or r.ent.phone
    current = r.phone_format
    while r.phone_format == current:
        r.phone_format = EN_PHONE_FORMATS.pick(rng)
    r.ext_format = rng.choice(EN_EXT_FORMATS)


def en_phone_missing(r, rng):
    r.phone = None


def en_email_missing(r, rng):
    r.email = ""


def en_email_case(r, rng):
    if not r.email:
        en_email_missing(r, rng)
    elif rng.random() < 0.5:
        r.email = r.email.upper()
    else:
        local, domain = r.email.split("@")
        r.email = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain


def en_email_personal(r, rng):
    c = r.ent.contact
    r.email = c.freemail or (en_local(EN_LOCAL_STYLE.pick(rng), c.first, c.last)
                             + str(rng.randint(1, 99)) + "@" + EN_FREEMAIL.pick(rng))


def en_state_variant(r, rng):
    state = r.ent.company.city.state
    r.state = rng.choice(("", EN_STATES[state] if r.state == state else state, state.lower(),
                          EN_STATES[state].upper()))


def en_city_variant(r, rng):
    city = r.ent.company.city
    r.city = rng.choice(["", city.name.upper(), city.name.lower()] + city.aliases * 2)


def en_address_abbrev(r, rng):
    if not r.address:
        en_address_missing(r, rng)
        return
    roll = rng.random()
    if roll < 0.35:
        r.type_style = 0 if r.type_style else 1
    elif roll < 0.55 and r.address[4]:
        r.address[4] = None
    elif roll < 0.75 and r.address[4]:
        r.unit_style = rng.choice(("Ste {v}", "#{v}", "Ste. {v}", "{k} {v}"))
    elif r.address[1]:
        r.full_direction = not r.full_direction
    else:
        r.address[0] = digit_typo(rng, r.address[0]) if len(r.address[0]) > 1 else r.address[0]


def en_address_missing(r, rng):
    r.address = None


def en_address_unit(r, rng):
    if not r.address:
        en_address_missing(r, rng)
    elif r.address[4] and r.address[4][1].isdigit():
        kind, value = r.address[4]
        r.address[4] = (kind, str(int(value) + rng.choice((-10, -1, 1, 2, 10, 100))))
    else:
        r.address[4] = ("Suite", str(rng.randint(100, 450)))


def en_blank_field(r, rng):
    field = rng.choice(("contact", "mobile", "phone", "email", "state", "city", "address"))
    setattr(r, field, None if field in ("mobile", "phone", "address") else "")


EN_CORRUPTIONS = Pool([
    (en_drop_legal, 9), (en_legal_variant, 6), (en_abbreviation, 8), (en_name_typo, 5),
    (en_name_case, 5), (en_name_punct, 3), (en_short_name, 5), (en_contact_variant, 8),
    (en_contact_typo, 3), (en_mobile_reformat, 5), (en_mobile_typo, 1.5), (en_mobile_missing, 4),
    (en_phone_reformat, 5), (en_phone_missing, 4), (en_email_missing, 5), (en_email_case, 3),
    (en_email_personal, 2), (en_state_variant, 5), (en_city_variant, 4), (en_address_abbrev, 6),
    (en_address_missing, 4), (en_address_unit, 3), (en_blank_field, 3),
])


# ============================================================================ family person

PERSON_GIVEN_REAL = """
james jack thomas william joshua emily olivia chloe jessica sarah michael daniel matthew
benjamin samuel lachlan ryan liam noah ethan isabella sophie charlotte ella grace hannah
lucy mia zoe ruby amelia georgia emma lily madison alexander nicholas joseph harrison riley
cooper oliver lucas jayden dylan jordan luke nathan tyler connor jake aidan caleb mitchell
brodie zachary patrick christopher andrew david john peter mark paul robert richard stephen
anthony timothy jason scott adam bradley craig darren dean glenn gregory jeffrey kevin
wayne shane troy brett aaron luke simon shaun justin mary margaret patricia elizabeth
jennifer susan karen linda deborah michelle kylie melissa nicole rebecca amanda kelly
natalie danielle kate katherine rachel samantha stephanie lauren tegan brooke jasmine caitlin
alana bianca courtney jade kayla tahlia maddison abbey paige holly claire fiona heather
jacqueline joanne julie kerry leanne lisa louise megan naomi narelle renee sandra sharon
tanya tracey vanessa wendy alice annie beth cassandra dana eva freya gemma ivy jane joan
leah maria nina rose sienna stella tara violet willow xavier callum declan edward felix
finn george harry henry isaac jackson kai leo max oscar owen sebastian toby archie arlo
beau charlie darcy eli flynn hugo jasper kobe levi marcus miles nate reid seth theo
"""
PERSON_SURNAME_REAL = """
smith jones williams brown wilson taylor johnson white martin anderson thompson nguyen
thomas walker harris lee ryan robinson kelly king davis wright evans roberts green hall
wood jackson clarke patel khan lewis james phillips mitchell turner campbell baker scott
young morris cooper edwards moore hill ward watson clark murphy allen stewart mcdonald
bennett hughes cook price richardson russell rogers parker morgan gray bell murray
kennedy collins graham hunt reid miller brooks fraser stevens cox ross jenkins grant
o'brien sullivan hayes chapman mason ellis marshall butler simpson mills mcdonnell
pearce hamilton webb armstrong gibson knight lawrence wallace barnes holmes warren
black hart hudson payne dunn rose lane harvey shaw lloyd howard palmer perry walsh
jordan byrne holland matthews burns carter ferguson fisher cunningham doyle gordon
hayward kerr lynch mcgrath mckenzie morrison nolan o'neill quinn riley sharp stone
tran le pham huang chen wang zhang li liu singh kumar sharma ahmed ali hassan
rossi russo romano ricci costa papadopoulos nikolaidis kowalski novak schmidt muller
fischer weber becker wagner schulz hoffmann koch richter klein wolf neumann schwarz
zimmermann braun kruger hartmann lange werner krause meier lehmann schmitt schulze
maier kohler herrmann konig walter mayer huber kaiser fuchs peters lang scholz moller
weiss jung hahn vogel friedrich keller gunther frank berger winkler roth beck lorenz
baumann franke albrecht ludwig winter simon kraus martens schuster vogt stein jager
otte sommer gross seidel heinrich brandt haas schreiber graf dietrich ziegler kuhn
pohl engel horn busch bergmann thomsen voigt sauer arnold wolff pfeiffer
"""

PERSON_STATES = Pool([("nsw", 32), ("vic", 26), ("qld", 20), ("wa", 10), ("sa", 7), ("tas", 2),
                      ("act", 2), ("nt", 1)])
PERSON_POSTCODES = {"nsw": (2000, 2999), "vic": (3000, 3999), "qld": (4000, 4999),
                    "wa": (6000, 6797), "sa": (5000, 5799), "tas": (7000, 7799),
                    "act": (2600, 2620), "nt": (800, 899)}
SUBURB_HEADS = ("woll karr bur dun yarr moor ash bel carr glen kur mar narr tarr wool ball bell "
                "cool dar ell gun kin lind mal nor par rose sand thorn wen wynd yeer bang mool "
                "kell tam warr").split()
SUBURB_MIDDLES = "a i o u ee on in en".split() + [""] * 4
SUBURB_TAILS = ("gong bar ville ton field wood dale bury ford ham ley mont vale side worth ridge "
                "lands ong up ina ara ington bah gullah ook").split()
SUBURB_PREFIXES = Pool([("", 80), ("north ", 4), ("south ", 4), ("east ", 3), ("west ", 3),
                        ("mount ", 3), ("port ", 1), ("glen ", 1), ("point ", 1)])
SUBURB_SUFFIXES = Pool([("", 80), (" heights", 4), (" park", 5), (" hills", 3), (" vale", 2),
                        (" beach", 2), (" downs", 2), (" creek", 2)])
PERSON_STREET_WORDS = ("pacific station church king queen victoria george elizabeth high bridge "
                       "mill park hill railway beach ocean river lake bay forest wattle banksia "
                       "acacia jacaranda gum").split()
PERSON_STREET_TYPES = Pool([("street", 35), ("road", 18), ("avenue", 12), ("drive", 7),
                            ("place", 6), ("crescent", 6), ("court", 4), ("close", 3),
                            ("circuit", 3), ("parade", 2), ("lane", 2), ("way", 2),
                            ("terrace", 1), ("grove", 1), ("highway", 1)])
PERSON_ABBREVIATIONS = {"street": "st", "road": "rd", "avenue": "ave", "drive": "dr",
                        "place": "pl", "crescent": "cres", "court": "ct", "close": "cl",
                        "circuit": "cct", "parade": "pde", "lane": "ln", "terrace": "tce",
                        "grove": "gr", "highway": "hwy", "mount": "mt", "north": "nth",
                        "south": "sth", "saint": "st", "heights": "hts", "point": "pt"}
PERSON_COMPLEX_WORDS = ("rosedale", "kurrajong", "the grange", "st marys", "bellevue",
                        "windermere", "fairhaven", "kingsford", "glenview", "brookside")
PERSON_UNIT_WORDS = Pool([("unit", 45), ("flat", 20), ("apartment", 10), ("level", 10),
                          ("lot", 15)])
PHONETIC_RULES = (("ph", "f"), ("f", "ph"), ("ck", "k"), ("c", "k"), ("k", "c"), ("ie", "y"),
                  ("y", "ie"), ("ll", "l"), ("l", "ll"), ("tt", "t"), ("t", "tt"), ("ss", "s"),
                  ("ee", "ea"), ("ea", "ee"), ("m", "rn"), ("rn", "m"), ("th", "t"), ("z", "s"),
                  ("s", "z"), ("ei", "ie"), ("ou", "u"), ("ae", "e"), ("i", "y"), ("o", "0"))
PERSON_FIELDS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb",
                 "postcode", "state", "date_of_birth", "soc_sec_id")
PERSON_AMBIENT_MISSING = (0.01, 0.005, 0.02, 0.015, 0.0, 0.01, 0.01, 0.02, 0.02, 0.01)
GIVEN, SURNAME, NUMBER, ADDR1, ADDR2, SUBURB, POSTCODE, STATE, DOB, SSN = range(10)


def _person_pools():
    rng = random.Random("person-world")
    given_real = list(dict.fromkeys(PERSON_GIVEN_REAL.split()))
    surname_real = list(dict.fromkeys(PERSON_SURNAME_REAL.split()))
    given_tail = synthetic_names(rng, 1500, GIVEN_PARTS, given_real)
    surname_tail = synthetic_names(rng, 6000, SURNAME_PARTS, surname_real)
    suburbs, postcodes, seen = [], {}, set()
    while len(suburbs) < 2500:
        name = (SUBURB_PREFIXES.pick(rng) + rng.choice(SUBURB_HEADS) + rng.choice(SUBURB_MIDDLES)
                + rng.choice(SUBURB_TAILS) + SUBURB_SUFFIXES.pick(rng))
        if name in seen:
            continue
        seen.add(name)
        state = PERSON_STATES.pick(rng)
        used = postcodes.setdefault(state, [])
        if used and rng.random() < 0.3:
            postcode = rng.choice(used)
        else:
            postcode = "%04d" % rng.randint(*PERSON_POSTCODES[state])
            used.append(postcode)
        suburbs.append((name, postcode, state))
    streets = surname_real + surname_tail[:1500] + PERSON_STREET_WORDS
    rng.shuffle(streets)
    nicknames = {}
    for formal, nicks in NICKNAMES.items():
        for nick in nicks:
            nicknames.setdefault(formal.lower(), []).append(nick.lower())
            nicknames.setdefault(nick.lower(), []).append(formal.lower())
    return {
        "given": zipf_pool(given_real, 0.05, given_tail, 0.10),
        "surnames": zipf_pool(surname_real, 0.01, surname_tail, 0.35),
        "suburbs": zipf_pool(suburbs, 0.01),
        "streets": zipf_pool(streets, 0.01),
        "nicknames": nicknames,
    }


class PersonFamily:
    HEADER = list(PERSON_FIELDS)
    HOUSEHOLD = 0.12

    def __init__(self, seed):
        self.seed = seed
        self.p = _person_pools()
        self.ssn = Scramble(10 ** 7, random.Random(seed))
        self.corruptions = Pool([
            (self.c_typo, 30), (self.c_phonetic, 6), (self.c_missing, 12), (self.c_nickname, 6),
            (self.c_swap_names, 2), (self.c_postcode, 6), (self.c_dob, 8), (self.c_ssn, 6),
            (self.c_street_number, 5), (self.c_abbreviation, 4),
        ])

    def prepare(self, n_entities):
        """Nothing to make unique: soc_sec_id is a bijection of the entity index."""

    def entity(self, e):
        """Canonical record as a list of PERSON_FIELDS strings."""
        rng = stream(self.seed, e, ENTITY_SLOT)
        if e > 0 and rng.random() < self.HOUSEHOLD:
            rec = self.household_member(rng, self.entity(rng.randrange(e)))
        else:
            rec = [self.p["given"].pick(rng), self.p["surnames"].pick(rng)] + self.address(rng)
            rec.append(self.date(rng, int(rng.triangular(1925, 2008, 1975))))
        rec.append("%07d" % self.ssn(e))
        return rec

    def household_member(self, rng, parent):
        rec = parent[:DOB]
        if rng.random() >= 0.85:
            rec[SURNAME] = self.p["surnames"].pick(rng)
        year = int(parent[DOB][:4])
        roll = rng.random()
        if roll < 0.02:  # junior: same name, a generation younger
            dob = self.date(rng, min(2015, year + rng.randint(20, 40)))
        else:
            rec[GIVEN] = self.other_given(rng, parent[GIVEN])
            if roll < 0.06:  # twin
                dob = parent[DOB]
            elif roll < 0.50:  # partner
                dob = self.date(rng, year + rng.randint(-8, 8))
            else:  # child
                dob = self.date(rng, min(2015, year + rng.randint(18, 40)))
        rec.append(dob)
        return rec

    def other_given(self, rng, given):
        while True:
            other = self.p["given"].pick(rng)
            if other != given:
                return other

    def address(self, rng):
        suburb, postcode, state = self.p["suburbs"].pick(rng)
        number = str(min(1999, 1 + int(rng.expovariate(1 / 40))))
        street = self.p["streets"].pick(rng) + " " + PERSON_STREET_TYPES.pick(rng)
        second = ""
        if rng.random() < 0.35:
            if rng.random() < 0.4:
                second = rng.choice(PERSON_COMPLEX_WORDS)
                second += rng.choice(("", "", " village", " court", " gardens"))
            else:
                second = PERSON_UNIT_WORDS.pick(rng) + " " + str(rng.randint(1, 40))
        return [number, street, second, suburb, postcode, state]

    @staticmethod
    def date(rng, year):
        month = rng.randint(1, 12)
        return "%04d%02d%02d" % (year, month, rng.randint(1, days_in_month(year, month)))

    def row(self, e, variant):
        rec = self.entity(e)
        rng = stream(self.seed, e, variant)
        for i, rate in enumerate(PERSON_AMBIENT_MISSING):
            if rate and rng.random() < rate:
                rec[i] = ""
        if variant:
            original = rec[:]
            corrupt(rec, rng, self.corruptions)
            if not (rec[GIVEN] or rec[SURNAME]):
                rec[SURNAME] = original[SURNAME] or original[GIVEN]
        return rec

    # ---------------------------------------------------------------- corruptions

    def c_typo(self, rec, rng):
        i = pick_filled(rng, rec, ((GIVEN, 30), (SURNAME, 30), (ADDR1, 15), (SUBURB, 15),
                                   (ADDR2, 10)))
        if i is not None:
            rec[i] = typo(rng, rec[i])

    def c_phonetic(self, rec, rng):
        i = pick_filled(rng, rec, ((GIVEN, 40), (SURNAME, 40), (SUBURB, 20)))
        if i is None:
            return
        rules = [(a, b) for a, b in PHONETIC_RULES if a in rec[i]]
        if rules:
            old, new = rng.choice(rules)
            spots = [m.start() for m in re.finditer(re.escape(old), rec[i])]
            at = rng.choice(spots)
            rec[i] = rec[i][:at] + new + rec[i][at + len(old):]
        else:
            rec[i] = typo(rng, rec[i])

    def c_missing(self, rec, rng):
        i = pick_filled(rng, rec, ((GIVEN, 8), (SURNAME, 6), (NUMBER, 12), (ADDR1, 10),
                                   (ADDR2, 14), (SUBURB, 10), (POSTCODE, 10), (STATE, 12),
                                   (DOB, 10), (SSN, 8)))
        if i is not None:
            rec[i] = ""

    def c_nickname(self, rec, rng):
        options = self.p["nicknames"].get(rec[GIVEN])
        if options:
            rec[GIVEN] = rng.choice(options)
        elif rec[GIVEN]:
            rec[GIVEN] = typo(rng, rec[GIVEN])

    def c_swap_names(self, rec, rng):
        rec[GIVEN], rec[SURNAME] = rec[SURNAME], rec[GIVEN]

    def c_postcode(self, rec, rng):
        if rec[POSTCODE]:
            rec[POSTCODE] = digit_typo(rng, rec[POSTCODE])

    def c_dob(self, rec, rng):
        dob = rec[DOB]
        if not dob:
            return
        month, day = dob[4:6], dob[6:]
        if month != day and int(day) <= 12 and rng.random() < 0.6:
            rec[DOB] = dob[:4] + day + month
        else:
            rec[DOB] = digit_typo(rng, dob, start=2)

    def c_ssn(self, rec, rng):
        if rec[SSN]:
            rec[SSN] = digit_typo(rng, rec[SSN])

    def c_street_number(self, rec, rng):
        if len(rec[NUMBER]) > 1:
            rec[NUMBER] = digit_typo(rng, rec[NUMBER])
        elif rec[NUMBER]:
            rec[NUMBER] = str(int(rec[NUMBER]) + rng.choice((1, 2, 10)))

    def c_abbreviation(self, rec, rng):
        spots = [(i, w) for i in (ADDR1, SUBURB) for w in rec[i].split()
                 if w in PERSON_ABBREVIATIONS]
        if spots:
            i, word = rng.choice(spots)
            rec[i] = " ".join(PERSON_ABBREVIATIONS[w] if w == word else w for w in rec[i].split())
        elif rec[ADDR1]:
            rec[ADDR1] = typo(rng, rec[ADDR1])


def pick_filled(rng, rec, weighted_fields):
    """A field index drawn by weight among the non-empty ones, or None."""
    filled = [(i, w) for i, w in weighted_fields if rec[i]]
    return Pool(filled).pick(rng) if filled else None


# ============================================================================ driver

FAMILIES = {"cn": CnFamily, "en": EnFamily, "person": PersonFamily}
EXTRA_ROWS = Pool([(1, 55), (2, 30), (3, 15)])
MEAN_EXTRA_ROWS = 1.6


def plan(records, dup_share, rng):
    """Shuffled row keys (entity * 4 + row index) and the ground-truth counts."""
    entities = max(1, round(records / (1 + dup_share * MEAN_EXTRA_ROWS)))
    duplicated = sorted(rng.sample(range(entities), round(dup_share * entities)))
    keys = list(range(0, 4 * entities, 4))
    pairs = 0
    for e in duplicated:
        extra = EXTRA_ROWS.pick(rng)
        keys.extend(4 * e + v for v in range(1, extra + 1))
        pairs += extra * (extra + 1) // 2
    rng.shuffle(keys)
    return keys, entities, len(duplicated), pairs


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Generate a duplicate-detection benchmark CSV with ground truth "
                    "(families: cn, en, person). See the module docstring for every rule.")
    parser.add_argument("--family", required=True, choices=sorted(FAMILIES))
    parser.add_argument("--records", required=True, type=int,
                        help="approximate number of rows, 5000 .. 1000000")
    parser.add_argument("--dup-share", required=True, type=float,
                        help="share of entities with extra rows, e.g. 0.01, 0.03, 0.1, 0.3")
    parser.add_argument("--seed", required=True, type=int, help="non-negative integer")
    parser.add_argument("out", help="output CSV path")
    args = parser.parse_args(argv)
    if not 5000 <= args.records <= 1_000_000:
        parser.error("--records must be between 5000 and 1000000")
    if not 0.0 <= args.dup_share <= 1.0:
        parser.error("--dup-share must be between 0 and 1")
    if args.seed < 0:
        parser.error("--seed must be non-negative")
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    family = FAMILIES[args.family](args.seed)
    keys, entities, duplicated, pairs = plan(args.records, args.dup_share, random.Random(args.seed))
    family.prepare(entities)
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(family.HEADER + ["entity_id"])
        batch = []
        for key in keys:
            e, variant = divmod(key, 4)
            row = family.row(e, variant)
            row.append(str(e))
            batch.append(row)
            if len(batch) == 10000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)
    print("family=%s rows=%d entities=%d duplicated_entities=%d true_pairs=%d seconds=%.1f"
          % (args.family, len(keys), entities, duplicated, pairs, time.time() - started),
          file=sys.stderr)


if __name__ == "__main__":
    main()
