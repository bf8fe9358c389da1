"""Derive Qibu's reference tables in seed_data/ from the shared reference data.

Usage::

    python seed_data/build_reference.py [--shared PATH] [--out DIR]

PATH defaults to <repo>/../shared/data and DIR to this folder. The shared files are
read, never copied whole: every output is either Qibu's fixed vocabulary (written
here, as agreed in the project taxonomy) or a selection, join or aggregate of the
shared tables. ATTRIBUTION.md in this folder says which source fed which file.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import pandas as pd

SEED_DIR = Path(__file__).resolve().parent
DEFAULT_SHARED = SEED_DIR.parent.parent / "shared" / "data"

RIASEC = ("R", "I", "A", "S", "E", "C")
RIASEC_ELEMENTS = {
    "Realistic": "R",
    "Investigative": "I",
    "Artistic": "A",
    "Social": "S",
    "Enterprising": "E",
    "Conventional": "C",
}

# Qibu's fixed job categories, in taxonomy order: code, Chinese name, English name.
CATEGORIES = (
    ("sales", "销售人员", "Sales staff"),
    ("phone_service", "电话客服", "Phone customer service"),
    ("workshop", "车间工人/普工", "Workshop and assembly worker"),
    ("logistics", "物流仓储操作员", "Logistics and warehouse operator"),
    ("delivery", "快递外卖配送员", "Courier and delivery rider"),
    ("driver", "驾驶员", "Driver"),
    ("forklift", "叉车司机", "Forklift operator"),
    ("security", "保安员", "Security guard"),
    ("cleaning", "保洁员", "Cleaner"),
    ("kitchen", "厨师及厨房帮工", "Cook and kitchen helper"),
    ("waiter", "餐厅服务员", "Restaurant server"),
    ("retail", "营业员/收银员", "Shop assistant and cashier"),
    ("property", "物业管理员", "Property management staff"),
    ("construction", "建筑工人", "Construction worker"),
    ("decoration", "装修工", "Renovation tradesperson"),
    ("electrician", "电工", "Electrician"),
    ("welder", "焊工", "Welder"),
    ("auto_repair", "汽车维修工", "Auto mechanic"),
    ("maintenance", "设备维修工", "Equipment maintenance technician"),
    ("machine_operator", "机床操作工", "Machine tool operator"),
    ("quality", "质检员", "Quality inspector"),
    ("food_processing", "食品加工工", "Food processing worker"),
    ("packaging", "包装工", "Packaging worker"),
    ("hairdresser", "美发师", "Hairdresser"),
    ("care_worker", "养老护理员", "Elderly care worker"),
    ("domestic", "家政服务员", "Domestic helper"),
    ("hotel", "酒店客房服务员", "Hotel housekeeping attendant"),
    ("gardener", "绿化工", "Gardener and landscaper"),
    ("admin_clerk", "行政文员", "Office clerk"),
    ("ecommerce", "电商运营助理", "E-commerce assistant"),
)

# CSCO 2022 coverage of each category: a full code (x-xx-xx-xx) is one occupation,
# a prefix (x-xx-xx) a whole minor group. Chosen by hand so that no occupation falls in
# two categories (an electrician is not an equipment maintenance technician here).
CATEGORY_CSCO = {
    "sales": ("4-01-02-01", "4-06-02-01"),
    "phone_service": ("4-04-05-03",),
    "workshop": ("6-25-04", "6-22-01-01", "6-24-05", "6-19-01", "6-14-02-00"),
    "logistics": ("4-02-06", "4-02-05-01", "4-02-07-09"),
    "delivery": ("4-02-07-08", "4-02-07-04", "4-10-08-01"),
    "driver": ("4-02-02-01", "4-02-02-02", "6-30-01-00", "4-10-08-02"),
    "forklift": ("6-30-05-01",),
    "security": ("4-07-05-01", "4-07-05-02"),
    "cleaning": ("4-09-08-01", "4-09-08-02"),
    "kitchen": ("4-03-02-01", "4-03-02-02", "4-03-02-03", "4-03-02-04"),
    "waiter": ("4-03-02-05", "4-03-02-10"),
    "retail": ("4-01-02-03", "4-01-02-04"),
    "property": ("4-06-01",),
    "construction": ("6-29-01", "6-29-02-03", "6-29-02-08"),
    "decoration": ("6-29-04", "6-06-03-01"),
    "electrician": ("6-31-01-03",),
    "welder": ("6-18-02-04", "6-18-02-05"),
    "auto_repair": ("4-12-01",),
    "maintenance": ("6-31-01-01", "6-31-01-02", "6-31-01-09", "6-31-01-10"),
    "machine_operator": ("6-18-01",),
    "quality": ("6-31-03-05", "6-31-03-02", "6-31-03-06"),
    "food_processing": (
        "6-01-04", "6-01-05", "6-01-06-00", "6-01-07-03",
        "6-02-01", "6-02-03", "6-02-04-01", "6-02-06-09",
    ),
    "packaging": ("6-31-05-00",),
    "hairdresser": ("4-10-03-02",),
    "care_worker": ("4-10-01-05", "4-14-01-02"),
    "domestic": ("4-10-01-06",),
    "hotel": ("4-03-01-02", "4-03-01-03"),
    "gardener": ("4-09-10-01", "4-09-10-02"),
    "admin_clerk": ("3-01-02-02", "3-01-02-04", "3-01-02-05", "3-01-02-08"),
    "ecommerce": ("4-01-06",),
}

# O*NET-SOC occupations closest to each category, whose interest profiles are averaged.
CATEGORY_ONET = {
    "sales": ("41-4012.00", "41-3091.00", "41-9022.00", "41-9091.00"),
    "phone_service": ("43-4051.00", "41-9041.00"),
    "workshop": ("51-2092.00", "51-2022.00", "51-9198.00", "53-7063.00"),
    "logistics": ("53-7062.00", "53-7065.00", "43-5071.00"),
    "delivery": ("43-5021.00", "53-3033.00", "43-5052.00"),
    "driver": ("53-3032.00", "53-3033.00", "53-3053.00", "53-3054.00"),
    "forklift": ("53-7051.00",),
    "security": ("33-9032.00",),
    "cleaning": ("37-2011.00", "37-2012.00"),
    "kitchen": ("35-2014.00", "35-2021.00", "35-9021.00"),
    "waiter": ("35-3031.00", "35-9011.00", "35-9031.00"),
    "retail": ("41-2031.00", "41-2011.00"),
    "property": ("11-9141.00", "49-9071.00", "43-4171.00"),
    "construction": ("47-2061.00", "47-2021.00", "47-2051.00", "47-2171.00"),
    "decoration": ("47-2141.00", "47-2081.00", "47-2044.00", "47-2031.00"),
    "electrician": ("47-2111.00",),
    "welder": ("51-4121.00",),
    "auto_repair": ("49-3023.00", "49-3021.00"),
    "maintenance": ("49-9041.00", "49-9071.00", "49-9043.00"),
    "machine_operator": ("51-4081.00", "51-9161.00", "51-4031.00", "51-4034.00"),
    "quality": ("51-9061.00",),
    "food_processing": ("51-3022.00", "51-3092.00", "51-3093.00", "51-3011.00"),
    "packaging": ("53-7064.00", "51-9111.00"),
    "hairdresser": ("39-5012.00",),
    "care_worker": ("31-1122.00", "31-1121.00", "31-1131.00"),
    "domestic": ("37-2012.00", "39-9011.01", "35-2013.00"),
    "hotel": ("37-2012.00", "51-6011.00"),
    "gardener": ("37-3011.00", "45-2092.00"),
    "admin_clerk": ("43-9061.00", "43-6014.00", "43-9021.00"),
    "ecommerce": ("13-1199.06", "13-1161.01", "43-4151.00"),
}

# Certificates: code, Chinese name, English name, categories whose openings need it by law.
CERTIFICATES = (
    ("forklift", "叉车司机证(N1)", "Forklift licence (N1)", ("forklift",)),
    ("electrician", "低压电工作业证", "Low-voltage electrician permit", ("electrician",)),
    ("welder", "焊接与热切割作业证", "Welding and hot-cutting permit", ("welder",)),
    ("driving_c1", "机动车驾驶证C1", "Driving licence C1", ()),
    ("driving_b2", "机动车驾驶证B2", "Driving licence B2 (trucks)", ()),
    ("driving_a2", "机动车驾驶证A2", "Driving licence A2 (tractor-trailers)", ()),
    ("chef", "中式烹调师证", "Chinese cook certificate", ()),
    ("security_guard", "保安员证", "Security guard certificate", ("security",)),
    # The law requires a health certificate in food and public services, but employers
    # arrange it with a routine check within days of hiring; making it a hard filter would
    # hide these jobs from nearly everyone leaving a facility. Openings list it in their
    # certificates_required, so the matcher shows it as a caveat instead.
    ("health_cert", "健康证", "Health certificate", ()),
    ("work_at_height", "高处作业证", "Work-at-height permit", ()),
    ("care_worker", "养老护理员证", "Elderly care worker certificate", ()),
    ("hairdresser", "美发师证", "Hairdresser certificate", ()),
)

ENVIRONMENTS = (
    ("nightlife", "夜场及娱乐场所", "Nightlife and entertainment venues"),
    ("bar", "酒吧", "Bars"),
    ("pharmacy", "药店及医药销售", "Pharmacies and medical stores"),
    ("late_night", "深夜工作(22点后)", "Late-night work (after 22:00)"),
    ("precursor_chemicals", "接触易制毒化学品", "Handling precursor chemicals"),
)

DISTRICT_NAMES_EN = {
    "310101": "Huangpu",
    "310104": "Xuhui",
    "310105": "Changning",
    "310106": "Jing'an",
    "310107": "Putuo",
    "310109": "Hongkou",
    "310110": "Yangpu",
    "310112": "Minhang",
    "310113": "Baoshan",
    "310114": "Jiading",
    "310115": "Pudong New Area",
    "310116": "Jinshan",
    "310117": "Songjiang",
    "310118": "Qingpu",
    "310120": "Fengxian",
    "310151": "Chongming",
}

# Job titles from the posting-frequency table are labelled by the first rule whose
# pattern they contain. Managerial, professional and trainee titles are left out,
# because they are not jobs the programme recruits for. build_category_training.py
# uses these rules for the training file; titles they leave unlabelled are held out.
TITLE_RULES = (
    (r"客房|楼层服务", "hotel"),
    (r"营业员|收银|导购|店员", "retail"),
    (r"电话销售|销售代表|网络销售|网络/在线销售|区域销售$|大客户销售$|汽车销售$", "sales"),
    (r"房地产销售$|房产经纪人|置业顾问|客户代表|促销员$|团购业务员|业务员", "sales"),
    (r"客服|呼叫中心|话务", "phone_service"),
    (r"叉车|铲车", "forklift"),
    (r"快递|送餐|外卖|配送|送水工|速递", "delivery"),
    (r"仓库|仓储|理货|分拣|打包|装卸|搬运", "logistics"),
    (r"司机|驾驶", "driver"),
    (r"保安|防损|门卫", "security"),
    (r"保洁|清洁", "cleaning"),
    (r"厨|配菜|打荷|面点|西点|洗碗|裱花", "kitchen"),
    (r"服务员|传菜|迎宾|咖啡师|茶艺", "waiter"),
    (r"物业", "property"),
    (r"施工员|钢筋工|砌筑工|架子工|混凝土工|防水工", "construction"),
    (r"装修|油漆工|木工|瓦工", "decoration"),
    (r"电工", "electrician"),
    (r"焊|切割", "welder"),
    (r"汽车.*(修|维|美容|装饰|钣金|喷漆)|洗车|汽修", "auto_repair"),
    (r"维修|机修|钳工|电梯工", "maintenance"),
    (r"车工|铣工|磨工|冲压|数控操|车床|机床|注塑|挡车工", "machine_operator"),
    (r"普工|操作工|组装工|装配工|流水线|技工|杂工", "workshop"),
    (r"质检|质量检验员|验货", "quality"),
    (r"食品|面包", "food_processing"),
    (r"包装工", "packaging"),
    (r"美发|发型|洗头", "hairdresser"),
    (r"护理员|护工|养老", "care_worker"),
    (r"家政|保姆|月嫂|钟点工|育婴", "domestic"),
    (r"绿化|园林工", "gardener"),
    (r"文员|行政|前台|录入|打字|资料员|统计员", "admin_clerk"),
    (r"网店运营|网店推广|网店/淘宝运营|电子商务$|电子商务专员", "ecommerce"),
)
TITLE_EXCLUDE = re.compile(
    r"经理|主管|总监|工程师|设计|店长|督导|领班|主任|总裁|讲师|培训|教师|老师|研发|策划|实习"
    r"|储备|合伙|其他|分析|顾问|招商|医|药|保险|金融|证券|理财|4S|学徒|主播|兼职|编程|美工"
    r"|模特|列车|地铁|船舶|飞机|教练|吊车|手机|电脑|网络维修|财务|会计|酒店前台|物流销售"
    r"|汽车物流|租赁|检测|印刷|切纸|安保|纺织|检验/|饮料检验|项目|客房管理|房产店员"
)
# Some excluded words are part of titles the programme does recruit for.
TITLE_KEEP = re.compile(r"^置业顾问$")

CATEGORIES_HEADER = ("code", "name_zh", "name_en", "csco_codes", "riasec")
RIASEC_HEADER = ("code", *RIASEC)
DISTRICTS_HEADER = ("adcode", "name_zh", "name_en", "lon", "lat", "neighbours")
CERTIFICATES_HEADER = ("code", "name_zh", "name_en", "legally_required_for")
ENVIRONMENTS_HEADER = ("tag", "name_zh", "name_en")
TRAINING_HEADER = ("text", "category")


def write_table(path, header, rows):
    """Write rows as a plain UTF-8 CSV with a header and '\\n' line ends."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def read_csco(shared):
    """Read the CSCO 2022 classification with every column as text."""
    return pd.read_csv(
        shared / "occupations" / "csco22.csv", dtype=str, keep_default_na=False
    )


def csco_rows_under(csco, entry):
    """Return the CSCO rows an entry covers: one occupation, or a minor group and all in it."""
    if entry.count("-") == 3:
        return csco[(csco["code"] == entry) & (csco["level"] == "4")]
    return csco[csco["code"].str.startswith(entry + "-")]


def check_csco_entries(csco):
    """Raise if a category's CSCO entry names no row of the classification."""
    for code, entries in CATEGORY_CSCO.items():
        for entry in entries:
            if csco_rows_under(csco, entry).empty:
                raise SystemExit(f"{code}: CSCO code {entry} not in csco22.csv")


def read_onet_interests(shared):
    """Return the six OI interest scores per O*NET-SOC code as a wide table."""
    interests = pd.read_csv(shared / "onet" / "interests.txt", sep="\t", dtype=str)
    scores = interests[interests["Scale ID"] == "OI"].copy()
    scores["letter"] = scores["Element Name"].map(RIASEC_ELEMENTS)
    scores["value"] = scores["Data Value"].astype(float)
    return scores.pivot(index="O*NET-SOC Code", columns="letter", values="value")[
        list(RIASEC)
    ]


def check_onet_codes(shared, interests):
    """Raise if a mapped O*NET-SOC code is unknown or has no interest profile."""
    occupations = pd.read_csv(
        shared / "onet" / "occupation_data.txt", sep="\t", dtype=str
    )
    known = set(occupations["O*NET-SOC Code"])
    for code, onet_codes in CATEGORY_ONET.items():
        for onet_code in onet_codes:
            if onet_code not in known:
                raise SystemExit(f"{code}: O*NET-SOC {onet_code} not in occupation_data")
            if onet_code not in interests.index:
                raise SystemExit(f"{code}: O*NET-SOC {onet_code} has no interest scores")


def category_riasec_means(interests):
    """Average the interest scores of each category's O*NET occupations."""
    means = {
        code: interests.loc[list(CATEGORY_ONET[code])].mean().round(2)
        for code, _, _ in CATEGORIES
    }
    return pd.DataFrame(means).T[list(RIASEC)]


def riasec_letters(scores):
    """Return the high-point code: letters scoring >= 4.0 or within 1.0 of the top, max 3."""
    ranked = sorted(RIASEC, key=lambda letter: (-scores[letter], RIASEC.index(letter)))
    top = scores[ranked[0]]
    chosen = [
        letter for letter in ranked if scores[letter] >= 4.0 or top - scores[letter] <= 1.0
    ]
    return "".join(chosen[:3])


def build_categories(means):
    """Return categories.csv rows: names, CSCO coverage and RIASEC high-point code."""
    return [
        (code, name_zh, name_en, ";".join(CATEGORY_CSCO[code]), riasec_letters(means.loc[code]))
        for code, name_zh, name_en in CATEGORIES
    ]


def build_category_riasec(means):
    """Return category_riasec.csv rows with scores formatted to two decimals."""
    return [
        (code, *(f"{means.loc[code, letter]:.2f}" for letter in RIASEC))
        for code, _, _ in CATEGORIES
    ]


def build_districts(shared):
    """Return districts.csv rows, with neighbour names turned into adcodes."""
    table = pd.read_csv(
        shared / "geo" / "shanghai_districts.csv", dtype=str, keep_default_na=False
    )
    adcode_by_name = dict(zip(table["name"], table["adcode"], strict=True))
    rows = []
    for district in table.sort_values("adcode").itertuples(index=False):
        names = [name for name in district.neighbors.split("|") if name]
        neighbours = sorted(adcode_by_name[name] for name in names)
        rows.append((
            district.adcode,
            district.name,
            DISTRICT_NAMES_EN[district.adcode],
            district.cpca_lon,
            district.cpca_lat,
            ";".join(neighbours),
        ))
    return rows


def build_certificates():
    """Return certificates.csv rows from the fixed vocabulary."""
    return [
        (code, name_zh, name_en, ";".join(required))
        for code, name_zh, name_en, required in CERTIFICATES
    ]


def plain_occupation_name(text):
    """Strip CSCO's L/S markers (licensed, digital skill) from an occupation name."""
    return re.sub(r"(?<=[\u4e00-\u9fff])(L/S|L|S)$", "", text.strip())


def csco_training_texts(csco):
    """Yield (text, category) from the names, aliases and definitions of covered occupations."""
    for code, _, _ in CATEGORIES:
        for entry in CATEGORY_CSCO[code]:
            for row in csco_rows_under(csco, entry).itertuples(index=False):
                yield plain_occupation_name(row.name), code
                for alias in re.split(r"[,;，；]", row.alias):
                    if alias.strip():
                        yield plain_occupation_name(alias), code
                if row.definition.strip():
                    yield row.definition.strip(), code


def title_category(title):
    """Return the category a real job title belongs to, or None."""
    if TITLE_EXCLUDE.search(title) and not TITLE_KEEP.match(title):
        return None
    for pattern, code in TITLE_RULES:
        if re.search(pattern, title):
            return code
    return None


def read_job_titles(shared):
    """Return the distinct job titles of the posting-frequency table."""
    frequency = pd.read_csv(
        shared / "jobs" / "cn_job_title_frequency.csv", dtype=str, keep_default_na=False
    )
    titles = frequency["job_name"].str.strip()
    return sorted({title for title in titles if title and title not in {"nan", "无"}})


def build_reference(shared, out):
    """Derive every reference table from the shared data into the out folder."""
    csco = read_csco(shared)
    check_csco_entries(csco)
    interests = read_onet_interests(shared)
    check_onet_codes(shared, interests)
    means = category_riasec_means(interests)
    out.mkdir(parents=True, exist_ok=True)
    write_table(out / "categories.csv", CATEGORIES_HEADER, build_categories(means))
    write_table(out / "category_riasec.csv", RIASEC_HEADER, build_category_riasec(means))
    write_table(out / "districts.csv", DISTRICTS_HEADER, build_districts(shared))
    write_table(out / "certificates.csv", CERTIFICATES_HEADER, build_certificates())
    write_table(out / "environments.csv", ENVIRONMENTS_HEADER, ENVIRONMENTS)
    # The classifier's training rows have a script of their own, which imports this one.
    from build_category_training import build_training_rows, read_posting_titles

    training, _ = build_training_rows(
        csco, read_job_titles(shared), read_posting_titles(shared)
    )
    write_table(out / "category_training.csv", TRAINING_HEADER, training)


def main(argv=None):
    """Parse the command line and build the reference tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder holding the shared reference data")
    parser.add_argument("--out", type=Path, default=SEED_DIR,
                        help="folder to write the tables into")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        parser.error(f"shared data folder not found: {args.shared}")
    build_reference(args.shared, args.out)


if __name__ == "__main__":
    sys.exit(main())
